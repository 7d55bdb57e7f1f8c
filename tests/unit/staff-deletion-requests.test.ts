// Deletion requests received by email (src/lib/staff/deletion-requests.ts): the whole path,
// the erasure it shares with self-service deletion, the audit entries, and what is left.
import { beforeEach, describe, expect, it } from 'vitest';
import { eraseAccount, listDeletionRecords } from '../../src/lib/accounts/index.ts';
import { createSession } from '../../src/lib/auth/index.ts';
import {
  cancelDeletionRequest,
  checkDeletionLink,
  checkDeletionRequestForm,
  completeConfirmedRequest,
  confirmDeletionByLink,
  deleteWithVerifiedIdentity,
  DELETION_LINK_TTL_MS,
  deletionQueue,
  getDeletionRequest,
  recordDeletionRequest,
  resendDeletionLink,
  type DeletionRequestForm,
} from '../../src/lib/staff/index.ts';
import { linkToken, queuedMail } from '../support/outbox.ts';
import { account, staffDatabase } from '../support/staff.ts';

const SITE = new URL('https://ct.example');
const t0 = new Date('2026-11-25T10:00:00.000Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

const database = staffDatabase();
let actor: { userId: number; ip: string };
beforeEach(async () => {
  actor = { userId: await account(database, 'support@customertrackr.com', ['support'], {}, t0), ip: '203.0.113.9' };
});

function form(email: string, ticket = 'ZD-1001'): DeletionRequestForm {
  const checked = checkDeletionRequestForm({ email, ticket, receivedAt: '2026-11-25T09:30' }, t0);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return checked.value;
}

async function record(email: string, ticket?: string, by: { userId: number; ip: string } = actor) {
  const outcome = await recordDeletionRequest(database.db, SITE, by, form(email, ticket), t0);
  if (!outcome.ok) throw new Error(outcome.problem);
  const mail = (await queuedMail(database)).at(-1)!;
  return { id: outcome.id, mail, token: linkToken(mail)! };
}

const log = async () =>
  database.db
    .selectFrom('audit_log')
    .select(['action', 'actor_user_id', 'actor_ip', 'subject_user_id', 'fields', 'reason'])
    .orderBy('id')
    .execute();
const row = (id: number) => database.db.selectFrom('deletion_request').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('the form', () => {
  it('needs an address and a ticket; the time is UTC, now when empty, never in the future', () => {
    expect(checkDeletionRequestForm({}, t0)).toEqual({
      ok: false,
      errors: { email: expect.stringMatching(/address the request came from/), ticket: expect.stringMatching(/ticket reference/) },
    });
    expect(checkDeletionRequestForm({ email: 'x@example.com', ticket: 'T-1', receivedAt: '' }, t0)).toMatchObject({
      ok: true,
      value: { receivedAt: t0 },
    });
    expect(checkDeletionRequestForm({ email: 'x@example.com', ticket: 'T-1', receivedAt: '2026-11-24T23:15' }, t0)).toMatchObject({
      ok: true,
      value: { receivedAt: new Date('2026-11-24T23:15:00.000Z'), ticket: 'T-1', email: { normalized: 'x@example.com' } },
    });
    expect(checkDeletionRequestForm({ email: 'x@example.com', ticket: 'T-1', receivedAt: '2026-11-26T10:00' }, t0)).toMatchObject({
      ok: false,
      errors: { receivedAt: expect.stringMatching(/future/) },
    });
    expect(checkDeletionRequestForm({ email: 'x@example.com', ticket: 'T-1', receivedAt: '2026-02-30T10:00' }, t0)).toMatchObject({
      ok: false,
      errors: { receivedAt: expect.any(String) },
    });
    expect(checkDeletionRequestForm({ email: 'x@example.com', ticket: 'x'.repeat(101) }, t0)).toMatchObject({
      ok: false,
      errors: { ticket: 'Use at most 100 characters.' },
    });
  });
});

describe('the path of a request', () => {
  it('record → email → confirm with the link → erased through the same erasure, audited, nothing personal left', async () => {
    const user = await account(database, 'leaving@example.com', [], { full_name: 'Lee Leaving', phone: '+1 617 555 0100' }, t0);
    await createSession(database.db, user, null, t0);
    const { id, mail, token } = await record('Leaving@Example.com');
    expect(mail).toMatchObject({ to: 'leaving@example.com', subject: 'Confirm the deletion of your CustomerTrackr account' });
    expect(mail.text).toContain(`https://ct.example/account/confirm-deletion?token=${token}`);
    expect(mail.text).toContain('ZD-1001');
    expect(await getDeletionRequest(database.db, id, t0)).toMatchObject({
      status: 'pending',
      ticket: 'ZD-1001',
      maskedEmail: 'L•••@Example.com',
      userId: user,
      receivedAt: '2026-11-25T09:30:00.000Z',
      linkExpiresAt: new Date(t0.getTime() + DELETION_LINK_TTL_MS).toISOString(),
      linkExpired: false,
    });
    // Only a hash of the link's secret is stored.
    expect(JSON.stringify(await row(id))).not.toContain(token.split('.')[1]);

    expect(await checkDeletionLink(database.db, token, later(60_000))).toBeUndefined();
    expect(await confirmDeletionByLink(database.db, token, later(60_000))).toEqual({ ok: true, deleted: true });

    expect(await database.db.selectFrom('user').select('id').where('id', '=', user).executeTakeFirst()).toBeUndefined();
    expect(await database.db.selectFrom('session').select('id').where('user_id', '=', user).execute()).toEqual([]);
    expect(await listDeletionRecords(database.db)).toEqual([expect.objectContaining({ via: 'support' })]);
    expect((await queuedMail(database)).at(-1)).toMatchObject({
      to: 'leaving@example.com',
      subject: 'Your CustomerTrackr account has been deleted',
    });

    const closed = await row(id);
    expect(closed).toMatchObject({
      status: 'completed',
      requester_email: null,
      user_id: null,
      token_id: null,
      token_hash: null,
      token_expires_at: null,
      confirmed_via: 'email-link',
      confirmed_at: later(60_000).toISOString(),
      closed_at: later(60_000).toISOString(),
      ticket: 'ZD-1001',
    });
    expect(JSON.stringify(closed)).not.toMatch(/leaving|Lee|0100/i);

    expect(await log()).toEqual([
      {
        action: 'deletion-request.record',
        actor_user_id: actor.userId,
        actor_ip: '203.0.113.9',
        subject_user_id: user,
        fields: '["email"]',
        reason: 'Deletion request ZD-1001 received by email',
      },
      {
        action: 'account.delete',
        actor_user_id: null,
        actor_ip: null,
        subject_user_id: user,
        fields: '[]',
        reason: 'Deletion request ZD-1001 confirmed with the emailed link',
      },
    ]);

    // The link works once.
    expect(await confirmDeletionByLink(database.db, token, later(120_000))).toEqual({ ok: false, problem: 'invalid' });
    const queue = await deletionQueue(database.db, later(120_000));
    expect(queue.pending).toEqual([]);
    expect(queue.closed).toEqual([expect.objectContaining({ id, status: 'completed', maskedEmail: null, userId: null })]);
  });

  it('refuses an address without an account, and a second open request for the same account', async () => {
    expect(await recordDeletionRequest(database.db, SITE, actor, form('nobody@example.com'), t0)).toEqual({
      ok: false,
      problem: 'no-account',
    });
    await account(database, 'twice@example.com', [], {}, t0);
    const { id } = await record('twice@example.com');
    expect(await recordDeletionRequest(database.db, SITE, actor, form('twice@example.com', 'ZD-2'), t0)).toEqual({
      ok: false,
      problem: 'already-open',
      id,
    });
  });

  it('expires the link after 7 days; a new link replaces it', async () => {
    await account(database, 'slow@example.com', [], {}, t0);
    const { id, token } = await record('slow@example.com');
    const eightDays = later(8 * 24 * 3_600_000);
    expect(await checkDeletionLink(database.db, token, eightDays)).toBe('expired');
    expect(await confirmDeletionByLink(database.db, token, eightDays)).toEqual({ ok: false, problem: 'expired' });
    expect((await getDeletionRequest(database.db, id, eightDays))!.linkExpired).toBe(true);

    expect(await resendDeletionLink(database.db, SITE, actor, id, eightDays)).toEqual({ ok: true });
    const fresh = linkToken((await queuedMail(database)).at(-1)!)!;
    expect(await checkDeletionLink(database.db, token, eightDays)).toBe('invalid');
    expect(await confirmDeletionByLink(database.db, fresh, eightDays)).toEqual({ ok: true, deleted: true });
    expect((await log()).map((e) => e.action)).toEqual(['deletion-request.record', 'deletion-request.resend', 'account.delete']);
  });

  it('refuses tampered and malformed links', async () => {
    await account(database, 'tamper@example.com', [], {}, t0);
    const { token } = await record('tamper@example.com');
    const [lookup, secret] = token.split('.') as [string, string];
    for (const bad of [`${lookup}.${'a'.repeat(32)}`, `${'b'.repeat(24)}.${secret}`, '', 'x', `${token}x`]) {
      expect(await confirmDeletionByLink(database.db, bad, t0), bad).toEqual({ ok: false, problem: 'invalid' });
    }
    expect(
      await database.db.selectFrom('user').select('id').where('email_normalized', '=', 'tamper@example.com').executeTakeFirst(),
    ).toBeDefined();
  });
});

describe('support’s decisions', () => {
  it('deletes without the emailed confirmation, with the reason, when identity was verified another way', async () => {
    const user = await account(database, 'verified@example.com', [], {}, t0);
    const { id, token } = await record('verified@example.com');
    expect(
      await deleteWithVerifiedIdentity(database.db, actor, id, 'Verified on a video call against the ID on file', later(1000)),
    ).toEqual({ ok: true });
    expect(await row(id)).toMatchObject({ status: 'completed', confirmed_via: 'support', requester_email: null, user_id: null });
    expect((await log()).at(-1)).toEqual({
      action: 'account.delete',
      actor_user_id: actor.userId,
      actor_ip: '203.0.113.9',
      subject_user_id: user,
      fields: '[]',
      reason: 'Verified on a video call against the ID on file',
    });
    expect(await confirmDeletionByLink(database.db, token, later(2000))).toEqual({ ok: false, problem: 'invalid' });
    expect(await deleteWithVerifiedIdentity(database.db, actor, id, 'Again, by mistake, should fail')).toEqual({
      ok: false,
      problem: 'not-pending',
    });
  });

  it('cancels with a reason: the request forgets the address, the account stays', async () => {
    const user = await account(database, 'changed-mind@example.com', [], {}, t0);
    const { id, token } = await record('changed-mind@example.com');
    expect(await cancelDeletionRequest(database.db, actor, id, 'The requester wrote back to withdraw it', later(1000))).toEqual({
      ok: true,
    });
    expect(await row(id)).toMatchObject({
      status: 'cancelled',
      requester_email: null,
      token_id: null,
      user_id: user,
      closed_at: later(1000).toISOString(),
    });
    expect(await confirmDeletionByLink(database.db, token, later(2000))).toEqual({ ok: false, problem: 'invalid' });
    expect(await database.db.selectFrom('user').select('id').where('id', '=', user).executeTakeFirst()).toEqual({ id: user });
    expect((await log()).at(-1)).toMatchObject({
      action: 'deletion-request.cancel',
      subject_user_id: user,
      reason: 'The requester wrote back to withdraw it',
    });
    expect(await cancelDeletionRequest(database.db, actor, id, 'The requester wrote back to withdraw it')).toEqual({
      ok: false,
      problem: 'closed',
    });
  });

  it('completes a confirmed request whose erasure did not finish', async () => {
    const user = await account(database, 'stuck@example.com', [], {}, t0);
    const { id } = await record('stuck@example.com');
    // As if the erasure step had failed after the confirmation was committed.
    await database.db
      .updateTable('deletion_request')
      .set({ status: 'confirmed', confirmed_via: 'email-link', confirmed_at: t0.toISOString(), token_id: null, token_hash: null })
      .where('id', '=', id)
      .execute();
    expect((await deletionQueue(database.db)).confirmed.map((r) => r.id)).toEqual([id]);
    expect(await completeConfirmedRequest(database.db, actor, id, later(1000))).toEqual({ ok: true });
    expect(await database.db.selectFrom('user').select('id').where('id', '=', user).executeTakeFirst()).toBeUndefined();
    expect((await log()).at(-1)).toMatchObject({
      action: 'account.delete',
      actor_user_id: actor.userId,
      reason: 'Deletion request ZD-1001 confirmed with the emailed link',
    });
  });

  it('never deletes the last admin: the link is not used up, and the admin is told why', async () => {
    const admin = await account(database, 'only-admin@customertrackr.com', ['admin'], {}, t0);
    // Only an admin acts on a staff account (here, the only admin, on their own account).
    const self = { userId: admin, ip: '203.0.113.10' };
    const { id, token } = await record('only-admin@customertrackr.com', undefined, self);
    expect(await confirmDeletionByLink(database.db, token, later(1000))).toEqual({ ok: false, problem: 'last-admin' });
    expect(await deleteWithVerifiedIdentity(database.db, self, id, 'Verified in person at the office')).toEqual({
      ok: false,
      problem: 'last-admin',
    });
    expect(await row(id)).toMatchObject({ status: 'pending' });
    expect(await database.db.selectFrom('user').select('id').where('id', '=', admin).executeTakeFirst()).toEqual({ id: admin });
  });
});

describe('a staff account', () => {
  it('is out of support’s reach: every action on it is refused, nothing is written; an admin may act', async () => {
    const admin = await account(database, 'admin@customertrackr.com', ['admin'], {}, t0);
    const byAdmin = { userId: admin, ip: '203.0.113.10' };
    await account(database, 'editor@customertrackr.com', ['editor'], {}, t0);
    const before = (await log()).length;
    expect(await recordDeletionRequest(database.db, SITE, actor, form('editor@customertrackr.com'), t0)).toEqual({
      ok: false,
      problem: 'staff-account',
    });
    expect(await recordDeletionRequest(database.db, SITE, actor, form('admin@customertrackr.com'), t0)).toEqual({
      ok: false,
      problem: 'staff-account',
    });
    expect(await log()).toHaveLength(before);

    // A request recorded by an admin: support can neither resend, delete, complete nor cancel it.
    const { id } = await record('editor@customertrackr.com', 'ZD-9', byAdmin);
    const after = (await log()).length;
    expect(await resendDeletionLink(database.db, SITE, actor, id, later(1000))).toEqual({ ok: false, problem: 'staff-account' });
    expect(await deleteWithVerifiedIdentity(database.db, actor, id, 'Verified on a call, says support')).toEqual({
      ok: false,
      problem: 'staff-account',
    });
    expect(await cancelDeletionRequest(database.db, actor, id, 'Withdrawn, says support')).toEqual({ ok: false, problem: 'staff-account' });
    await database.db
      .updateTable('deletion_request')
      .set({ status: 'confirmed', confirmed_via: 'email-link', confirmed_at: t0.toISOString() })
      .where('id', '=', id)
      .execute();
    expect(await completeConfirmedRequest(database.db, actor, id, later(1000))).toEqual({ ok: false, problem: 'staff-account' });
    expect(await log()).toHaveLength(after);
    expect(await row(id)).toMatchObject({ status: 'confirmed' });

    expect(await completeConfirmedRequest(database.db, byAdmin, id, later(2000))).toEqual({ ok: true });
  });
});

describe('erasure by another path', () => {
  it('closes an open request and forgets its address when the holder deletes the account themselves', async () => {
    const user = await account(database, 'self@example.com', [], {}, t0);
    const { id } = await record('self@example.com');
    await eraseAccount(database.db, user, 'self-service');
    expect(await row(id)).toMatchObject({
      status: 'completed',
      requester_email: null,
      token_id: null,
      user_id: null,
      confirmed_via: null,
      closed_at: expect.any(String),
    });
    expect((await deletionQueue(database.db)).closed.map((r) => r.id)).toEqual([id]);
  });

  it('the database refuses a closed request that still holds an address', async () => {
    const user = await account(database, 'check@example.com', [], {}, t0);
    const { id } = await record('check@example.com');
    await expect(
      database.db.updateTable('deletion_request').set({ status: 'completed', closed_at: t0.toISOString() }).where('id', '=', id).execute(),
    ).rejects.toThrow(/CHECK constraint failed|violates check constraint/);
    expect(user).toBeGreaterThan(0);
  });
});
