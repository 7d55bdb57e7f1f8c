// Nothing a client sends gives a 5xx; the Host header cannot choose the page; only the
// site's methods are served; status lines carry the right reason phrase; redirect targets are
// percent-encoded; a response shared caches may store never sets a cookie; a trusted proxy's
// X-Forwarded-For counts only when it is an IP address.
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, islandCalls } from '../support/account-profile.ts';
import { withDatabase } from '../support/site-db.ts';
import { createUser, PASSWORD, uniqueEmail } from '../support/users.ts';
import { publishedVersions, versionInEffect } from '../support/policy-versions.ts';
import { siteFetch, startSite, type RunningSite } from '../support/site.ts';

interface RawResponse {
  statusLine: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `request` (bytes as given; "Connection: close" is the caller's to include) on a new
 * connection and reads until the server closes it. A server that never closes fails the test
 * at the test's timeout. (The client does not half-close first: Node's server aborts a
 * request whose client has ended its side.)
 */
function raw(site: RunningSite, request: string | Buffer): Promise<RawResponse> {
  const { port } = new URL(site.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = (split < 0 ? text : text.slice(0, split)).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({
        statusLine,
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0),
        headers,
        body: split < 0 ? '' : text.slice(split + 4),
      });
    });
    socket.write(request);
  });
}

const get = (path: string, host: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`;

describe('with the default SITE_URL (a loopback origin)', () => {
  let site: RunningSite;
  let host: string;
  beforeAll(async () => {
    site = await startSite();
    host = new URL(site.url).host;
  });
  afterAll(async () => {
    await site?.stop();
  });

  it('answers at every loopback name and port, and refuses other hosts before routing', async () => {
    const { port } = new URL(site.url);
    for (const name of [host, `localhost:${port}`, 'localhost', '127.0.0.2:1', `[::1]:${port}`]) {
      const res = await raw(site, get('/login', name));
      expect(res.status, name).toBe(200);
      expect(res.body, name).toContain('Sign in');
    }
    // The report: this rendered an admin page, as Astro built its URL from Host and the path.
    for (const name of [
      `127.0.0.1:${port}/admin/users/5?`,
      'a@b',
      'evil.example',
      `evil.example:${port}`,
      '127.0.0.1:4400/admin',
      'localhost.evil.example',
    ]) {
      const res = await raw(site, get('/login', name));
      expect(res.status, name).toBe(421);
      expect(res.body, name).toContain('This server answers for localhost:4321 only.');
      expect(res.body, name).not.toContain('Sign in');
      expect(res.headers.connection, name).toBe('close');
    }
    expect((await raw(site, 'GET /login HTTP/1.0\r\n\r\n')).status).toBe(400);
    // Static files too.
    expect((await raw(site, get('/pricing', 'evil.example'))).status).toBe(421);
  });

  it('answers health checks from this machine whatever Host they name', async () => {
    for (const name of ['evil.example', 'a@b', 'localhost']) {
      const res = await raw(site, get('/healthz', name));
      expect(res.status, name).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ status: 'ok', database: 'reachable' });
    }
    expect((await raw(site, 'GET /healthz HTTP/1.0\r\n\r\n')).status).toBe(200);
  });

  it('answers 405 (with Allow) to methods it does not serve, before Astro', async () => {
    for (const method of ['TRACE', 'PUT', 'DELETE', 'PATCH', 'PROPFIND', 'MKCOL', 'PURGE', 'M-SEARCH']) {
      const res = await raw(site, `${method} /login HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      expect(res.statusLine, method).toBe('HTTP/1.1 405 Method Not Allowed');
      expect(res.headers.allow, method).toBe('GET, HEAD, POST, OPTIONS');
      expect(res.body, method).toContain(`does not accept ${method} requests`);
    }
    // A method Node does not know at all is refused by its parser.
    expect((await raw(site, `BREW /login HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).status).toBe(400);
  });

  it('answers OPTIONS, and a method an address does not take, with the methods it does take', async () => {
    const send = (method: string, path: string, extra = '') =>
      raw(
        site,
        `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${site.origin}\r\n${extra}Content-Length: 0\r\nConnection: close\r\n\r\n`,
      );
    // Built files (pages, feeds, assets) only read; Astro answered 404, as if they did not exist.
    for (const path of ['/', '/privacy', '/privacy/versions.json']) {
      const options = await send('OPTIONS', path);
      expect([options.status, options.headers.allow, options.body], path).toEqual([204, 'GET, HEAD, OPTIONS', '']);
      const post = await send('POST', path);
      expect([post.status, post.headers.allow], path).toEqual([405, 'GET, HEAD, OPTIONS']);
      expect(post.body, path).toContain('can only be read');
      expect(post.headers['x-content-type-options'], path).toBe('nosniff');
    }
    const server = await send('OPTIONS', '*');
    expect([server.status, server.headers.allow]).toEqual([204, 'GET, HEAD, POST, OPTIONS']);
    // On-demand endpoints: a reader and a POST-only form target.
    for (const path of ['/privacy/recipients.xml', '/admin/audit.csv']) {
      expect((await send('OPTIONS', path)).headers.allow, path).toBe('GET, HEAD, OPTIONS');
      const post = await send('POST', path);
      expect([post.status, post.headers.allow], path).toEqual([405, 'GET, HEAD, OPTIONS']);
      expect(post.body, path).toContain('This address takes GET or HEAD requests, not POST.');
    }
    expect((await send('HEAD', '/privacy/recipients.xml')).status).toBe(200);
    const dismiss = await send('GET', '/announcements/dismiss');
    expect([dismiss.status, dismiss.headers.allow]).toEqual([405, 'POST']);
    expect(dismiss.body).toContain('This address takes POST requests, not GET.');
    const dismissOptions = await send('OPTIONS', '/announcements/dismiss');
    expect([dismissOptions.status, dismissOptions.headers.allow]).toEqual([204, 'POST, OPTIONS']);
    // A server island takes GET and POST; Astro's 405 did not say so.
    const island = await send('OPTIONS', '/_server-islands/SignInStatus');
    expect([island.status, island.headers.allow]).toEqual([405, 'GET, POST']);
    // An address that does not exist is still not found.
    expect((await send('OPTIONS', '/no-such-page')).status).toBe(404);
  });

  it('sends the standard reason phrase of each status', async () => {
    const form = 'email=nobody%40example.com&password=wrong-but-long-enough';
    const signIn = await raw(
      site,
      `POST /login?_action=auth.signIn HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${site.origin}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\nConnection: close\r\n\r\n${form}`,
    );
    expect(signIn.statusLine).toBe('HTTP/1.1 401 Unauthorized');
    const rpc = await raw(
      site,
      `POST /_actions/auth.signIn HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${site.origin}\r\nContent-Type: application/json\r\nContent-Length: 9\r\nConnection: close\r\n\r\n{"email":`,
    );
    expect(rpc.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect((await raw(site, get('/_server-islands/ViewCountIsland?e=x&p=y&s=', host))).statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect((await raw(site, get('/account', host))).statusLine).toBe('HTTP/1.1 303 See Other');
    expect((await raw(site, get('/no-such-page', host))).statusLine).toBe('HTTP/1.1 404 Not Found');
    expect((await raw(site, get('/login', 'evil.example'))).statusLine).toBe('HTTP/1.1 421 Misdirected Request');
    const cross = await raw(
      site,
      `POST /logout HTTP/1.1\r\nHost: ${host}\r\nOrigin: https://evil.example\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
    expect(cross.statusLine).toBe('HTTP/1.1 403 Forbidden');
    for (const res of [signIn, rpc, cross]) {
      for (const phrase of [' OK', 'Astro', 'Error:']) expect(res.statusLine).not.toContain(phrase);
    }
  });

  it('percent-encodes a next path with characters above U+00FF after signing in (and sets the cookie)', async () => {
    const email = uniqueEmail('next-unicode');
    await createUser(site, { email: email });
    const client = new Client(site);
    const next = '/account?tab=ā€中😀&x=a b';
    const res = await client.post(`/login?_action=auth.signIn&next=${encodeURIComponent(next)}`, { email, password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account?tab=%C4%81%E2%82%AC%E4%B8%AD%F0%9F%98%80&x=a%20b');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('session='))).toBe(true);
    // The page links to the same place.
    const page = await (await client.get(`/login?next=${encodeURIComponent(next)}`)).text();
    expect(page).toContain('href="/account?tab=%C4%81%E2%82%AC%E4%B8%AD%F0%9F%98%80&amp;x=a%20b"');
  });

  it('percent-encodes a next path after acknowledging a policy version', async () => {
    const email = uniqueEmail('ack-unicode');
    await createUser(site, { email: email });
    const client = new Client(site);
    await client.signIn(email);
    const [, ...later] = publishedVersions();
    const target = later.filter((v) => v.material || v.effective <= versionInEffect().effective).at(-1)!;
    const res = await client.post('/account/policy-update?_action=account.acknowledgePolicy', {
      version: target.effective,
      next: '/pricing?ā=Ā',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/pricing?%C4%81=%C4%80');
  });

  it('never sets a cookie on a response shared caches may store, even for a stale session cookie', async () => {
    const stale = 'session=aaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
    const client = new Client(site, { cookie: stale });
    const pages = [
      '/',
      '/features',
      '/pricing',
      '/about',
      '/terms',
      '/privacy',
      '/privacy/versions',
      '/login',
      '/register',
      '/account/deleted',
    ];
    const urls = new Set<string>([
      '/api/views?path=/features',
      '/api/views/badge.svg?path=/features',
      '/privacy/versions.json',
      '/privacy/feed.xml',
      '/privacy/as-of/manifest.json',
    ]);
    const islandPosts: { url: string; body: string }[] = [];
    for (const page of pages) {
      const html = await (await client.get(page)).text();
      for (const call of islandCalls(html)) {
        if (call.method === 'GET') urls.add(call.url);
        else islandPosts.push({ url: call.url, body: call.body! });
      }
    }
    const responses: [string, Response][] = [];
    for (const url of urls) responses.push([url, await client.get(url, { 'accept-language': 'de-DE' })]);
    for (const { url, body } of islandPosts) {
      responses.push([
        url,
        await client.request(url, { method: 'POST', body, headers: { 'content-type': 'application/json', origin: site.origin } }),
      ]);
    }
    const publicOnes = responses.filter(([, res]) => /\bpublic\b/.test(res.headers.get('cache-control') ?? ''));
    expect(publicOnes.map(([url]) => url).some((url) => url.includes('ViewCountIsland'))).toBe(true);
    for (const [url, res] of publicOnes) expect(res.headers.getSetCookie(), url).toEqual([]);
    // A private response still deletes the stale cookie.
    const account = await client.get('/account');
    expect(account.headers.get('cache-control')).toBe('private, no-store');
    expect(account.headers.getSetCookie().join('\n')).toMatch(/^session=;|Max-Age=0|Expires=Thu, 01 Jan 1970/im);
  });

  it('shows a signed-in reader nothing of their own in a response shared caches may store', async () => {
    const { email } = await createUser(site);
    const client = new Client(site);
    await client.signIn(email);
    const responses: [string, Response, string][] = [];
    for (const path of ['/privacy/recipients', '/privacy/recipients.xml', '/features', '/privacy', '/account']) {
      const res = await client.get(path);
      const body = await res.text();
      responses.push([path, res, body]);
      for (const call of islandCalls(body).filter((call) => call.method === 'GET')) {
        const island = await client.get(call.url);
        responses.push([call.url, island, await island.text()]);
      }
    }
    const publicOnes = responses.filter(([, res]) => /\bpublic\b/.test(res.headers.get('cache-control') ?? ''));
    expect(publicOnes.map(([path]) => path)).toContain('/privacy/recipients');
    for (const [path, , body] of publicOnes) {
      expect(body, path).not.toContain(email);
      expect(body, path).not.toContain('Signed in as');
    }
    // The register still shows who is signed in, through its island.
    const recipients = responses.find(([path]) => path === '/privacy/recipients')![2];
    const signInStatus = islandCalls(recipients).find((call) => call.url.includes('SignInStatus'));
    expect(signInStatus).toBeDefined();
    const status = await client.get(signInStatus!.url);
    expect(status.headers.get('cache-control')).toBe('private, no-store');
    expect(await status.text()).toContain(email);
  });

  it("answers Astro's image endpoint with 404: the site transforms no images", async () => {
    for (const query of ['', '?href=/robots.txt', '?href=/favicon.svg&f=svg', '?href=/favicon.svg&w=99999&h=99999&f=png']) {
      const res = await siteFetch(site, '/_image' + query);
      expect(res.status, query).toBe(404);
      expect(await res.text()).toBe('Not found\n');
    }
  });

  it("says what is wrong with a request Node's parser refuses, with the site's headers", async () => {
    const expectSiteHeaders = (res: RawResponse) => {
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.body));
    };
    // HTTP/1.1 without Host: the site's own answer, not Node's bare 400.
    const noHost = await raw(site, 'GET /privacy HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(noHost.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(noHost.body).toContain('Name the site in the Host header');
    expectSiteHeaders(noHost);
    const garbage = await raw(site, 'HELLO THERE\r\n\r\n');
    expect(garbage.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(garbage.body).toBe('The request is not valid HTTP.\n');
    expectSiteHeaders(garbage);
    const huge = await raw(site, get('/', `127.0.0.1:${new URL(site.url).port}`, `X-Padding: ${'a'.repeat(20_000)}\r\n`));
    expect(huge.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(huge.body).toBe('The request headers are larger than this server accepts.\n');
    expectSiteHeaders(huge);
  });

  it('answers 1,000 generated requests without a 5xx', { timeout: 120_000 }, async () => {
    // A small deterministic generator (mulberry32), so that a failure can be replayed.
    let seed = 0x5eed1234;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const text = (length: number, alphabet: string) => Array.from({ length }, () => pick([...alphabet])).join('');
    const { port } = new URL(site.url);
    const methods = [
      'GET',
      'GET',
      'HEAD',
      'POST',
      'POST',
      'POST',
      'OPTIONS',
      'PUT',
      'DELETE',
      'PATCH',
      'TRACE',
      'PROPFIND',
      'get',
      'M-SEARCH',
    ];
    const paths = [
      '/',
      '/login',
      '/register',
      '/account',
      '/account/export.json',
      '/account/policy-update',
      '/admin',
      '/admin/users/5',
      '/admin/audit.csv',
      '/logout',
      '/announcements/dismiss',
      '/api/views',
      '/api/views/event',
      '/api/views/badge.svg',
      '/privacy',
      '/privacy/2009-01-01',
      '/privacy/changes/x...y',
      '/_actions/auth.signIn',
      '/_actions/account.acknowledgePolicy',
      '/_actions/nope',
      '/_server-islands/ViewCountIsland',
      '/_server-islands/Nope',
      '/healthz',
      '/%FF%FE%',
      '/..%2f..%2fetc/passwd',
      '//evil.example',
      '*',
      'http://evil.example/login',
      '/forgot-password',
      '/reset-password',
      '/verify-email',
    ];
    const queries = [
      '',
      '?next=/ā€中',
      '?next=//evil',
      '?_action=auth.signIn',
      '?_action=account.acknowledgePolicy&next=/Ā',
      '?path=/features',
      '?e=x&p=y&s=',
      '?%%%=%',
      '?next=%F0%9F',
    ];
    const hosts = [
      `127.0.0.1:${port}`,
      `127.0.0.1:${port}`,
      'localhost',
      `[::1]:${port}`,
      'a@b',
      'evil.example',
      `127.0.0.1:${port}/admin/users/5?`,
      '',
      'ā.example',
      'x'.repeat(300),
      '[::1',
      'localhost:99999',
    ];
    const headerSets = [
      '',
      `Origin: ${site.origin}\r\n`,
      'Origin: null\r\n',
      'Cookie: session=%%%; session=a.b.c; visitor=../../x\r\n',
      'Accept-Language: zz-ZZ-x-abcdefgh, *;q=0.1\r\n',
      'X-Forwarded-For: <script>\r\nX-Forwarded-Host: evil.example\r\n',
      'Referer: http://localhost:4321/ā\r\n',
      'Sec-Fetch-Site: same-origin\r\nAccept: application/json\r\n',
      'Content-Type: multipart/form-data; boundary=x\r\n',
      'Content-Type: application/json\r\n',
      'Content-Type: application/x-www-form-urlencoded\r\n',
      'If-None-Match: *\r\nAccept-Encoding: br;q=0, gzip;q=0\r\n',
    ];
    const bodies = () =>
      pick([
        '',
        '{"email":',
        'email=a%40b.c&password=x&next=%2F%C4%81',
        JSON.stringify({ path: '/features', key: text(20, 'abc') }),
        '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n',
        text(Math.floor(random() * 3000), 'aā{}[]":,=&%\u0000'),
      ]);
    const requests = Array.from({ length: 1000 }, () => {
      const method = pick(methods);
      const body = Buffer.from(method === 'GET' || method === 'HEAD' ? (random() < 0.1 ? bodies() : '') : bodies());
      const chunked = body.length > 0 && random() < 0.3;
      const framing = body.length === 0 ? '' : chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${body.length}\r\n`;
      const payload = chunked ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]) : body;
      const hostLine = random() < 0.03 ? '' : `Host: ${pick(hosts)}\r\n`;
      const head = `${method} ${pick(paths)}${pick(queries)} HTTP/1.1\r\n${hostLine}${pick(headerSets)}${pick(headerSets)}${framing}Connection: close\r\n\r\n`;
      return Buffer.concat([Buffer.from(head, 'utf8'), payload]);
    });
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    for (let i = 0; i < requests.length; i += 10) {
      const batch = requests.slice(i, i + 10);
      const results = await Promise.all(batch.map((request) => raw(site, request)));
      results.forEach((res, j) => {
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 0 || res.status >= 500)
          failures.push(`${res.statusLine || '(no response)'} for ${JSON.stringify(batch[j]!.toString('utf8').slice(0, 200))}`);
      });
    }
    if (failures.length > 0) console.log(failures.slice(0, 12).join('\n'));
    expect(failures).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b)).toBe(1000);
    expect((await fetch(`${site.url}/healthz`)).status).toBe(200);
    expect(site.output()).not.toMatch(/error while answering|Could not render|Internal server error/i);
  });
});

describe('with an https SITE_URL behind a proxy (TRUST_PROXY=true)', () => {
  const ORIGIN = 'https://customertrackr.test';
  let site: RunningSite;
  beforeAll(async () => {
    site = await startSite({ SITE_URL: ORIGIN, TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    await site?.stop();
  });

  it('answers for the site host only, in Host or X-Forwarded-Host; loopback health checks always', async () => {
    expect((await raw(site, get('/login', 'customertrackr.test'))).status).toBe(200);
    expect((await raw(site, get('/login', 'customertrackr.test:443'))).status).toBe(200);
    expect((await raw(site, get('/login', 'evil.example', 'X-Forwarded-Host: customertrackr.test\r\n'))).status).toBe(200);
    for (const [name, forwarded] of [
      ['127.0.0.1', ''],
      ['localhost', ''],
      ['customertrackr.test:80', ''],
      ['customertrackr.test', 'X-Forwarded-Host: evil.example\r\n'],
      ['customertrackr.test', 'X-Forwarded-Host: customertrackr.test@evil.example\r\n'],
    ] as const) {
      expect((await raw(site, get('/login', name, forwarded))).status, `${name} ${forwarded}`).toBe(421);
    }
    expect((await raw(site, get('/healthz', '127.0.0.1'))).status).toBe(200);
  });

  it('gives Astro the site URL whatever the proxy passes as Host', async () => {
    const res = await siteFetch(site, '/login');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Sign in');
  });
});

describe('behind a proxy (TRUST_PROXY=true, SITE_URL as built)', () => {
  let site: RunningSite;
  beforeAll(async () => {
    site = await startSite({ TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    await site?.stop();
  });

  it('uses X-Forwarded-For as the client address only when it is an IP address', async () => {
    const attempt = (forwardedFor: string) =>
      new Client(site).post(
        '/login?_action=auth.signIn',
        { email: uniqueEmail('xff'), password: PASSWORD },
        { 'x-forwarded-for': forwardedFor },
      );
    const hash = (key: string) => createHash('sha256').update(key).digest('hex');
    const keys = async () =>
      new Set(
        await withDatabase(site, async (db) =>
          (await db.selectFrom('rate_limit').select('key_hash').where('bucket', '=', 'sign-in:ip').execute()).map((r) => r.key_hash),
        ),
      );

    expect((await attempt('203.0.113.9')).status).toBe(401);
    expect((await keys()).has(hash('203.0.113.9'))).toBe(true);
    for (const bogus of ['not-an-ip', 'unknown, 203.0.113.10', '203.0.113.11:5555', '<img src=x>']) {
      expect((await attempt(bogus)).status, bogus).toBe(401);
    }
    const after = await keys();
    for (const key of ['not-an-ip', 'unknown', '203.0.113.10', '203.0.113.11:5555', '203.0.113.11', '<img src=x>'])
      expect(after.has(hash(key)), key).toBe(false);
    // The bogus ones counted against the socket's address instead.
    expect(['127.0.0.1', '::ffff:127.0.0.1', '::1'].some((address) => after.has(hash(address)))).toBe(true);
  });
});
