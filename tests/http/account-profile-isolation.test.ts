// One user can never read or change another's data through the account page, its islands,
// its actions (as forms or through /_actions/…), the export or the policy acknowledgement.
// Nothing in a URL or a form says whose data it is: the session does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionRef } from '../../src/lib/accounts/sessions.ts';
import { Client, islandCalls, signedInClient, textOf } from '../support/account-profile.ts';
import { withDatabase } from '../support/site-db.ts';
import { PASSWORD, uniqueEmail } from '../support/users.ts';
import { startSite, type RunningSite } from '../support/site.ts';

let site: RunningSite;
let alice: { id: number; email: string; client: Client };
let bob: { id: number; email: string; client: Client };

async function user(label: string) {
  const { id, email, client } = await signedInClient(site, { label, form: true });
  await client.post('/account?_action=account.updateProfile', {
    display_name: `${label} display`,
    full_name: `${label} Fullname`,
    company: `${label} Company`,
    job_title: `${label} Title`,
    phone: label === 'alice' ? '+1 617 555 0101' : '+1 617 555 0202',
  });
  return { id, email, client };
}

/** Everything stored about Bob that would give him away. */
async function bobSnapshot() {
  return withDatabase(site, async (db) => ({
    user: await db.selectFrom('user').selectAll().where('id', '=', bob.id).executeTakeFirst(),
    profile: await db.selectFrom('account_profile').selectAll().where('user_id', '=', bob.id).executeTakeFirst(),
    sessions: await db.selectFrom('session').select('id').where('user_id', '=', bob.id).execute(),
    sharing: await db.selectFrom('sharing_choice').selectAll().where('user_id', '=', bob.id).execute(),
    agreements: await db.selectFrom('policy_agreement').selectAll().where('user_id', '=', bob.id).execute(),
    changes: await db.selectFrom('data_change').selectAll().where('user_id', '=', bob.id).execute(),
    tokens: await db.selectFrom('email_token').select(['purpose', 'email', 'used_at']).where('user_id', '=', bob.id).execute(),
  }));
}

beforeAll(async () => {
  site = await startSite();
  alice = await user('alice');
  bob = await user('bob');
});
afterAll(async () => {
  await site?.stop();
});

function bobsTraces(text: string): string[] {
  return [bob.email, 'bob display', 'bob Fullname', 'bob Company', 'bob Title', '555 0202'].filter((t) => text.includes(t));
}

describe('reading', () => {
  it("every account page shows the signed-in user's data and nobody else's", async () => {
    for (const path of ['/account', '/account/security', '/account/privacy', '/account/data']) {
      const { html, islands } = await alice.client.pageWithIslands(path);
      const all = html + islands.map((i) => i.html).join('');
      if (path === '/account') expect(all).toContain(alice.email);
      expect(bobsTraces(all), path).toEqual([]);
    }
  });

  it("replaying another user's island URLs shows the replayer's own data (props never name a user)", async () => {
    // The account pages render their personal parts in the page; the islands of prerendered
    // pages (the header's sign-in status, the banners) read the user from their own request.
    const html = await (await alice.client.get('/pricing')).text();
    expect(islandCalls(html).length).toBeGreaterThanOrEqual(2);
    const asBob = await bob.client.islandsOf(html);
    const all = asBob.map((i) => i.html).join('');
    expect(all).toContain('bob display');
    expect(all).not.toContain('alice display');
    // And without a session, nothing personal at all.
    const anonymous = await new Client(site).islandsOf(html);
    const text = anonymous.map((i) => i.html).join('');
    expect(text).not.toContain('alice display');
    expect(text).not.toContain('bob display');
  });

  it("the export holds the requester's rows only", async () => {
    const res = await alice.client.post('/account/export.json', {}, { accept: 'application/json' });
    expect(res.status).toBe(200);
    const body = await res.text();
    const data = JSON.parse(body) as { accountId: number; tables: Record<string, { rows: Record<string, unknown>[] }> };
    expect(data.accountId).toBe(alice.id);
    expect(body).toContain(alice.email);
    expect(bobsTraces(body)).toEqual([]);
    for (const [table, { rows }] of Object.entries(data.tables)) {
      for (const row of rows) {
        for (const column of ['user_id', 'id'] as const) {
          if (column in row && (table === 'user' ? column === 'id' : column === 'user_id'))
            expect(row[column], `${table}.${column}`).toBe(alice.id);
        }
      }
    }
  });
});

describe('changing', () => {
  it("ids slipped into a form select nothing: Alice's submission changes Alice's profile only", async () => {
    const before = await bobSnapshot();
    const res = await alice.client.post('/account?_action=account.updateProfile', {
      user_id: String(bob.id),
      userId: String(bob.id),
      id: String(bob.id),
      display_name: 'Alice again',
      full_name: 'Alice Fullname',
      company: '',
      job_title: '',
      phone: '',
    });
    expect(res.status).toBe(303);
    expect(await bobSnapshot()).toEqual(before);
    const row = await withDatabase(site, (db) =>
      db.selectFrom('user').select('display_name').where('id', '=', alice.id).executeTakeFirstOrThrow(),
    );
    expect(row.display_name).toBe('Alice again');
  });

  it("a reference to Bob's session ends nothing when Alice sends it", async () => {
    const before = await bobSnapshot();
    const ref = sessionRef(before.sessions[0]!.id);
    const res = await alice.client.post('/account?_action=account.revokeSession', { session: ref });
    expect(res.status).toBe(404);
    expect((await bobSnapshot()).sessions).toEqual(before.sessions);
    expect((await bob.client.get('/account')).status).toBe(200);
    // "All other sessions" are Alice's other sessions only.
    await alice.client.post('/account?_action=account.revokeOtherSessions', {});
    expect((await bob.client.get('/account')).status).toBe(200);
  });

  it("every other action of Alice's leaves Bob's data as it was", async () => {
    const before = await bobSnapshot();
    const posts: [string, Record<string, string>][] = [
      ['/account?_action=account.setSharing', { choice: 'opt-out', user: String(bob.id) }],
      ['/account?_action=account.changeEmail', { newEmail: uniqueEmail('alice-new'), emailPassword: PASSWORD, user_id: String(bob.id) }],
      ['/account?_action=account.cancelEmailChange', { user_id: String(bob.id) }],
      [
        '/account?_action=account.changePassword',
        { currentPassword: PASSWORD, newPassword: 'a whole new phrase for alice', user_id: String(bob.id) },
      ],
      ['/account/policy-update?_action=account.acknowledgePolicy', { version: '2027-01-01', next: '/', user_id: String(bob.id) }],
      ['/account?_action=auth.resendVerification', { user_id: String(bob.id) }],
      // The same forms on the pages that hold them now.
      ['/account/privacy?_action=account.setSharing', { choice: 'opt-in', user: String(bob.id) }],
      ['/account/security?_action=account.cancelEmailChange', { user_id: String(bob.id) }],
      ['/account/security?_action=auth.resendVerification', { user_id: String(bob.id) }],
    ];
    for (const [path, fields] of posts) {
      const res = await alice.client.post(path, fields);
      expect(res.status, path).toBeLessThan(500);
    }
    expect(await bobSnapshot()).toEqual(before);
  });

  it("the same actions through /_actions/… act on the caller's own data", async () => {
    const before = await bobSnapshot();
    const res = await alice.client.request('/_actions/account.setSharing', {
      method: 'POST',
      body: new URLSearchParams({ choice: 'opt-in', user_id: String(bob.id) }),
      headers: { origin: site.origin, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(await bobSnapshot()).toEqual(before);
  });

  it('without a session, every action is refused and changes nothing', async () => {
    const before = await bobSnapshot();
    const anonymous = new Client(site);
    for (const [name, fields] of [
      ['updateProfile', { display_name: 'x', full_name: '', company: '', job_title: '', phone: '' }],
      ['setSharing', { choice: 'opt-out' }],
      ['revokeOtherSessions', {}],
      ['revokeSession', { session: sessionRef(before.sessions[0]!.id) }],
      ['changePassword', { currentPassword: PASSWORD, newPassword: 'another long new passphrase' }],
      ['changeEmail', { newEmail: uniqueEmail('nobody'), emailPassword: PASSWORD }],
      ['deleteAccount', { deletePassword: PASSWORD, confirmation: 'delete my account' }],
      ['acknowledgePolicy', { version: '2027-01-01' }],
    ] as const) {
      const res = await anonymous.request(`/_actions/account.${name}`, {
        method: 'POST',
        body: new URLSearchParams(fields as Record<string, string>),
        headers: { origin: site.origin, 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status, name).toBe(401);
    }
    const page = await anonymous.post('/account?_action=account.updateProfile', { display_name: 'x' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login?next=%2Faccount');
    const exported = await anonymous.post('/account/export.json', {}, { accept: 'application/json' });
    expect(exported.status).toBe(401);
    expect(await bobSnapshot()).toEqual(before);
  });

  it('refuses cross-site posts, and a GET never runs an action', async () => {
    const before = await bobSnapshot();
    const evil = new Client(site, {});
    for (const [k, v] of bob.client.cookies) evil.cookies.set(k, v);
    const crossSite = await evil.post(
      '/account?_action=account.deleteAccount',
      { deletePassword: PASSWORD, confirmation: 'delete my account' },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.status).toBe(403);
    const exported = await evil.post('/account/export.json', {}, { origin: 'https://evil.example' });
    expect(exported.status).toBe(403);
    const viaGet = await bob.client.get('/account?_action=account.setSharing&choice=opt-out');
    expect(viaGet.status).toBe(200);
    expect(await bobSnapshot()).toEqual(before);
    expect(textOf(await (await bob.client.get('/account/export.json')).text())).toMatch(/Download my data/);
  });
});
