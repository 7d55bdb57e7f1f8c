// View counters and visitor statistics over HTTP, against the real built server (issue 6):
// exact counting, idempotency, what is not counted, the visitor cookie, the public JSON and
// badge, bad input, the island, and /admin/stats with its CSV.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/lib/auth/index.ts';
import { describeSchema } from '../../src/lib/db/index.ts';
import { signedInClient, textOf } from '../support/account-profile.ts';
import { startSite, type RunningSite } from '../support/site.ts';
import { withDatabase } from '../support/site-db.ts';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';

/** Today in UTC, the day view statistics are kept by. */
const utcDay = () => new Date().toISOString().slice(0, 10);
/** The day the first events of this file are sent (a run may cross midnight UTC). */
const firstDay = utcDay();

let site: RunningSite;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.stop();
});

let n = 0;
const newKey = () => `${Date.now().toString(36)}-http-${String(++n).padStart(8, '0')}`;

/** A beacon request as public/js/view-count.js sends it from a page of the site. */
function sendEvent(body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${site.url}/api/views/event`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: site.origin, 'user-agent': CHROME, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function counts(path: string): Promise<{ path: string; views: number; visitors: number }> {
  const res = await fetch(`${site.url}/api/views?path=${encodeURIComponent(path)}`);
  expect(res.status).toBe(200);
  return res.json();
}

const rowCount = (table: string) =>
  withDatabase(site, async (db) => (await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]!.n);

describe('counting view events', () => {
  it('counts a page view once and answers the counts with it included', async () => {
    const before = await counts('/pricing');
    const res = await sendEvent({ path: '/pricing/', key: newKey() });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ counted: true, path: '/pricing', views: before.views + 1, visitors: before.visitors + 1 });
    expect((await counts('/pricing')).views).toBe(before.views + 1);
  });

  it('counts 2,000 concurrent view events as exactly +2,000', async () => {
    const before = await counts('/features');
    const responses = await Promise.all(Array.from({ length: 2000 }, () => sendEvent({ path: '/features', key: newKey() })));
    expect(responses.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { counted: boolean; views: number }[];
    expect(bodies.every((b) => b.counted)).toBe(true);
    expect((await counts('/features')).views).toBe(before.views + 2000);
  });

  it('counts the same idempotency key once', async () => {
    const before = await counts('/about');
    const key = newKey();
    const first = await (await sendEvent({ path: '/about', key })).json();
    const again = await Promise.all([sendEvent({ path: '/about', key }), sendEvent({ path: '/about', key })]);
    expect(first.counted).toBe(true);
    for (const res of again) expect((await res.json()).counted).toBe(false);
    expect((await counts('/about')).views).toBe(before.views + 1);
  });

  it('sets the visitor cookie: a random alphanumeric identifier, HttpOnly, SameSite=Lax, one year', async () => {
    const res = await sendEvent({ path: '/terms', key: newKey() });
    const cookie = res.headers.get('set-cookie');
    expect(cookie).toMatch(/^visitor=[A-Za-z0-9]{24}; Max-Age=31536000; Path=\/; HttpOnly; SameSite=Lax$/);
    // A returning visitor keeps it and is not a new unique visitor today.
    const id = /^visitor=([A-Za-z0-9]+)/.exec(cookie!)![1]!;
    const before = await counts('/terms');
    const again = await sendEvent({ path: '/terms', key: newKey() }, { cookie: `visitor=${id}` });
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(await again.json()).toMatchObject({ counted: true, views: before.views + 1, visitors: before.visitors });
  });

  it('with Global Privacy Control, sets no cookie (deletes an old one) and still counts the view', async () => {
    const before = await counts('/terms');
    const res = await sendEvent({ path: '/terms', key: newKey() }, { 'sec-gpc': '1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.json()).toMatchObject({ counted: true, views: before.views + 1, visitors: before.visitors });
    const withOld = await sendEvent({ path: '/terms', key: newKey() }, { 'sec-gpc': '1', cookie: 'visitor=AAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(withOld.headers.get('set-cookie')).toMatch(/^visitor=; Max-Age=0;/);
    expect((await counts('/terms')).visitors).toBe(before.visitors);
  });

  it('counts the policy at its public address', async () => {
    const before = await counts('/privacy');
    expect((await sendEvent({ path: '/privacy', key: newKey() })).status).toBe(200);
    expect((await counts('/privacy')).views).toBe(before.views + 1);
  });

  it('stores a signed-in user’s views exactly like anyone’s', async () => {
    const email = `views-member-${process.pid}@example.com`;
    const { id: userId, client } = await signedInClient(site, { email, agreed: false, form: true });
    const session = `session=${client.cookies.get('session')}`;
    const before = await counts('/about');
    const res = await sendEvent({ path: '/about', key: newKey() }, { cookie: session });
    expect(await res.json()).toMatchObject({ counted: true, views: before.views + 1 });
    // Nothing in any statistics table mentions the account.
    await withDatabase(site, async (db) => {
      const tables = (await describeSchema(db)).tables.filter((t) => t.name.startsWith('view_'));
      for (const { name } of tables) {
        const text = JSON.stringify((await sql`select * from ${sql.table(name)}`.execute(db)).rows, (_k, v: unknown) =>
          Buffer.isBuffer(v) ? v.toString('hex') : v,
        );
        expect(text).not.toContain(email);
        expect(text).not.toContain(session.split('=')[1]!);
      }
    });
    expect(userId).toBeGreaterThan(0);
  });
});

describe('what is not counted', () => {
  it('ignores bots, prefetches and prerenders, and sets no cookie for them', async () => {
    const before = await counts('/features');
    const ignored: Record<string, string>[] = [
      { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
      { 'user-agent': 'curl/8.5.0' },
      { 'user-agent': '' },
      { 'sec-purpose': 'prefetch' },
      { 'sec-purpose': 'prefetch;prerender' },
      { purpose: 'prefetch' },
    ];
    for (const headers of ignored) {
      const res = await sendEvent({ path: '/features', key: newKey() }, headers);
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect((await res.json()).counted).toBe(false);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect(await counts('/features')).toEqual(before);
  });

  it('refuses cross-site requests (the site’s one origin check)', async () => {
    const before = await counts('/features');
    const crossSite: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: site.origin, 'sec-fetch-site': 'cross-site' },
      { origin: '' },
    ];
    for (const headers of crossSite) {
      const res = await sendEvent({ path: '/features', key: newKey() }, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect((await res.json()).error).toMatch(/another site/);
    }
    const sameOrigin = await sendEvent({ path: '/features', key: newKey() }, { origin: '', 'sec-fetch-site': 'same-origin' });
    expect(sameOrigin.status).toBe(200);
    expect((await counts('/features')).views).toBe(before.views + 1);
  });

  it('never counts through the JSON, the badge or the island', async () => {
    const before = await counts('/features');
    for (let i = 0; i < 5; i++) {
      await fetch(`${site.url}/api/views?path=/features`);
      await fetch(`${site.url}/api/views/badge.svg?path=/features`);
      await fetch(`${site.url}/api/views?path=/features`, { method: 'HEAD' });
    }
    const island = await islandUrl('/features');
    for (let i = 0; i < 5; i++) expect((await fetch(site.url + island)).status).toBe(200);
    expect(await counts('/features')).toEqual(before);
  });
});

describe('bad input gets a 4xx and changes nothing', () => {
  it.each([
    ['invalid JSON', '{"path": "/features", "key": ', 400],
    ['a JSON array', '["/features"]', 400],
    ['JSON null', 'null', 400],
    ['no key', JSON.stringify({ path: '/features' }), 400],
    ['a short key', JSON.stringify({ path: '/features', key: 'abc' }), 400],
    ['a key with spaces', JSON.stringify({ path: '/features', key: 'a key with spaces in it' }), 400],
    ['no path', JSON.stringify({ key: 'aaaaaaaaaaaaaaaaaaaa' }), 400],
    ['a relative path', JSON.stringify({ path: 'features', key: 'aaaaaaaaaaaaaaaaaaaa' }), 400],
    ['a path with a query', JSON.stringify({ path: '/features?x=1', key: 'aaaaaaaaaaaaaaaaaaaa' }), 400],
    ['a full URL', JSON.stringify({ path: 'https://evil.example/', key: 'aaaaaaaaaaaaaaaaaaaa' }), 400],
    ['a dot-dot path', JSON.stringify({ path: '/privacy/../features', key: 'aaaaaaaaaaaaaaaaaaaa' }), 400],
    ['a path that is not a page', JSON.stringify({ path: '/no-such-page', key: 'aaaaaaaaaaaaaaaaaaaa' }), 404],
    ['an internal policy page', JSON.stringify({ path: '/privacy/as-of/2027-01-01', key: 'aaaaaaaaaaaaaaaaaaaa' }), 404],
    ['the 404 page', JSON.stringify({ path: '/404.html', key: 'aaaaaaaaaaaaaaaaaaaa' }), 404],
    ['a body over 2 KB', JSON.stringify({ path: '/features', key: 'aaaaaaaaaaaaaaaaaaaa', pad: 'x'.repeat(3000) }), 413],
  ])('%s', async (_what, body, status) => {
    const [views, keys] = [await counts('/features'), await rowCount('view_event_key')];
    const res = await sendEvent(body);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect((await res.json()).error).toEqual(expect.any(String));
    expect(await counts('/features')).toEqual(views);
    expect(await rowCount('view_event_key')).toBe(keys);
  });

  it('refuses other content types and methods', async () => {
    const before = await counts('/features');
    expect((await sendEvent('path=/features', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    const get = await fetch(`${site.url}/api/views/event`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const post = await fetch(`${site.url}/api/views?path=/features`, { method: 'POST', headers: { origin: site.origin } });
    expect(post.status).toBe(405);
    expect((await fetch(`${site.url}/api/views/nothing-here`)).status).toBe(404);
    expect(await counts('/features')).toEqual(before);
  });

  it('answers malformed paths of the JSON and badge with 400', async () => {
    for (const query of ['', '?path=', '?path=features', '?path=/a//b', '?path=/a&path=/b', '?path=%2F%2Fevil.example']) {
      for (const endpoint of ['/api/views', '/api/views/badge.svg']) {
        const res = await fetch(site.url + endpoint + query);
        expect(res.status, endpoint + query).toBe(400);
      }
    }
  });
});

describe('the counts for pages elsewhere', () => {
  it('answers JSON, CORS-open and cacheable for a short time', async () => {
    const res = await fetch(`${site.url}/api/views?path=/features/`, { headers: { origin: 'https://elsewhere.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    const body = await res.json();
    expect(Object.keys(body)).toEqual(['path', 'views', 'visitors']);
    expect(body.path).toBe('/features');
    expect(body.views).toBeGreaterThan(0);
    const preflight = await fetch(`${site.url}/api/views?path=/features`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET');
  });

  it('answers zeros for a page it has never counted', async () => {
    expect(await counts('/never-counted')).toEqual({ path: '/never-counted', views: 0, visitors: 0 });
  });

  it('draws an SVG badge in the reader’s number format', async () => {
    await withDatabase(site, (db) => db.insertInto('view_total').values({ path: '/badge-test', views: 1234567, visitors: 3 }).execute());
    const res = await fetch(`${site.url}/api/views/badge.svg?path=/badge-test`, { headers: { 'accept-language': 'de-DE,de;q=0.9' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(res.headers.get('vary')).toContain('Accept-Language');
    expect(await res.text()).toContain('<title>views: 1.234.567</title>');
  });
});

// ---------------------------------------------------------------------------------------

/** The URL the page's script fetches its ViewCount island from. */
async function islandUrl(path: string): Promise<string> {
  const html = await (await fetch(site.url + path)).text();
  const match = /fetch\("(\/_server-islands\/ViewCount[^"]+)"/.exec(html);
  expect(match, `ViewCount island on ${path}`).not.toBeNull();
  return match![1]!;
}

describe('the ViewCount island', () => {
  it.each(['/', '/features', '/pricing', '/about', '/terms', '/privacy', '/privacy/versions'])(
    '%s shows it, with the beacon',
    async (path) => {
      const html = await (await fetch(site.url + path)).text();
      const expected = path === '/' ? '/' : path;
      expect(html).toContain(`data-view-path="${expected}"`);
      expect(html).toContain('<script type="module" src="/js/view-count.js"></script>');
      // The fallback has the island's shape: one line, so nothing moves when it arrives.
      expect(html).toMatch(/<p class="view-count[^"]*"[^>]*data-view-count[^>]*>/);
    },
  );

  it('renders the total views formatted for the reader, cacheable for everyone', async () => {
    await withDatabase(site, (db) => db.updateTable('view_total').set({ views: 12345 }).where('path', '=', '/about').execute());
    const url = await islandUrl('/about');
    const en = await fetch(site.url + url, { headers: { 'accept-language': 'en-US' } });
    expect(en.status).toBe(200);
    expect(en.headers.get('cache-control')).toBe('public, max-age=10');
    expect(en.headers.get('vary')).toContain('Accept-Language');
    const html = await en.text();
    expect(html).toContain('data-views="12345"');
    expect(html).toMatch(/Viewed <strong data-count="views">12,345<\/strong>/);
    const de = await (await fetch(site.url + url, { headers: { 'accept-language': 'de' } })).text();
    expect(de).toContain('>12.345</strong>');
  });
});

// ---------------------------------------------------------------------------------------

/** A new account with `roles`, signed in through the form; returns the session cookie to send (`session=…`). */
async function signedIn(...roles: Role[]): Promise<string> {
  const { client } = await signedInClient(site, { label: `views-${roles.join('-') || 'reader'}`, roles, agreed: false, form: true });
  return `session=${client.cookies.get('session')}`;
}

const get = (path: string, cookie?: string) => fetch(site.url + path, { redirect: 'manual', headers: cookie ? { cookie } : {} });

describe('/admin/stats', () => {
  it('sends visitors who are not signed in to sign in, and back', async () => {
    const res = await get('/admin/stats?from=2026-01-01');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?next=%2Fadmin%2Fstats%3Ffrom%3D2026-01-01');
    const csv = await get('/admin/stats.csv');
    expect(csv.status).toBe(303);
    expect(csv.headers.get('location')).toBe('/login?next=%2Fadmin%2Fstats.csv');
  });

  it('is 403 for signed-in users without the editor or admin role', async () => {
    for (const cookie of [await signedIn(), await signedIn('support')]) {
      const res = await get('/admin/stats', cookie);
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain('Top pages');
      expect((await get('/admin/stats.csv', cookie)).status).toBe(403);
    }
  });

  it('shows editors and admins the views over time, top pages and daily uniques, privately', async () => {
    for (const role of ['editor', 'admin'] as const) {
      const res = await get('/admin/stats', await signedIn(role));
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      const html = await res.text();
      expect(html).toMatch(/<h1[^>]*>Visitor statistics<\/h1>/);
      expect(html).toMatch(/<svg viewBox="0 0 720 300" role="img" aria-labelledby="views-chart-caption views-chart-desc"[^>]*>/);
      expect(html).toContain('Site-wide, day by day');
      expect(html).toContain('Top pages');
      expect(html).toMatch(/<a href="\/features"[^>]*>\/features<\/a>/);
      expect(html).toContain('href="/admin/stats.csv?from=');
      expect(html).not.toMatch(/\sstyle=/);
    }
  });

  it('offers preset ranges, compares with the previous period in words, and draws top pages with bars', async () => {
    // Two weeks of seeded days in the past: the second week against the first.
    await withDatabase(site, async (db) => {
      const rows = [
        ['2025-03-03', '/seeded-a', 10, 4],
        ['2025-03-04', '/seeded-b', 10, 5],
        ['2025-03-10', '/seeded-a', 30, 12],
        ['2025-03-11', '/seeded-b', 15, 6],
      ] as const;
      await db
        .insertInto('view_daily')
        .values(rows.map(([day, path, views, visitors]) => ({ day, path, views, visitors })))
        .execute();
      await db
        .insertInto('view_site_daily')
        .values([
          { day: '2025-03-03', visitors: 4 },
          { day: '2025-03-04', visitors: 5 },
          { day: '2025-03-10', visitors: 12 },
          { day: '2025-03-11', visitors: 6 },
        ])
        .execute();
    });
    const cookie = await signedIn('editor');
    const html = await (await get('/admin/stats?from=2025-03-09&to=2025-03-15', cookie)).text();
    const text = textOf(html);
    expect(text).toContain('Custom dates: 2025-03-09 to 2025-03-15');
    expect(text).toContain('Compared with the previous period of the same length, 2025-03-02 to 2025-03-08.');
    // Visitors 18 against 9, views 45 against 20: said in words, not by a colour or an arrow alone.
    expect(text).toMatch(/ 18 100% more than the previous period \(9\)/);
    expect(text).toMatch(/ 45 125% more than the previous period \(20\)/);
    // The definition of each figure is a popover its button opens (no script needed).
    expect(html).toMatch(/<button class="define"[^>]*popovertarget="define-visitors"[^>]*aria-label="What “Visitors” means"/);
    expect(html).toMatch(/id="define-visitors" popover[^>]*>[\s\S]*?one browser on one day/);
    // Top pages carry bars as long as their share of the most viewed page's views.
    const bars = [...html.matchAll(/<svg class="bar"[^>]*>\s*<rect width="([\d.]+)"[^>]*>[\s\S]*?<a href="([^"]+)"/g)].map(
      ([, w, path]) => [path, w],
    );
    expect(bars).toEqual([
      ['/seeded-a', '100.00'],
      ['/seeded-b', '50.00'],
    ]);
    // A compact drawing for phones beside the wide one; markers only on the points that say something.
    expect(html).toMatch(/<svg viewBox="0 0 340 230" role="img" aria-labelledby="views-chart-caption views-chart-desc-narrow"/);
    const wide = html.slice(html.indexOf('<svg viewBox="0 0 720 300"'), html.indexOf('</svg>', html.indexOf('<svg viewBox="0 0 720 300"')));
    // Seven days, two with views: markers on those two only.
    expect(wide.match(/class="views-marker"/g)).toHaveLength(2);

    for (const [preset, label, days] of [
      ['today', 'Today', 1],
      ['7d', 'Last 7 days', 7],
      ['30d', 'Last 30 days', 30],
    ] as const) {
      const page = await get(`/admin/stats?range=${preset}`, cookie);
      expect(page.status, preset).toBe(200);
      const body = await page.text();
      expect(body, preset).toMatch(new RegExp(`<a href="/admin/stats\\?range=${preset}" aria-current="page"[^>]*>\\s*${label}`));
      expect(body.match(/<th scope="row"[^>]*>\s*<time datetime=/g), preset).toHaveLength(days);
    }
    // No preset at all is the last 30 days; an unknown one is refused.
    expect(await (await get('/admin/stats', cookie)).text()).toMatch(/<a href="\/admin\/stats\?range=30d" aria-current="page"/);
    const unknown = await get('/admin/stats?range=forever', cookie);
    expect(unknown.status).toBe(400);
    expect(textOf(await unknown.text())).toContain('Choose one of the ranges offered, or dates.');
  });

  it('shows the chosen date range, and refuses bad dates with 400 and a message', async () => {
    const cookie = await signedIn('editor');
    const ok = await get('/admin/stats?from=2026-01-01&to=2026-01-07', cookie);
    expect(ok.status).toBe(200);
    const html = await ok.text();
    expect(html).toContain('2026-01-01 to 2026-01-07');
    expect(html.match(/<time datetime="2026-01-0\d"/g)).toHaveLength(7);

    for (const [query, message] of [
      ['from=2026-02-30', 'real date'],
      ['from=2026-03-10&to=2026-03-01', 'on or before'],
      ['from=yesterday', 'YYYY-MM-DD'],
    ]) {
      const bad = await get(`/admin/stats?${query}`, cookie);
      expect(bad.status, query).toBe(400);
      expect(await bad.text()).toContain(message);
      const csv = await get(`/admin/stats.csv?${query}`, cookie);
      expect(csv.status, query).toBe(400);
      expect(await csv.text()).toContain(message);
    }
  });

  it('exports CSV', async () => {
    const cookie = await signedIn('admin');
    const today = utcDay();
    const res = await get(`/admin/stats.csv?from=${firstDay}&to=${today}`, cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="customertrackr-views-${firstDay}-to-${today}.csv"`);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('date,scope,path,views,unique_visitors');
    expect(lines[1]).toMatch(/^\d{4}-\d{2}-\d{2},site,,\d+,\d+$/);
    // The 2,000 concurrent events above, on whichever day(s) the run spent.
    const features = lines.map((line) => line.split(',')).filter(([, scope, path]) => scope === 'page' && path === '/features');
    expect(features.reduce((sum, [, , , views]) => sum + Number(views), 0)).toBeGreaterThanOrEqual(2000);
  });
});
