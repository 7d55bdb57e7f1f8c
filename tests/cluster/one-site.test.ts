// Two app servers on one database are one site: rate limits, sessions, roles and announcements
// are the database's, whichever server is asked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, island } from '../support/account-profile.ts';
import { startCluster, type Cluster } from '../support/cluster.ts';
import { createUser, PASSWORD, startSession, uniqueEmail, uniqueText } from '../support/users.ts';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

/** The per-client-address sign-in limit (src/lib/rate-limit: LIMITS.signInPerIp). */
const SIGN_IN_PER_IP = 30;

/** Failed sign-ins (a new address each time, so that only the per-address limit counts) until one is refused. */
async function attemptsUntilRefused(
  next: (i: number) => Client,
  max = SIGN_IN_PER_IP + 5,
): Promise<{ allowed: number; statuses: number[] }> {
  const statuses: number[] = [];
  for (let i = 0; i < max; i++) {
    const res = await next(i).submitSignIn(uniqueEmail('nobody'), 'not the password, but long enough');
    await res.arrayBuffer();
    statuses.push(res.status);
    if (res.status === 429) return { allowed: i, statuses };
  }
  return { allowed: max, statuses };
}

describe('rate limits are shared', () => {
  // First in this file: nothing else has signed in from 127.0.0.1 through nginx yet.
  it('through nginx, the per-address sign-in limit trips at its count, spread over both servers, whatever X-Forwarded-For the client sends', async () => {
    const before = cluster.accessLog().length;
    const { allowed, statuses } = await attemptsUntilRefused(
      // A client naming a new address each time: nginx replaces it with the one it sees.
      (i) => new Client(cluster.site('nginx'), { 'x-forwarded-for': `198.51.100.${i + 1}` }),
    );
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(allowed).toBe(SIGN_IN_PER_IP);
    const servers = new Set((await cluster.accessLogSince(before, statuses.length)).flatMap((e) => e.upstreams));
    expect(servers).toEqual(new Set([`127.0.0.1:${cluster.a.port}`, `127.0.0.1:${cluster.b.port}`]));
  });

  it('asked directly, A and B in turn count one address together', async () => {
    const { allowed } = await attemptsUntilRefused(
      (i) => new Client(cluster.site(i % 2 === 0 ? 'A' : 'B'), { 'x-forwarded-for': '203.0.113.7' }),
    );
    expect(allowed).toBe(SIGN_IN_PER_IP);
    // The refusal holds on the other server too.
    for (const via of ['A', 'B'] as const) {
      const res = await new Client(cluster.site(via), { 'x-forwarded-for': '203.0.113.7' }).submitSignIn(
        uniqueEmail('nobody'),
        'x'.repeat(20),
      );
      expect(res.status, via).toBe(429);
    }
  });
});

describe('sessions are shared', () => {
  it('a session made on A is valid on B; signing out on B ends it on A', async () => {
    const user = await createUser(cluster.database.databasePath);
    // Its own client address: 127.0.0.1 spent its sign-in budget above.
    const onA = new Client(cluster.site('A'), { 'x-forwarded-for': '192.0.2.10' });
    const signedIn = await onA.submitSignIn(user.email, PASSWORD);
    expect(signedIn.status).toBe(303);
    const cookie = onA.cookies.get('session')!;
    expect(cookie).toBeTruthy();

    const onB = new Client(cluster.site('B'));
    onB.cookies.set('session', cookie);
    const account = await onB.pageWithIslands('/account');
    expect(account.page.status).toBe(200);
    expect(account.html).toContain(user.email);

    const signOut = await onB.post('/logout', {});
    expect(signOut.status).toBe(303);
    const afterOnA = new Client(cluster.site('A'));
    afterOnA.cookies.set('session', cookie);
    const refused = await afterOnA.get('/account');
    expect(refused.status).toBe(303);
    expect(refused.headers.get('location')).toMatch(/^\/login/);
  });

  it('a role revoked on A applies at the next request on B', async () => {
    const db = cluster.database.databasePath;
    const admin = await createUser(db, { label: 'admin', roles: ['admin'] });
    const support = await createUser(db, { label: 'support', roles: ['support'] });
    const adminOnA = new Client(cluster.site('A'));
    adminOnA.cookies.set('session', await startSession(db, admin.id));
    const supportOnB = new Client(cluster.site('B'));
    supportOnB.cookies.set('session', await startSession(db, support.id));

    expect((await supportOnB.get('/admin/users')).status).toBe(200);
    const revoked = await adminOnA.post('/admin/roles?_action=staff.revokeRole', { userId: String(support.id), role: 'support' });
    expect(revoked.headers.get('location')).toBe('/admin/roles?done=revoked');
    expect((await supportOnB.get('/admin/users')).status).toBe(403);
  });
});

describe('announcements are shared', () => {
  it('an announcement created on A shows on B at its next render', async () => {
    const db = cluster.database.databasePath;
    const editor = await createUser(db, { label: 'editor', roles: ['editor'] });
    const editorOnA = new Client(cluster.site('A'));
    editorOnA.cookies.set('session', await startSession(db, editor.id));
    // B renders the banners once first, so that it has them cached.
    const visitorOnB = new Client(cluster.site('B'));
    const text = uniqueText('Cluster announcement');
    expect(island((await visitorOnB.pageWithIslands('/')).islands, 'AnnouncementBanner').html).not.toContain(text);

    const created = await editorOnA.post('/admin/announcements/new?_action=announcements.create', {
      level: 'info',
      audience: 'everyone',
      dismissible: 'on',
      text,
    });
    expect(created.status, await created.clone().text()).toBe(303);
    const banner = island((await visitorOnB.pageWithIslands('/')).islands, 'AnnouncementBanner');
    expect(banner.res.status).toBe(200);
    expect(banner.html).toContain(text);
  });
});
