import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect } from '../support/postgres.ts';
import { islandPathIn, root, runServerUntilExit, startSite, type RunningSite } from '../support/site.ts';

const PAGES = ['/', '/features', '/pricing', '/about', '/terms', '/privacy'];

let site: RunningSite;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.stop();
});

function count(haystack: string, pattern: RegExp): number {
  return haystack.match(pattern)?.length ?? 0;
}

describe('pages', () => {
  it.each(PAGES)('%s is a complete page', async (path) => {
    const res = await fetch(site.url + path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toMatch(/<html[^>]* lang="en"/);
    expect(html).toMatch(/<title>[^<]+ · CustomerTrackr<\/title>/);
    expect(html).toMatch(/<meta name="description" content="[^"]{20,}"/);
    expect(count(html, /<h1[\s>]/g)).toBe(1);
    // Every page links the policy and the terms from its footer.
    expect(html).toMatch(/<footer[\s\S]*href="\/privacy"[\s\S]*<\/footer>/);
    expect(html).toMatch(/<footer[\s\S]*href="\/terms"[\s\S]*<\/footer>/);
  });

  it('answers unknown paths with the styled 404 page and status 404', async () => {
    for (const path of ['/no-such-page', '/features/extra', '/%E0%A4%A']) {
      const res = await fetch(site.url + path);
      expect(res.status, path).toBe(404);
      const html = await res.text();
      expect(html).toMatch(/<h1[\s>]/);
      expect(html).toContain('href="/"');
    }
  });

  it('sets the security headers on every response', async () => {
    const island = islandPathIn(await (await fetch(site.url + '/features')).text(), 'ViewCountIsland');
    expect(island).toBeDefined();
    // Prerendered, the server's own, not found, rendered on demand (a form, a redirect), an island.
    for (const path of ['/', '/healthz', '/no-such-page', '/login', '/account', island!]) {
      const res = await fetch(site.url + path, { redirect: 'manual' });
      expect(res.status, path).toBeLessThan(500);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('referrer-policy'), path).toBe('strict-origin-when-cross-origin');
      expect(res.headers.get('permissions-policy'), path).toContain('camera=()');
      // Plain-http SITE_URL: no HSTS (it would be ignored, and misleading).
      expect(res.headers.get('strict-transport-security'), path).toBeNull();
    }
  });

  it("keeps Astro's policy on a page rendered on demand beside the site's, and gives an island a policy of its own", async () => {
    // Two policies in one header: browsers enforce each, so the page's scripts need their hash
    // and it cannot be framed.
    const page = (await fetch(site.url + '/login')).headers.get('content-security-policy')!;
    const policies = page.split(',').map((policy) => policy.trim());
    expect(policies).toHaveLength(2);
    expect(policies[0]).toMatch(/^script-src 'self' 'sha256-[\w+/=]+'/);
    expect(policies[0]).toMatch(/style-src 'self' 'sha256-/);
    expect(policies[1]).toBe("frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'");

    const island = islandPathIn(await (await fetch(site.url + '/features')).text(), 'AnnouncementBanner')!;
    const res = await fetch(site.url + island);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it("answers an island's refusals under the site's policy, so the 404 page keeps its styles", async () => {
    const siteOnly = "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";
    // No such island: Astro answers with the site's 404 page, whose stylesheet, fonts and
    // first-paint script the fragment policy would block.
    const real = islandPathIn(await (await fetch(site.url + '/features')).text(), 'AnnouncementBanner')!;
    const missing = await fetch(site.url + real.replace('/AnnouncementBanner?', '/Nope?'));
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('We couldn’t find that page');
    const policies = missing.headers
      .get('content-security-policy')!
      .split(',')
      .map((policy) => policy.trim());
    expect(policies).not.toContain("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    expect(policies).toContain(siteOnly);
    // A forged request is refused without a page, under the site's own policy.
    const forged = await fetch(site.url + '/_server-islands/ViewCountIsland?e=x&p=y&s=');
    expect(forged.status).toBe(400);
    expect(forged.headers.get('content-security-policy')).toBe(siteOnly);
  });
});

describe('caching', () => {
  it('revalidates HTML with an ETag and answers 304 when it matches', async () => {
    const first = await fetch(site.url + '/features');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toBe('public, max-age=0, must-revalidate');
    const again = await fetch(site.url + '/features', { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const other = await fetch(site.url + '/features', { headers: { 'if-none-match': '"something-else"' } });
    expect(other.status).toBe(200);
  });

  it('caches hashed assets for a year, immutably', async () => {
    const html = await (await fetch(site.url + '/')).text();
    const asset = /(?:href|src)="(\/_astro\/[^"]+)"/.exec(html)?.[1];
    expect(asset, 'the home page references a hashed asset').toBeDefined();
    const res = await fetch(site.url + asset);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const get = await fetch(site.url + '/pricing');
    const head = await fetch(site.url + '/pricing', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
    expect(head.headers.get('etag')).toBe(get.headers.get('etag'));
    expect(await head.text()).toBe('');
  });
});

/** `headers` as an object, or as a flat list of names and values (to repeat a header). */
function rawGet(
  path: string,
  headers: Record<string, string> | string[],
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(site.url + path, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('compression', () => {
  it('serves the best precompressed variant with its own ETag and length', async () => {
    const plain = await rawGet('/features', {});
    const br = await rawGet('/features', { 'accept-encoding': 'gzip, deflate, br' });
    const gz = await rawGet('/features', { 'accept-encoding': 'gzip' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(plain.headers['content-encoding']).toBeUndefined();
    for (const res of [plain, br, gz]) {
      expect(res.headers.vary).toBe('Accept-Encoding');
      expect(Number(res.headers['content-length'])).toBe(res.body.length);
    }
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(new Set([plain.headers.etag, br.headers.etag, gz.headers.etag]).size).toBe(3);
    const revalidated = await rawGet('/features', { 'accept-encoding': 'br', 'if-none-match': br.headers.etag as string });
    expect(revalidated.status).toBe(304);
    // A gzip client's cached copy does not match the Brotli variant.
    const other = await rawGet('/features', { 'accept-encoding': 'br', 'if-none-match': gz.headers.etag as string });
    expect(other.status).toBe(200);
    // A header sent on several lines counts as one list (RFC 9110 §5.3).
    const repeated = await rawGet('/features', [
      'Host',
      new URL(site.url).host,
      'Accept-Encoding',
      'identity',
      'accept-encoding',
      'br',
      'If-None-Match',
      '"other"',
      'if-none-match',
      br.headers.etag as string,
    ]);
    expect(repeated.status).toBe(304);
    expect(repeated.headers.etag).toBe(br.headers.etag);
  });

  it('compresses pages rendered on demand on the fly', async () => {
    const plain = await rawGet('/login', {});
    const br = await rawGet('/login', { 'accept-encoding': 'br' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/Accept-Encoding/i);
    expect(brotliDecompressSync(br.body).toString()).toContain('<h1');
  });
});

describe('/healthz', () => {
  it('is 200 with the database reachable, and never cached', async () => {
    const res = await fetch(site.url + '/healthz');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ status: 'ok', database: 'reachable' });
  });
});

// The SQLite file itself (PostgreSQL's schema and backups: tests/unit/db.test.ts, db-backup.test.ts).
describe.runIf(dialect === 'sqlite')('the database', () => {
  it('is created at DATABASE_PATH, in WAL mode, with every table STRICT', () => {
    const sqlite = new SQLite(site.databasePath, { readonly: true });
    expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = sqlite
      .prepare(
        "select name, strict from pragma_table_list where schema = 'main' and type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'",
      )
      .all() as { name: string; strict: number }[];
    expect(tables.length).toBeGreaterThan(0);
    for (const table of tables) expect(table, table.name).toEqual({ name: table.name, strict: 1 });
    sqlite.close();
  });

  it('can be backed up while the server runs', async () => {
    const backup = join(site.dir, 'backup.db');
    // Asynchronously, so that the tests' keep-alive connections notice the server closing them meanwhile.
    const { stdout: out } = await promisify(execFile)(process.execPath, [join(root, 'src/cli/db-backup.ts'), backup], {
      cwd: root,
      env: { ...process.env, DATABASE_PATH: site.databasePath },
      encoding: 'utf8',
    });
    expect(out).toContain('backed up');
    const copy = new SQLite(backup, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(copy.prepare('select count(*) as n from kysely_migration').get()).toEqual(
      new SQLite(site.databasePath, { readonly: true }).prepare('select count(*) as n from kysely_migration').get(),
    );
    copy.close();
  });
});

describe('start-up problems stop the server with one clear line', () => {
  it.each([
    [{ PORT: 'eighty' }, /PORT="eighty" is invalid/],
    [{ PORT: '70000' }, /PORT="70000" is invalid/],
    [{ SITE_URL: 'localhost:4321' }, /SITE_URL="localhost:4321" is invalid/],
    [{ SITE_URL: 'https://example.com/app' }, /SITE_URL=.* is invalid: must be an origin only/],
    [{ DATABASE_PATH: '/proc/customertrackr/site.db' }, /DATABASE_PATH: cannot open the database/],
    [{ DATABASE_PATH: '/etc/hostname/site.db' }, /DATABASE_PATH: cannot open the database/],
  ])('%o', async (env, message) => {
    const { code, stderr } = await runServerUntilExit({ DATABASE_PATH: join(site.dir, 'other.db'), ...env });
    expect(code).not.toBe(0);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a port already in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const { code, stderr } = await runServerUntilExit({ PORT: String(port), DATABASE_PATH: join(site.dir, 'other.db') });
      expect(code).not.toBe(0);
      expect(stderr.trim()).toBe(`customertrackr: PORT: 127.0.0.1:${port} is already in use`);
    } finally {
      blocker.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes a request in flight on SIGTERM, refuses new connections, and exits 0', async () => {
    const own = await startSite();
    const { hostname, port } = new URL(own.url);
    // A request whose body has not fully arrived is in flight: the server must wait for it.
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString()));
    const closed = new Promise<void>((resolve) => socket.once('close', resolve));
    // Expect: 100-continue makes the server say when it has the request (node:http answers
    // "100 Continue" as it hands the request over), so the test waits on that, not a clock.
    const accepted = new Promise<void>((resolve) => socket.on('data', () => response.includes('100 Continue') && resolve()));
    socket.write(
      `POST /nothing-here HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: text/plain\r\nContent-Length: 10\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nhello`,
    );
    await accepted;
    const exit = own.stop();
    // The server has stopped listening once it says it is finishing the requests in flight.
    await expect.poll(() => own.output()).toMatch(/SIGTERM: finishing in-flight requests/);
    await expect(fetch(own.url + '/')).rejects.toThrow();
    socket.write('world');
    await closed;
    expect(response).toMatch(/HTTP\/1\.1 [2-5]\d\d /);
    expect(await exit).toBe(0);
  });
});
