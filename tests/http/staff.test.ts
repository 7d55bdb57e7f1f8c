// The staff tools over HTTP, against the real built server (issue 8): support's lookup with
// masking and audited reveals, ending sessions, a deletion request from recording to erasure,
// role administration with the last-admin rule, the audit log page and CSV, and what the
// account holder sees on /account/privacy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase, type OpenDatabase } from '../../src/lib/db/index.ts';
import { createSession } from '../../src/lib/auth/sessions.ts';
import { Client, fieldError, linkIn, mailsTo, textOf } from '../support/account-profile.ts';
import { startSite, type RunningSite } from '../support/site.ts';
import { auditCount, clientFor, makeAccount, pendingRequest } from '../support/staff-http.ts';

let site: RunningSite;
let database: OpenDatabase;
let support: Client;
let supportId: number;
let admin: Client;
let adminId: number;

beforeAll(async () => {
  site = await startSite();
  database = openDatabase(site.databasePath);
  ({ client: support, id: supportId } = (await clientFor(site, 'support')) as { client: Client; id: number });
  ({ client: admin, id: adminId } = (await clientFor(site, 'admin')) as { client: Client; id: number });
});
afterAll(async () => {
  await database?.close();
  await site?.stop();
});

/** A customer with a filled-in profile, signed in (a session, so that ending sessions shows). */
async function customer(label: string) {
  const signed = await clientFor(site, 'user');
  const id = signed.id!;
  await database.db.updateTable('user').set({ display_name: 'Dana' }).where('id', '=', id).execute();
  await database.db
    .insertInto('account_profile')
    .values({
      user_id: id,
      full_name: 'Dana Doe',
      company: 'Initech',
      job_title: 'Analyst',
      phone: '+1 212 555 0199',
      updated_at: new Date().toISOString(),
    })
    .execute();
  return { id, email: signed.email!, client: signed.client, label };
}

async function lastEntries(n: number) {
  const rows = await database.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(n).execute();
  return rows.reverse();
}

const REASON = 'Caller asked us to confirm the number we hold';

describe('support’s lookup', () => {
  it('finds accounts by address (POST, so the address is in no URL), listed masked, each listing audited', async () => {
    const dana = await customer('find');
    const before = await auditCount(database.db);
    const res = await support.post('/admin/users?_action=staff.searchAccounts', { q: dana.email.toUpperCase() });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`href="/admin/users/${dana.id}"`);
    expect(html).toContain(`${dana.email[0]}•••@example.com`);
    expect(textOf(html)).not.toContain(dana.email.slice(1, 10));
    expect(await auditCount(database.db)).toBe(before + 1);
    expect(await lastEntries(1)).toEqual([
      expect.objectContaining({ action: 'account.search', actor_user_id: supportId, subject_user_id: dana.id, fields: '["email"]' }),
    ]);

    const short = await support.post('/admin/users?_action=staff.searchAccounts', { q: 'ab' });
    expect(short.status).toBe(400);
    expect(await short.text()).toContain('Type at least 3 characters of the address.');
  });

  it('shows a record masked by default: no value appears anywhere in the page; opening it is audited with the IP address', async () => {
    const dana = await customer('masked');
    const res = await support.get(`/admin/users/${dana.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const html = await res.text();
    for (const secret of [dana.email, 'Dana Doe', 'Initech', 'Analyst', '212 555', '0199']) expect(html, secret).not.toContain(secret);
    for (const masked of ['•••@example.com', 'D•••', 'I•••', 'A•••', '•••• 99']) expect(html, masked).toContain(masked);
    const [entry] = await lastEntries(1);
    expect(entry).toMatchObject({
      action: 'account.view',
      actor_user_id: supportId,
      subject_user_id: dana.id,
      fields: '["email","display_name","full_name","company","job_title","phone"]',
      reason: null,
    });
    expect(entry!.actor_ip).toMatch(/127\.0\.0\.1|::1/);
    expect(new Date(entry!.at).toISOString()).toBe(entry!.at);

    expect((await support.get('/admin/users/999999')).status).toBe(404);
    expect((await support.get('/admin/users/abc')).status).toBe(404);
  });

  it('reveals one field only with a reason, in that response only, audited with the field and reason', async () => {
    const dana = await customer('reveal');
    const page = `/admin/users/${dana.id}?_action=staff.revealField`;
    const before = await auditCount(database.db);
    for (const reason of ['', 'short']) {
      const refused = await support.post(page, { userId: String(dana.id), field: 'phone', reason });
      expect(refused.status).toBe(400);
      const html = await refused.text();
      expect(html).toMatch(/Give (the reason|a reason of at least 10 characters)/);
      expect(html).not.toContain('212 555');
    }
    // Refused reveals wrote nothing; each re-render of the record is a (masked) view.
    const between = await lastEntries((await auditCount(database.db)) - before);
    expect(between.map((e) => e.action)).toEqual(['account.view', 'account.view']);

    const res = await support.post(page, { userId: String(dana.id), field: 'phone', reason: REASON });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('+1 212 555 0199');
    expect(html).toContain('Revealed, and recorded in the audit log');
    expect(html).not.toContain('Dana Doe');
    const reveal = (await lastEntries(2)).find((e) => e.action === 'account.reveal');
    expect(reveal).toMatchObject({ actor_user_id: supportId, subject_user_id: dana.id, fields: '["phone"]', reason: REASON });
    expect(JSON.stringify(await lastEntries(3))).not.toContain('555');

    // The next visit is masked again.
    expect(await (await support.get(`/admin/users/${dana.id}`)).text()).not.toContain('212 555');
  });

  it('ends every session of the account with a reason, and resends the address confirmation', async () => {
    const dana = await customer('sessions');
    expect((await dana.client.get('/account')).status).toBe(200);
    const noReason = await support.post(`/admin/users/${dana.id}?_action=staff.endSessions`, { userId: String(dana.id), reason: '' });
    expect(noReason.status).toBe(400);
    expect((await dana.client.get('/account')).status).toBe(200);

    const ended = await support.post(`/admin/users/${dana.id}?_action=staff.endSessions`, {
      userId: String(dana.id),
      reason: 'Reported a stolen laptop by phone',
    });
    expect(ended.status).toBe(303);
    expect(ended.headers.get('location')).toBe(`/admin/users/${dana.id}?done=sessions-ended`);
    expect((await dana.client.get('/account')).status, 'the user is signed out').toBe(303);
    expect(await lastEntries(1)).toEqual([
      expect.objectContaining({ action: 'account.end-sessions', subject_user_id: dana.id, reason: 'Reported a stolen laptop by phone' }),
    ]);

    const unverified = await makeAccount(database.db, 'unverified', [], { verified: false });
    const resent = await support.post(`/admin/users/${unverified.id}?_action=staff.resendVerification`, { userId: String(unverified.id) });
    expect(resent.status).toBe(303);
    expect(await mailsTo(site, unverified.email, /Confirm your email address/)).toHaveLength(1);
    expect(await lastEntries(1)).toEqual([
      expect.objectContaining({ action: 'account.resend-verification', subject_user_id: unverified.id, fields: '["email"]' }),
    ]);
    const verified = await support.post(`/admin/users/${dana.id}?_action=staff.resendVerification`, { userId: String(dana.id) });
    expect(verified.status).toBe(409);
  });
});

describe('a deletion request received by email', () => {
  it('is recorded, confirmed by the holder from the emailed link, erased, and leaves nothing personal in the queue', async () => {
    const dana = await customer('delete');
    const recorded = await support.post('/admin/deletion-requests/new?_action=staff.recordDeletionRequest', {
      email: dana.email,
      receivedAt: '',
      ticket: 'ZD-77',
    });
    expect(recorded.status).toBe(303);
    const location = recorded.headers.get('location')!;
    expect(location).toMatch(/^\/admin\/deletion-requests\/\d+\?done=recorded$/);
    const requestPage = location.split('?')[0]!;

    const queue = textOf(await (await support.get('/admin/deletion-requests')).text());
    expect(queue).toContain('ticket ZD-77');
    expect(queue).toContain(`${dana.email[0]}•••@example.com`);
    expect(queue).not.toContain(dana.email);

    const [mail] = await mailsTo(site, dana.email, /Confirm the deletion of your CustomerTrackr account/);
    const link = linkIn(mail!);
    expect(link).toMatch(/^\/account\/confirm-deletion\?token=/);

    // Opening the link changes nothing.
    const visitor = new (support.constructor as new (s: RunningSite) => Client)(site);
    const shown = await visitor.get(link);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await shown.text()).toContain('Delete my account');
    expect(await database.db.selectFrom('user').select('id').where('id', '=', dana.id).executeTakeFirst()).toBeDefined();

    const token = new URLSearchParams(link.split('?')[1]).get('token')!;
    const confirmed = await visitor.post(`/account/confirm-deletion?_action=staff.confirmDeletion&token=${encodeURIComponent(token)}`, {
      token,
    });
    expect(confirmed.status).toBe(200);
    expect(textOf(await confirmed.text())).toContain('Your account has been deleted');
    expect(await database.db.selectFrom('user').select('id').where('id', '=', dana.id).executeTakeFirst()).toBeUndefined();
    expect(
      await database.db.selectFrom('account_profile').select('user_id').where('user_id', '=', dana.id).executeTakeFirst(),
    ).toBeUndefined();
    expect(await mailsTo(site, dana.email, /has been deleted/)).toHaveLength(1);
    expect((await dana.client.get('/account')).status, 'signed out everywhere').toBe(303);

    const again = await visitor.post(`/account/confirm-deletion?_action=staff.confirmDeletion`, { token });
    expect(again.status).toBe(400);

    const after = await (await support.get('/admin/deletion-requests')).text();
    const completed = textOf(after.slice(after.indexOf('id="group-closed"')));
    expect(completed).toContain('ticket ZD-77');
    expect(completed).toContain('Deleted after the holder confirmed by email');
    const detail = await (await support.get(requestPage)).text();
    for (const text of [after, detail]) {
      expect(text).not.toContain(dana.email);
      expect(text).not.toContain(`${dana.email[0]}•••`);
    }
    expect(await lastEntries(1)).toEqual([
      expect.objectContaining({ action: 'account.delete', actor_user_id: null, actor_ip: null, subject_user_id: dana.id }),
    ]);
  });

  it('shows each problem at its field, and records nothing', async () => {
    const before = await database.db.selectFrom('deletion_request').select('id').execute();
    const res = await support.post('/admin/deletion-requests/new?_action=staff.recordDeletionRequest', {
      email: 'not an address',
      receivedAt: '2999-01-01T00:00',
      ticket: '',
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Enter the address the request came from');
    expect(html).toContain('That is in the future');
    expect(html).toContain('Enter the ticket reference');
    expect(html).toContain('value="not an address"');
    const unknown = await support.post('/admin/deletion-requests/new?_action=staff.recordDeletionRequest', {
      email: 'nobody-here@example.com',
      ticket: 'ZD-1',
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('No account has this address');
    expect(await database.db.selectFrom('deletion_request').select('id').execute()).toEqual(before);
  });

  it('lets support delete with a reason when the identity was verified another way, or cancel', async () => {
    const verified = await pendingRequest(database.db, 'verified-http');
    const page = `/admin/deletion-requests/${verified.requestId}`;
    expect((await support.post(`${page}?_action=staff.deleteVerified`, { requestId: String(verified.requestId), reason: '' })).status).toBe(
      400,
    );
    const deleted = await support.post(`${page}?_action=staff.deleteVerified`, {
      requestId: String(verified.requestId),
      reason: 'Verified on a video call against the ID on file',
    });
    expect(deleted.headers.get('location')).toBe(`${page}?done=deleted`);
    expect(await database.db.selectFrom('user').select('id').where('id', '=', verified.userId).executeTakeFirst()).toBeUndefined();
    expect(textOf(await (await support.get(`${page}?done=deleted`)).text())).toContain('The account was deleted');

    const cancelled = await pendingRequest(database.db, 'cancelled-http');
    const res = await support.post(`/admin/deletion-requests/${cancelled.requestId}?_action=staff.cancelDeletionRequest`, {
      requestId: String(cancelled.requestId),
      reason: 'The requester wrote back to withdraw it',
    });
    expect(res.status).toBe(303);
    expect(
      await database.db
        .selectFrom('deletion_request')
        .select(['status', 'requester_email'])
        .where('id', '=', cancelled.requestId)
        .executeTakeFirst(),
    ).toEqual({
      status: 'cancelled',
      requester_email: null,
    });
  });
});

describe('roles', () => {
  it('admins see every account’s roles, grant and revoke them, audited; the last admin cannot be removed', async () => {
    const sam = await makeAccount(database.db, 'sam');
    const granted = await admin.post('/admin/roles?_action=staff.grantRole', { email: sam.email, role: 'support' });
    expect(granted.headers.get('location')).toBe('/admin/roles?done=granted');
    const page = textOf(await (await admin.get('/admin/roles')).text());
    expect(page).toContain(`${sam.email} support`);
    expect(await lastEntries(1)).toEqual([
      expect.objectContaining({ action: 'role.grant', actor_user_id: adminId, subject_user_id: sam.id, fields: '["role:support"]' }),
    ]);
    const revoked = await admin.post('/admin/roles?_action=staff.revokeRole', { userId: String(sam.id), role: 'support' });
    expect(revoked.headers.get('location')).toBe('/admin/roles?done=revoked');
    expect(await lastEntries(1)).toEqual([expect.objectContaining({ action: 'role.revoke', subject_user_id: sam.id })]);

    // Make this admin the only one, then try to remove them.
    await database.db.deleteFrom('user_role').where('role', '=', 'admin').where('user_id', '!=', adminId).execute();
    const last = await admin.post('/admin/roles?_action=staff.revokeRole', { userId: String(adminId), role: 'admin' });
    expect(last.status).toBe(409);
    expect(await last.text()).toContain('This is the last admin');
    expect(await database.db.selectFrom('user_role').select('user_id').where('role', '=', 'admin').execute()).toEqual([
      { user_id: adminId },
    ]);

    const unknown = await admin.post('/admin/roles?_action=staff.grantRole', { email: 'no-such-account@example.com', role: 'admin' });
    expect(unknown.status).toBe(404);
  });

  it('are granted only to an account whose address is confirmed; the page shows each account’s state and explains a refusal', async () => {
    // Anyone can register a future employee's address with a password of their own.
    const stranger = await makeAccount(database.db, 'future-hire', [], { verified: false });
    const before = await auditCount(database.db);
    const refused = await admin.post('/admin/roles?_action=staff.grantRole', { email: stranger.email, role: 'admin' });
    expect(refused.status).toBe(409);
    const html = await refused.text();
    expect(fieldError(html, 'email')).toMatch(/has not confirmed its address, so it cannot be given a role/);
    expect(textOf(html)).toContain('npm run user -- add, which takes the account over');
    expect(await database.db.selectFrom('user_role').select('role').where('user_id', '=', stranger.id).execute()).toEqual([]);
    expect(await auditCount(database.db)).toBe(before);

    // Each holder's state is shown (one given a role before the rule shows as not confirmed).
    const confirmed = await makeAccount(database.db, 'confirmed-holder', ['editor']);
    const legacy = await makeAccount(database.db, 'legacy-holder', ['support'], { verified: false });
    const page = await (await admin.get('/admin/roles')).text();
    const card = (id: number) => new RegExp(`data-holder="${id}"[\\s\\S]*?data-verified="(true|false)"`).exec(page)?.[1];
    expect(card(confirmed.id)).toBe('true');
    expect(card(legacy.id)).toBe('false');
    expect(textOf(page)).toContain('Address not confirmed');
    // …and such a role gives nothing until the address is confirmed.
    const legacyClient = new Client(site);
    legacyClient.cookies.set('session', (await createSession(database.db, legacy.id, null)).token);
    expect((await legacyClient.get('/admin/users')).status).toBe(403);

    // Once the address is confirmed, the same grant goes through.
    await database.db.updateTable('user').set({ email_verified_at: new Date().toISOString() }).where('id', '=', stranger.id).execute();
    const granted = await admin.post('/admin/roles?_action=staff.grantRole', { email: stranger.email, role: 'admin' });
    expect(granted.headers.get('location')).toBe('/admin/roles?done=granted');
  });
});

describe('the audit log page', () => {
  it('filters by actor, subject, action and day, and exports the same as CSV', async () => {
    const dana = await customer('audit');
    const day = new Date().toISOString().slice(0, 10); // the day of the reveal below (UTC)
    await support.get(`/admin/users/${dana.id}`);
    await support.post(`/admin/users/${dana.id}?_action=staff.revealField`, {
      userId: String(dana.id),
      field: 'full_name',
      reason: REASON,
    });
    const query = `actor=${supportId}&subject=${encodeURIComponent(dana.email)}&action=account.reveal&from=${day}&to=${new Date().toISOString().slice(0, 10)}`;
    const res = await admin.get(`/admin/audit?${query}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const rows = [...html.matchAll(/data-entry="(\d+)"/g)];
    expect(rows).toHaveLength(1);
    expect(textOf(html)).toContain(REASON);
    expect(textOf(html)).toContain('Full name');
    expect(html).not.toContain('Dana Doe');

    const csv = await admin.get(`/admin/audit.csv?actor=${supportId}&subject=${dana.id}&action=account.reveal`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="customertrackr-audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`,account.reveal,${dana.id},full_name,${REASON}`);

    const bad = await admin.get('/admin/audit?from=2026-13-01');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Enter a date like 2026-11-25.');
    expect((await admin.get('/admin/audit.csv?action=nope')).status).toBe(400);
  });

  it('is refused by the database when anyone tries to change or remove an entry', async () => {
    await expect(sql`update audit_log set reason = 'x'`.execute(database.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log`.execute(database.db)).rejects.toThrow(/append-only/);
  });
});

describe('what the account holder sees', () => {
  it('lists staff access on /account/privacy: when, what, which fields, why — never who', async () => {
    const dana = await customer('transparency');
    await support.get(`/admin/users/${dana.id}`);
    await support.post(`/admin/users/${dana.id}?_action=staff.revealField`, { userId: String(dana.id), field: 'phone', reason: REASON });

    const page = await dana.client.get('/account/privacy');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('private, no-store');
    const html = await page.text();
    const section = html.slice(html.indexOf('<section id="staff-access"'), html.indexOf('<section id="history"'));
    const text = textOf(section);
    expect(text).toContain('Staff access');
    expect(text).toContain('Our support team revealed a masked detail of your account.');
    expect(text).toContain('Fields: Phone number');
    expect(text).toContain(`Reason given: “${REASON}”`);
    expect(text).toContain('Our support team opened your account record, with your personal details masked.');
    expect(text).not.toContain('support-');
    expect(section).not.toMatch(/127\.0\.0\.1|::1/);

    const other = await customer('untouched');
    expect(textOf(await (await other.client.get('/account/privacy')).text())).toContain(
      'Nobody on our staff has looked at or changed your data.',
    );
  });
});
