// Announcement banners over HTTP, against the real built server (issue 7): the banner
// island for each audience and schedule, dismissals, the policy auto-announcement, the
// editors' admin with its role matrix (generated from src/lib/staff/sections.ts), plain
// text and link rules.
//
// The server is a separate process with the real clock: schedules here are relative to
// now (started an hour ago, starting next year); the rules at exact instants are unit tests
// (tests/unit/announcements-*.test.ts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/lib/auth/index.ts';
import type { OpenDatabase } from '../../src/lib/db/index.ts';
import { daysBetween, utcDateOf } from '../../src/lib/policy/dates.ts';
import { ADMIN_SECTIONS, sectionsFor } from '../../src/lib/staff/sections.ts';
import { Client, signedInClient, textOf } from '../support/account-profile.ts';
import { root, startSite, type RunningSite } from '../support/site.ts';
import { openDatabaseAt } from '../support/site-db.ts';
import { rolesOf, WHO, type Who } from '../support/staff-http.ts';
import { uniqueText } from '../support/users.ts';

const HOUR = 3_600_000;

let site: RunningSite;
let database: OpenDatabase;
/** The newest policy version's effective date, from the site's own index. */
let newestPolicy: string;
let policyDays: number;

/**
 * The window is set so that the newest policy version is announced today, whatever today
 * is (ANNOUNCE_POLICY_DAYS is at most 365).
 */
beforeAll(async () => {
  const index = JSON.parse(readFileSync(join(root, 'dist/client/privacy/versions.json'), 'utf8')) as { versions: { effective: string }[] };
  newestPolicy = index.versions
    .map((v) => v.effective)
    .sort()
    .at(-1)!;
  policyDays = Math.min(Math.abs(daysBetween(utcDateOf(new Date()), newestPolicy)) + 2, 365);
  site = await startSite({ ANNOUNCE_POLICY_DAYS: String(policyDays) });
  database = openDatabaseAt(site);
});
afterAll(async () => {
  await database?.close();
  await site?.stop();
});
// At most three banners show at once: each test starts from none of its own.
afterEach(async () => {
  await database.db
    .updateTable('announcement')
    .set({ ends_at: Date.now() - 1 })
    .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', Date.now())]))
    .execute();
});

const islandPaths = new Map<string, string>();
/** The island's URL as the prerendered page has it (its props are encrypted per build). */
async function islandPath(page: string): Promise<string> {
  if (!islandPaths.has(page)) {
    const html = await (await fetch(site.url + page)).text();
    const match = /<link rel="preload" as="fetch" href="(\/_server-islands\/AnnouncementBanner\?[^"]+)"/.exec(html);
    expect(match, `${page} carries the banner island`).not.toBeNull();
    islandPaths.set(page, match![1]!.replaceAll('&amp;', '&'));
  }
  return islandPaths.get(page)!;
}

/** Whatever the banner island renders for `client` on `page`. */
async function banners(client: Client, page = '/features'): Promise<{ tokens: string[]; html: string; res: Response }> {
  const res = await client.get(await islandPath(page));
  const html = await res.text();
  return { tokens: [...html.matchAll(/data-announcement="([^"]+)"/g)].map((m) => m[1]!), html, res };
}

/** A client signed in through the form with the given roles (none: an ordinary user). */
async function signedIn(...roles: Role[]): Promise<Client> {
  return (await signedInClient(site, { label: roles.join('-') || 'user', roles, agreed: false, form: true })).client;
}

const utcInput = (at: number) => new Date(at).toISOString().slice(0, 16);

let editorClient: Client | undefined;
async function editor(): Promise<Client> {
  editorClient ??= await signedIn('editor');
  return editorClient;
}

/** Creates an announcement through the editors' form; returns its id. */
async function create(fields: Record<string, string>): Promise<number> {
  const res = await (
    await editor()
  ).post('/admin/announcements/new?_action=announcements.create', {
    level: 'info',
    audience: 'everyone',
    dismissible: 'on',
    ...fields,
  });
  expect(res.status, await res.clone().text()).toBe(303);
  const id = Number(/^\/admin\/announcements\/(\d+)\?done=created$/.exec(res.headers.get('location') ?? '')?.[1]);
  expect(id).toBeGreaterThan(0);
  return id;
}

async function announcementCount(): Promise<number> {
  const row = await database.db
    .selectFrom('announcement')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('the banner island', () => {
  it('is on every page, prerendered ones included, with an empty fallback', async () => {
    for (const page of ['/', '/features', '/privacy', '/login', '/no-such-page']) {
      const html = await (await fetch(site.url + page)).text();
      expect(html, page).toContain('/_server-islands/AnnouncementBanner?');
    }
  });

  it('depends on who asks, so it is never stored by a shared cache', async () => {
    const { res } = await banners(new Client(site));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
  });

  it('shows each audience its announcements, and only active ones', async () => {
    const now = Date.now();
    const everyone = await create({ text: uniqueText('For everyone') });
    const members = await create({ text: uniqueText('For members'), audience: 'signed-in' });
    const visitors = await create({ text: uniqueText('For visitors'), audience: 'signed-out' });
    const future = await create({ text: uniqueText('Next year'), startsAt: utcInput(now + 365 * 24 * HOUR) });
    const over = await create({ text: uniqueText('Over'), startsAt: utcInput(now - 2 * HOUR), endsAt: utcInput(now + HOUR) });
    await (await editor()).post('/admin/announcements?_action=announcements.end', { id: String(over) });

    const visitor = (await banners(new Client(site))).tokens;
    expect(visitor).toContain(`a${everyone}r1`);
    expect(visitor).toContain(`a${visitors}r1`);
    expect(visitor).not.toContain(`a${members}r1`);

    const member = (await banners(await signedIn())).tokens;
    expect(member).toContain(`a${everyone}r1`);
    expect(member).toContain(`a${members}r1`);
    expect(member).not.toContain(`a${visitors}r1`);

    for (const tokens of [visitor, member]) {
      expect(tokens).not.toContain(`a${future}r1`);
      expect(tokens).not.toContain(`a${over}r1`);
    }
  });

  it('announces the newest policy version, linking to what changed', async () => {
    const { tokens, html } = await banners(new Client(site), '/');
    const key = `p${newestPolicy.replaceAll('-', '')}r0`;
    expect(tokens).toContain(key);
    expect(html).toMatch(new RegExp(`href="/privacy/changes/\\d{4}-\\d{2}-\\d{2}\\.\\.\\.${newestPolicy}"`));
    expect(html).toMatch(/Our privacy policy change[sd] on/);
  });

  it('shows HTML and script in the text as text', async () => {
    const text = uniqueText('<script>alert("x")</script><b>bold</b> & <img src=x onerror=alert(1)>');
    const id = await create({ text, linkUrl: '/privacy?a=1&b=2', linkText: '<i>Read</i> this' });
    const { html } = await banners(new Client(site));
    expect(html).toContain(`data-announcement="a${id}r1"`);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<b>bold');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src=x onerror=alert(1)&gt;',
    );
    expect(html).toContain('href="/privacy?a=1&amp;b=2"');
    expect(html).toContain('&lt;i&gt;Read&lt;/i&gt; this');
    // The editors' pages show it as text too.
    const list = await (await (await editor()).get('/admin/announcements')).text();
    expect(list).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(list).not.toContain('<script>alert');
  });
});

describe('dismissing', () => {
  it('hides an announcement for this browser until an editor changes it', async () => {
    const id = await create({ text: uniqueText('Dismiss me') });
    const reader = new Client(site);
    expect((await banners(reader)).tokens).toContain(`a${id}r1`);

    const res = await reader.post('/announcements/dismiss', { token: `a${id}r1` }, { referer: `${site.url}/features?x=1` });
    expect(res.status).toBe(303);
    expect(res.headers.get('location'), 'back to the page the form was on').toBe('/features?x=1');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('ct-dismissed='));
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Max-Age=31536000/);
    expect(reader.cookies.get('ct-dismissed')).toContain(`a${id}r1`);
    expect((await banners(reader)).tokens).not.toContain(`a${id}r1`);
    expect((await banners(new Client(site))).tokens, 'other readers still see it').toContain(`a${id}r1`);

    // Changing the schedule is not a change readers see; changing the text is.
    const edit = await (await editor()).get(`/admin/announcements/${id}`);
    const updatedAt = /name="updatedAt" value="([^"]+)"/.exec(await edit.text())![1]!;
    const saved = await (
      await editor()
    ).post(`/admin/announcements/${id}?_action=announcements.update`, {
      id: String(id),
      updatedAt,
      text: uniqueText('Dismiss me, changed'),
      level: 'info',
      audience: 'everyone',
      dismissible: 'on',
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe(`/admin/announcements/${id}?done=saved`);
    expect((await banners(reader)).tokens).toContain(`a${id}r2`);
  });

  it('answers the page script with JSON, and refuses bad tokens and other sites', async () => {
    const reader = new Client(site);
    const json = await reader.post('/announcements/dismiss', { token: 'a1r1' }, { accept: 'application/json' });
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({ dismissed: 'a1r1' });

    const bad = await reader.post('/announcements/dismiss', { token: 'javascript:alert(1)' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/not an announcement/);

    const foreign = await new Client(site, {}, 'https://evil.example').post('/announcements/dismiss', { token: 'a1r1' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.getSetCookie()).toEqual([]);

    // Only a path on this site to return to.
    const away = await reader.post('/announcements/dismiss', { token: 'a2r1' }, { referer: 'https://evil.example/phish' });
    expect(away.headers.get('location')).toBe('/phish');
    const odd = await reader.post('/announcements/dismiss', { token: 'a2r1' }, { referer: 'http://x//evil.example/' });
    expect(odd.headers.get('location')).toBe('/');
    const none = await reader.post('/announcements/dismiss', { token: 'a2r1' });
    expect(none.headers.get('location')).toBe('/');
    // A GET (a link followed, a crawler) changes nothing, and is told the address takes POST.
    const got = await reader.get('/announcements/dismiss');
    expect([got.status, got.headers.get('allow')]).toEqual([405, 'POST']);
    expect(got.headers.getSetCookie()).toEqual([]);
  });
});

describe('the editors’ forms', () => {
  it('refuse bad links and over-long text with clear messages, storing nothing', async () => {
    const client = await editor();
    const before = await announcementCount();
    for (const [fields, message] of [
      [{ text: 'Link', linkUrl: 'javascript:alert(1)', linkText: 'Click' }, 'not a link this site can show'],
      [{ text: 'Link', linkUrl: 'http://example.com', linkText: 'Click' }, 'not a link this site can show'],
      [{ text: 'Link', linkUrl: '//evil.example', linkText: 'Click' }, 'leave the site'],
      [{ text: 'Link', linkUrl: '/privacy' }, 'Add the words to show for the link'],
      [{ text: 'x'.repeat(281) }, 'Keep the announcement text to 280 characters or fewer (it has 281).'],
      [{ text: '' }, 'Write the announcement text.'],
      [{ text: 'Late', endsAt: utcInput(Date.now() - HOUR) }, 'The end is in the past'],
    ] as const) {
      const res = await client.post('/admin/announcements/new?_action=announcements.create', {
        level: 'info',
        audience: 'everyone',
        ...fields,
      });
      expect(res.status, JSON.stringify(fields)).toBe(400);
      const html = await res.text();
      expect(html).toContain(message);
      expect(html).toContain('There is a problem');
      // What was typed is kept, as text.
      if ('linkUrl' in fields) expect(html).toContain(`value="${fields.linkUrl}"`);
    }
    expect(await announcementCount()).toBe(before);
  });

  it('record who changed what and when, on the page', async () => {
    const id = await create({ text: uniqueText('Audited') });
    const page = textOf(await (await (await editor()).get(`/admin/announcements/${id}`)).text());
    expect(page).toMatch(/Created by editor-\d+-\d+@example\.com on [A-Z][a-z]{2} \d+, \d{4}, \d\d:\d\d UTC/);
    expect(page).toMatch(/History Created by editor-\d+-\d+@example\.com, [A-Z][a-z]{2} \d+, \d{4}, \d\d:\d\d UTC/);
  });

  it('let an editor change the policy announcement’s text, and end it', async () => {
    const client = await editor();
    const page = `/admin/announcements/policy/${newestPolicy}`;
    const text = uniqueText('Our privacy policy is changing');
    const saved = await client.post(`${page}?_action=announcements.updatePolicy`, { date: newestPolicy, text });
    expect(saved.headers.get('location')).toBe(`${page}?done=saved`);
    const shown = await banners(new Client(site));
    expect(shown.html).toContain(text);
    const token = `p${newestPolicy.replaceAll('-', '')}r1`;
    expect(shown.tokens).toContain(token);

    const ended = await client.post(`${page}?_action=announcements.endPolicy`, { date: newestPolicy });
    expect(ended.headers.get('location')).toBe(`${page}?done=ended`);
    expect((await banners(new Client(site))).tokens).not.toContain(token);
    const history = textOf(await (await client.get(page)).text());
    expect(history).toMatch(/History Ended by editor-[^,\s]+, .* Changed the text by editor-[^,\s]+, /);

    // Back to how it was, for the other tests.
    await client.post(`${page}?_action=announcements.resumePolicy`, { date: newestPolicy });
    await client.post(`${page}?_action=announcements.updatePolicy`, { date: newestPolicy, text: '' });
    expect((await banners(new Client(site))).tokens).toContain(`p${newestPolicy.replaceAll('-', '')}r2`);
  });
});

describe('role matrix', () => {
  const clients = new Map<Who, Client>();
  const announcements = ADMIN_SECTIONS.find((s) => s.id === 'announcements')!;
  let id: number;

  beforeAll(async () => {
    clients.set('visitor', new Client(site));
    for (const who of WHO.slice(1)) clients.set(who, await signedIn(...rolesOf(who)));
    id = await create({ text: uniqueText('Matrix') });
  });

  // Every route of the announcements section, guarded by its row in ADMIN_SECTIONS.
  const routes = () => [
    announcements.path,
    `${announcements.path}/new`,
    `${announcements.path}/preview`,
    `${announcements.path}/${id}`,
    `${announcements.path}/policy/${newestPolicy}`,
  ];

  // Every section of the staff table whose page exists yet (users and audit come later):
  // the matrix grows with the table.
  const built = ADMIN_SECTIONS.filter((s) =>
    ['.astro', '/index.astro'].some((end) => existsSync(join(root, 'src/pages', `${s.path}${end}`))),
  );
  for (const section of built) {
    it(`${section.path} answers each role as ADMIN_SECTIONS says (${section.roles.join(', ')})`, async () => {
      for (const who of WHO) {
        const res = await clients.get(who)!.get(section.path);
        const expected = who === 'visitor' ? 303 : section.roles.some((r) => rolesOf(who).includes(r)) ? 200 : 403;
        expect(res.status, `${who} → ${section.path}`).toBe(expected);
      }
    });
  }

  for (const who of WHO) {
    const allowed = announcements.roles.some((r) => rolesOf(who).includes(r));
    const expected = who === 'visitor' ? 303 : allowed ? 200 : 403;

    it(`${who}: announcement pages answer ${expected}`, async () => {
      for (const route of routes()) {
        const res = await clients.get(who)!.get(route);
        expect(res.status, route).toBe(expected);
        if (expected === 303) expect(res.headers.get('location')).toBe(`/login?next=${encodeURIComponent(route)}`);
        if (expected === 403) expect(await res.text()).toContain('You cannot open this page');
        expect(res.headers.get('cache-control'), route).toBe('private, no-store');
      }
    });

    it(`${who}: the admin home lists exactly the sections the role allows`, async () => {
      const res = await clients.get(who)!.get('/admin');
      if (who === 'visitor') {
        expect(res.status).toBe(303);
        expect(res.headers.get('location')).toBe('/login?next=%2Fadmin');
        return;
      }
      if (who === 'user') {
        expect(res.status).toBe(403);
        return;
      }
      expect(res.status).toBe(200);
      const html = await res.text();
      const user = { id: 0, email: '', displayName: null, emailVerified: true, roles: rolesOf(who) };
      const visible = new Set(sectionsFor(user).map((s) => s.id));
      for (const section of ADMIN_SECTIONS) {
        expect(html.includes(`href="${section.path}"`), `${who} → ${section.path}`).toBe(visible.has(section.id));
      }
    });

    const actionStatus = who === 'visitor' ? 401 : allowed ? 200 : 403;
    it(`${who}: every announcement action answers ${actionStatus}`, async () => {
      const client = clients.get(who)!;
      await database.db.updateTable('announcement').set({ ends_at: null }).where('id', '=', id).execute();
      await database.db.deleteFrom('policy_announcement').execute();
      const record = await database.db.selectFrom('announcement').select('updated_at').where('id', '=', id).executeTakeFirstOrThrow();
      const calls: [string, Record<string, string>][] = [
        ['create', { text: uniqueText(`By ${who}`), level: 'info', audience: 'everyone' }],
        [
          'update',
          { id: String(id), updatedAt: record.updated_at, text: uniqueText(`Edited by ${who}`), level: 'info', audience: 'everyone' },
        ],
        ['updatePolicy', { date: newestPolicy, text: '' }],
        ['endPolicy', { date: newestPolicy }],
        ['resumePolicy', { date: newestPolicy }],
        ['end', { id: String(id) }],
      ];
      for (const [action, fields] of calls) {
        const res = await client.post(`/_actions/announcements.${action}`, fields);
        expect(res.status, `${action}: ${await res.clone().text()}`).toBe(actionStatus);
      }
    });
  }
});
