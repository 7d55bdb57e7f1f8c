// Helpers for the HTTP tests (tests/http/*.test.ts): a cookie-keeping client, signed in through
// the form or with a session made straight in the site's database, the islands of a page, and
// the site's outbox. Accounts themselves come from users.ts.
import { linkPath, mailsIn, type Mail } from './outbox.ts';
import { waitForMailDelivered } from './site-db.ts';
import { siteFetch, type RunningSite } from './site.ts';
import { createUser, PASSWORD, startSession, type NewUser, type UserOptions } from './users.ts';

/** A minimal browser: keeps cookies, sends the site's Origin on POST, never follows redirects. */
export class Client {
  readonly cookies = new Map<string, string>();
  readonly site: RunningSite;
  readonly headers: Record<string, string>;
  /** The Origin its POSTs send: the site's own, unless a test plays another site. */
  readonly origin: string;
  constructor(site: RunningSite, headers: Record<string, string> = {}, origin = site.origin) {
    this.site = site;
    this.headers = headers;
    this.origin = origin;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(this.headers)) if (!headers.has(k)) headers.set(k, v);
    if (this.cookies.size > 0 && !headers.has('cookie')) headers.set('cookie', this.cookieHeader());
    const res = await siteFetch(this.site, path, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
      if (expired) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    return res;
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, { headers });
  }

  /** Submits a form the way a browser does (url-encoded, with the page's Origin). */
  post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { origin: this.origin, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers },
    });
  }

  /** Submits the sign-in form; the response is the test's to check. */
  submitSignIn(email: string, password = PASSWORD): Promise<Response> {
    return this.post('/login?_action=auth.signIn', { email, password });
  }

  /** Signs in through the form; fails unless the site answers with a session. */
  async signIn(email: string, password = PASSWORD): Promise<void> {
    const res = await this.submitSignIn(email, password);
    if (res.status !== 303 || !this.cookies.has('session')) throw new Error(`sign-in failed: ${res.status}`);
  }

  /** The page at `path` with its server islands fetched the way the page's script does, joined. */
  async pageWithIslands(path: string, headers: Record<string, string> = {}): Promise<{ page: Response; html: string; islands: Island[] }> {
    const page = await this.get(path, headers);
    const html = await page.text();
    const islands = await this.islandsOf(html, headers);
    return { page, html, islands };
  }

  /** Fetches every server island of `html` as the page's scripts would (GET, or POST for large props). */
  async islandsOf(html: string, headers: Record<string, string> = {}): Promise<Island[]> {
    const islands: Island[] = [];
    for (const call of islandCalls(html)) {
      const res =
        call.method === 'GET'
          ? await this.get(call.url, headers)
          : await this.request(call.url, {
              method: 'POST',
              body: call.body,
              headers: { 'content-type': 'application/json', origin: this.site.origin, ...headers },
            });
      islands.push({ url: call.url, name: /_server-islands\/([^?/]+)/.exec(call.url)![1]!, res, html: await res.text() });
    }
    return islands;
  }
}

/**
 * A client signed in as a new account (see createUser for the account's options), sending
 * `headers` with every request. By default with a session made straight in the site's
 * database, as the sign-in form would make it (no form, so no sign-in rate limit); with
 * `form`, through the sign-in form.
 */
export async function signedInClient(
  site: RunningSite,
  options: UserOptions & { headers?: Record<string, string>; form?: boolean } = {},
): Promise<{ client: Client } & NewUser> {
  const user = await createUser(site, options);
  const client = new Client(site, options.headers);
  if (options.form) await client.signIn(user.email);
  else client.cookies.set('session', await startSession(site, user.id));
  return { client, ...user };
}

export interface Island {
  url: string;
  name: string;
  res: Response;
  html: string;
}

/** The requests a page's server-island scripts make. */
export function islandCalls(html: string): { method: 'GET' | 'POST'; url: string; body?: string }[] {
  const calls: { method: 'GET' | 'POST'; url: string; body?: string }[] = [];
  for (const [, script] of html.matchAll(/<script type="module" data-astro-rerun[^>]*>([\s\S]*?)<\/script>/g)) {
    const url = JSON.parse(/fetch\(("(?:[^"\\]|\\.)*")/.exec(script!)![1]!) as string;
    if (script!.includes("method: 'POST'")) {
      const field = (name: string) => JSON.parse(new RegExp(`${name}: ("(?:[^"\\\\]|\\\\.)*")`).exec(script!)![1]!) as string;
      const body = JSON.stringify({
        encryptedComponentExport: field('encryptedComponentExport'),
        encryptedProps: field('encryptedProps'),
        encryptedSlots: field('encryptedSlots'),
      });
      calls.push({ method: 'POST', url, body });
    } else {
      calls.push({ method: 'GET', url });
    }
  }
  return calls;
}

export function island(islands: Island[], name: string): Island {
  const found = islands.find((i) => i.name === name);
  if (!found) throw new Error(`no island ${name} among ${islands.map((i) => i.name).join(', ')}`);
  return found;
}

export async function mailsTo(site: RunningSite, address: string, subject?: RegExp): Promise<Mail[]> {
  await waitForMailDelivered(site);
  return mailsIn(site.outboxDir, address, subject);
}

export type { Mail };
export { linkPath as linkIn };

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/**
 * Decodes the character references of HTML text in one pass (so `&amp;lt;` is `&lt;`, not
 * `<`): decimal and hexadecimal ones, and the named ones the site's pages use. An unknown
 * name is left as written, so a test sees it rather than a guess.
 */
export function decodeEntities(text: string): string {
  return text.replace(/&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|([a-zA-Z][a-zA-Z0-9]*));/g, (whole, dec?: string, hex?: string, name?: string) => {
    if (dec !== undefined || hex !== undefined) {
      const code = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
      return code > 0x10ffff ? whole : String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[name!] ?? whole;
  });
}

/** The visible text of some HTML: no tags, scripts or styles; entities decoded; whitespace collapsed. */
export function textOf(html: string): string {
  return decodeEntities(html.replace(/<(script|style)\b[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

/** Submits the registration form for `email` (agreeing to the policy the form names); the response is the test's to check. */
export async function registerThroughForm(client: Client, email: string, password = PASSWORD): Promise<Response> {
  const form = await (await client.get('/register')).text();
  const policy = /name="policy" value="(\d{4}-\d{2}-\d{2})"/.exec(form)?.[1];
  if (!policy) throw new Error('the registration form names no policy version');
  return client.post('/register?_action=auth.register', { email, password, agree: 'yes', policy });
}

/**
 * The error message tied to a form control named `name` (an input, textarea or select): the
 * element its aria-describedby names that holds the error, as text without the "Error:" that
 * screen readers hear first. Undefined when the control is not marked invalid.
 */
export function fieldError(html: string, name: string): string | undefined {
  const control = new RegExp(`<(?:input|textarea|select)[^>]*\\bname="${name}"[^>]*>`).exec(html)?.[0];
  if (!control || !/aria-invalid="true"/.test(control)) return undefined;
  const ids = /aria-describedby="([^"]+)"/.exec(control)?.[1]?.split(' ') ?? [];
  for (const id of ids) {
    const match = new RegExp(`<p class="field-error" id="${id}">([\\s\\S]*?)</p>`).exec(html);
    if (match) return textOf(match[1]!).replace(/^Error: /, '');
  }
  return undefined;
}

/** The links of the error summary at the top of a page: where each goes, and what it says. */
export function errorSummary(html: string): { href: string; text: string }[] {
  const list = /<ul class="error-summary-list"[^>]*>([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
  return [...list.matchAll(/<a href="([^"]+)"[^>]*>([\s\S]*?)<\/a>/g)].map(([, href, text]) => ({ href: href!, text: textOf(text!) }));
}
