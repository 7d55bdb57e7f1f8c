// Helpers for the profile and data-rights HTTP tests (tests/http/account-profile*.test.ts):
// a cookie-keeping client, accounts created straight in the site's database, the islands of
// a page, and the site's outbox.
import { createAccount, hashPassword, normalizeEmail } from '../../src/lib/auth/index.ts';
import { openDatabase } from '../../src/lib/db/index.ts';
import { linkPath, mailsIn, type Mail } from './outbox.ts';
import { siteFetch, type RunningSite } from './site.ts';

export const PASSWORD = 'correct horse battery staple';

let counter = 0;
/** A new address for each use, so tests never depend on each other's accounts. */
export function uniqueEmail(label: string): string {
  return `${label}-${process.pid}-${++counter}@example.com`;
}

/**
 * Creates a verified account in the running site's database (shared in WAL mode) that agreed
 * to the first policy version at registration, as a registered user would have.
 */
export async function createUser(site: RunningSite, email: string, password = PASSWORD): Promise<number> {
  const { db, close } = openDatabase(site.databasePath);
  try {
    const id = await createAccount(db, normalizeEmail(email)!, [], await hashPassword(password));
    await db
      .insertInto('policy_agreement')
      .values({ user_id: id, policy_effective_date: '2009-01-01', agreed_at: new Date().toISOString(), context: 'registration', wording: 'I agree.' })
      .execute();
    return id;
  } finally {
    await close();
  }
}

/** Runs `fn` with the site's database (read or write), then closes it. */
export async function withDatabase<T>(site: RunningSite, fn: (db: ReturnType<typeof openDatabase>['db']) => Promise<T>): Promise<T> {
  const { db, close } = openDatabase(site.databasePath);
  try {
    return await fn(db);
  } finally {
    await close();
  }
}

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

  async signIn(email: string, password = PASSWORD): Promise<void> {
    const res = await this.post('/login?_action=auth.signIn', { email, password });
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
          : await this.request(call.url, { method: 'POST', body: call.body, headers: { 'content-type': 'application/json', origin: this.site.origin, ...headers } });
      islands.push({ url: call.url, name: /_server-islands\/([^?/]+)/.exec(call.url)![1]!, res, html: await res.text() });
    }
    return islands;
  }
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
      const body = JSON.stringify({ encryptedComponentExport: field('encryptedComponentExport'), encryptedProps: field('encryptedProps'), encryptedSlots: field('encryptedSlots') });
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

export function mailsTo(site: RunningSite, address: string, subject?: RegExp): Mail[] {
  return mailsIn(site.outboxDir, address, subject);
}

export type { Mail };
export { linkPath as linkIn };

/** The visible text of some HTML: no tags, scripts or styles; whitespace collapsed. */
export function textOf(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
