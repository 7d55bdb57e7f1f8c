// Through nginx, every prerendered page and one asset of each type is answered with the status
// and the security and cache headers the Node server sends alone; the styled 404 too; islands,
// actions and APIs work through nginx.
import { extname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStaticFiles } from '../../src/server/static-files.ts';
import { POLICY_CONTENT_TYPES } from '../../src/lib/policy/index.ts';
import { Client, islandCalls } from '../support/account-profile.ts';
import { startCluster, type Cluster } from '../support/cluster.ts';
import { root } from '../support/site.ts';
import { createUser, PASSWORD } from '../support/users.ts';

/** The headers compared: what the response is, how it may be cached, and every security header. */
const COMPARED = [
  'content-type',
  'content-encoding',
  'cache-control',
  'vary',
  'content-security-policy',
  'x-content-type-options',
  'referrer-policy',
  'permissions-policy',
  'cross-origin-opener-policy',
  'strict-transport-security',
];

// fetch() asks for gzip and deflate unless told otherwise: `identity` is asked for explicitly.
const ENCODINGS = ['identity', 'gzip', 'gzip, deflate, br'];

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

async function answer(base: string, path: string, init: RequestInit = {}) {
  const res = await fetch(base + path, { redirect: 'manual', ...init });
  await res.arrayBuffer();
  return { status: res.status, headers: Object.fromEntries(COMPARED.map((name) => [name, res.headers.get(name)])) };
}

/** Every path the Node server answers from a file: the prerendered pages (by each of their paths), and one asset per extension. */
function pathsToCompare(): string[] {
  const files = loadStaticFiles(join(root, 'dist/client'), POLICY_CONTENT_TYPES);
  const pages = [...files].filter(([, file]) => file.isHtml).map(([path]) => path);
  const assetByType = new Map<string, string>();
  for (const [path, file] of files) {
    const ext = extname(file.path);
    if (!file.isHtml && !assetByType.has(ext)) assetByType.set(ext, path);
  }
  const hashed = [...files.keys()].find((path) => path.startsWith('/_astro/'));
  return [...pages, ...assetByType.values(), ...(hashed ? [hashed] : [])];
}

describe('nginx answers like the Node server', () => {
  it('for every prerendered page and one asset of each type: the same status and headers, in each encoding', async () => {
    const paths = pathsToCompare();
    expect(paths.length).toBeGreaterThan(20);
    expect(paths).toContain('/privacy');
    expect(paths.some((p) => p.endsWith('.css'))).toBe(true);
    expect(paths.some((p) => p.endsWith('.js'))).toBe(true);
    const differences: string[] = [];
    for (const path of paths) {
      for (const encoding of ENCODINGS) {
        for (const method of ['GET', 'HEAD']) {
          const init = { method, headers: { 'accept-encoding': encoding } };
          const [node, nginx] = await Promise.all([answer(cluster.a.url, path, init), answer(cluster.url, path, init)]);
          if (JSON.stringify(node) !== JSON.stringify(nginx))
            differences.push(`${method} ${path} (${encoding}):\n  node  ${JSON.stringify(node)}\n  nginx ${JSON.stringify(nginx)}`);
        }
      }
    }
    expect(differences).toEqual([]);
  });

  it('the pages are served by nginx itself, except /privacy while a version is still to take effect', async () => {
    const files = loadStaticFiles(join(root, 'dist/client'));
    const manifest = JSON.parse(files.get('/privacy/as-of/manifest.json')!.body.toString('utf8')) as { variants: unknown[] };
    const before = cluster.accessLog().length;
    await answer(cluster.url, '/features');
    await answer(
      cluster.url,
      [...files.keys()].find((p) => p.startsWith('/_astro/'))!,
    );
    await answer(cluster.url, '/privacy');
    const entries = await cluster.accessLogSince(before, 3);
    expect(entries.map((e) => [e.uri, e.status, e.upstreams.length])).toEqual([
      ['/features', 200, 0],
      [expect.stringMatching(/^\/_astro\//), 200, 0],
      ['/privacy', 200, manifest.variants.length > 0 ? 1 : 0],
    ]);
  });

  it('a conditional GET gets 304 with the same headers', async () => {
    for (const path of ['/', '/pricing', '/favicon.svg']) {
      const etagOf = async (base: string) => (await fetch(base + path, { headers: { 'accept-encoding': 'br' } })).headers.get('etag')!;
      const [nodeTag, nginxTag] = await Promise.all([etagOf(cluster.a.url), etagOf(cluster.url)]);
      const headers = (tag: string) => ({ 'accept-encoding': 'br', 'if-none-match': tag });
      const node = await answer(cluster.a.url, path, { headers: headers(nodeTag) });
      const nginx = await answer(cluster.url, path, { headers: headers(nginxTag) });
      expect(node.status, path).toBe(304);
      // A 304 says nothing of the body's type: compare the rest.
      expect({ ...nginx, headers: { ...nginx.headers, 'content-type': null, 'content-encoding': null } }, path).toEqual({
        ...node,
        headers: { ...node.headers, 'content-type': null, 'content-encoding': null },
      });
    }
  });

  it('the styled 404 page: for an unknown path and the internal policy pages', async () => {
    const notFound = await (await fetch(`${cluster.url}/no-such-page`)).text();
    expect(notFound).toContain('<h1');
    for (const [path, method] of [
      ['/no-such-page', 'GET'],
      ['/privacy/as-of/manifest.json', 'GET'],
      ['/privacy/as-of/2027-01-01/', 'HEAD'],
      ['/PRICING', 'GET'],
    ] as const) {
      for (const encoding of ENCODINGS) {
        const init = { method, headers: { origin: cluster.origin, 'accept-encoding': encoding } };
        const [node, nginx] = await Promise.all([answer(cluster.a.url, path, init), answer(cluster.url, path, init)]);
        expect(nginx, `${method} ${path} ${encoding}`).toEqual(node);
        expect(nginx.status).toBe(404);
      }
    }
    const body = await (await fetch(`${cluster.url}/privacy/as-of/manifest.json`)).text();
    expect(body).toBe(notFound);
  });

  it('a POST or OPTIONS to a page: the methods a published file takes (nginx passes them to the app)', async () => {
    for (const [method, status] of [
      ['POST', 405],
      ['OPTIONS', 204],
    ] as const) {
      const init = { method, headers: { origin: cluster.origin } };
      const [node, nginx] = await Promise.all([answer(cluster.a.url, '/pricing', init), answer(cluster.url, '/pricing', init)]);
      expect(nginx, method).toEqual(node);
      expect(nginx.status, method).toBe(status);
      const allow = (await fetch(`${cluster.url}/pricing`, init)).headers.get('allow');
      expect(allow, method).toBe('GET, HEAD, OPTIONS');
    }
  });
});

describe('through nginx, the app servers answer', () => {
  it('every server island of every page that has them', async () => {
    const client = new Client(cluster.site('nginx'));
    const pages = ['/', '/features', '/pricing', '/about', '/privacy', '/login', '/register'];
    let count = 0;
    for (const page of pages) {
      const html = await (await client.get(page)).text();
      const calls = islandCalls(html);
      for (const call of calls) {
        const res =
          call.method === 'GET'
            ? await client.get(call.url)
            : await client.request(call.url, {
                method: 'POST',
                body: call.body,
                headers: { 'content-type': 'application/json', origin: cluster.origin },
              });
        expect(res.status, `${page} ${call.url}`).toBe(200);
        count++;
      }
    }
    expect(count).toBeGreaterThan(pages.length);
  });

  it('actions (a form and /_actions/), pages rendered on demand, the view API and /healthz', async () => {
    const user = await createUser(cluster.database.databasePath);
    const client = new Client(cluster.site('nginx'));
    const signedIn = await client.submitSignIn(user.email, PASSWORD);
    expect(signedIn.status).toBe(303);
    expect(client.cookies.has('session')).toBe(true);
    const account = await client.pageWithIslands('/account');
    expect(account.page.status).toBe(200);
    expect(account.islands.map((i) => i.res.status)).not.toContain(500);
    // The account page is rendered on demand for its user (decision 0020).
    expect(account.html).toContain(user.email);

    const form = new FormData();
    form.set('email', user.email);
    form.set('password', 'not the password at all');
    const action = await fetch(`${cluster.url}/_actions/auth.signIn`, { method: 'POST', headers: { origin: cluster.origin }, body: form });
    expect(action.status).toBe(401);

    const event = await fetch(`${cluster.url}/api/views/event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: cluster.origin, 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0' },
      body: JSON.stringify({ path: '/pricing', key: `cluster-${Date.now().toString(36)}-headers0001` }),
    });
    expect(event.status).toBe(200);
    expect(await event.json()).toMatchObject({ counted: true, path: '/pricing' });
    const views = await fetch(`${cluster.url}/api/views?path=/pricing`);
    expect(views.status).toBe(200);
    expect(((await views.json()) as { views: number }).views).toBeGreaterThanOrEqual(1);
    const badge = await fetch(`${cluster.url}/api/views/badge.svg?path=/pricing`);
    expect(badge.status).toBe(200);
    expect(badge.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const health = await fetch(`${cluster.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'reachable' });
  });

  it('with X-Forwarded-For, -Host and -Proto set by nginx, whatever the client sent', () => {
    expect(cluster.config).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
    expect(cluster.config).not.toContain('$proxy_add_x_forwarded_for');
    expect(cluster.config).toMatch(/proxy_set_header X-Forwarded-Host \$http_host;/);
    expect(cluster.config).toMatch(/proxy_set_header X-Forwarded-Proto \$scheme;/);
    // What the app servers do with them is proven by the shared sign-in limit (sessions.test.ts).
  });
});
