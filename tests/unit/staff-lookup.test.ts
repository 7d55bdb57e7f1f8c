// Support's tools on one account (src/lib/staff/lookup.ts): every read and change of personal
// data writes one audit entry, in the same transaction; details are masked unless revealed.
import { beforeEach, describe, expect, it } from 'vitest';
import { createSession } from '../../src/lib/auth/index.ts';
import { endSessions, resendVerification, revealField, searchAccounts, viewAccount } from '../../src/lib/staff/index.ts';
import { queuedMail } from '../support/outbox.ts';
import { account, staffDatabase } from '../support/staff.ts';

const database = staffDatabase();
let actor: { userId: number; ip: string };
beforeEach(async () => {
  actor = { userId: await account(database, 'support@customertrackr.com', ['support']), ip: '203.0.113.5' };
});

async function entries() {
  return database.db
    .selectFrom('audit_log')
    .select(['actor_user_id', 'actor_ip', 'action', 'subject_user_id', 'fields', 'reason'])
    .orderBy('id')
    .execute();
}

describe('searchAccounts', () => {
  it('finds the exact address first, then addresses that begin with it; masked; one entry per account listed', async () => {
    const jane = await account(database, 'jane@example.com');
    const janet = await account(database, 'janet@example.org');
    await account(database, 'bob@example.com');
    const found = await searchAccounts(database.db, actor, '  JANE@example.com ');
    expect(found).toEqual({
      ok: true,
      truncated: false,
      accounts: [{ id: jane, maskedEmail: 'j•••@example.com', createdAt: expect.any(String), emailVerified: true }],
    });
    const prefix = await searchAccounts(database.db, actor, 'jan');
    expect(prefix.ok && prefix.accounts.map((a) => [a.id, a.maskedEmail])).toEqual([
      [jane, 'jan•••@example.com'],
      [janet, 'jan•••@example.org'],
    ]);
    expect(JSON.stringify(prefix)).not.toContain('jane@');
    expect(await entries()).toEqual([
      {
        actor_user_id: actor.userId,
        actor_ip: '203.0.113.5',
        action: 'account.search',
        subject_user_id: jane,
        fields: '["email"]',
        reason: null,
      },
      {
        actor_user_id: actor.userId,
        actor_ip: '203.0.113.5',
        action: 'account.search',
        subject_user_id: jane,
        fields: '["email"]',
        reason: null,
      },
      {
        actor_user_id: actor.userId,
        actor_ip: '203.0.113.5',
        action: 'account.search',
        subject_user_id: janet,
        fields: '["email"]',
        reason: null,
      },
    ]);
  });

  it('matches what was typed literally (no wildcards), needs 3 characters, lists at most 20', async () => {
    await account(database, 'a_b@example.com');
    await account(database, 'axb@example.com');
    const literal = await searchAccounts(database.db, actor, 'a_b');
    expect(literal.ok && literal.accounts.map((a) => a.maskedEmail)).toEqual(['a•••@example.com']);
    const percent = await searchAccounts(database.db, actor, '%%%');
    expect(percent).toEqual({ ok: true, truncated: false, accounts: [] });
    expect(await searchAccounts(database.db, actor, 'ab')).toEqual({ ok: false, message: 'Type at least 3 characters of the address.' });
    for (let i = 0; i < 21; i++) await account(database, `many${String(i).padStart(2, '0')}@example.com`);
    const many = await searchAccounts(database.db, actor, 'many');
    expect(many.ok && [many.accounts.length, many.truncated]).toEqual([20, true]);
  });
});

describe('viewAccount and revealField', () => {
  it('shows the record masked, and records the read with the fields shown', async () => {
    const user = await account(database, 'sam.sample@example.com', [], {
      full_name: 'Sam Sample',
      phone: '+1 617 555 0142',
      company: 'Acme',
    });
    await createSession(database.db, user, null);
    const record = await viewAccount(database.db, actor, user);
    expect(record).toMatchObject({
      id: user,
      emailVerified: true,
      roles: [],
      activeSessions: 1,
      deletionRequest: null,
      masked: { email: 's•••@example.com', display_name: null, full_name: 'S•••', company: 'A•••', job_title: null, phone: '•••• 42' },
    });
    expect(JSON.stringify(record)).not.toMatch(/Sam|Sample|0142|Acme|sam\.sample/);
    expect(await entries()).toEqual([
      {
        actor_user_id: actor.userId,
        actor_ip: '203.0.113.5',
        action: 'account.view',
        subject_user_id: user,
        fields: '["email","full_name","company","phone"]',
        reason: null,
      },
    ]);
    expect(await viewAccount(database.db, actor, 9999)).toBeUndefined();
    expect(await entries()).toHaveLength(1);
  });

  it('reveals one field with the reason, and records that field and reason (never the value)', async () => {
    const user = await account(database, 'reveal@example.com', [], { phone: '+1 617 555 0142' });
    expect(await revealField(database.db, actor, user, 'phone', 'Caller asked us to confirm the number on file')).toEqual({
      field: 'phone',
      value: '+1 617 555 0142',
    });
    expect(await revealField(database.db, actor, user, 'job_title', 'Checking whether a job title is on file')).toEqual({
      field: 'job_title',
      value: null,
    });
    const log = await entries();
    expect(log.map((e) => [e.action, e.fields, e.reason])).toEqual([
      ['account.reveal', '["phone"]', 'Caller asked us to confirm the number on file'],
      ['account.reveal', '["job_title"]', 'Checking whether a job title is on file'],
    ]);
    expect(JSON.stringify(log)).not.toContain('555');
  });

  it('does not reveal when the entry cannot be written: the read and the entry are one transaction', async () => {
    const user = await account(database, 'atomic@example.com', [], { phone: '+1 617 555 0142' });
    await expect(revealField(database.db, actor, user, 'phone', 'x'.repeat(501))).rejects.toThrow(/at most 500/);
    expect(await entries()).toEqual([]);
  });
});

describe('endSessions and resendVerification', () => {
  it('ends every session with the reason, audited', async () => {
    const user = await account(database, 'sessions@example.com');
    await createSession(database.db, user, null);
    await createSession(database.db, user, null);
    const other = await account(database, 'other@example.com');
    await createSession(database.db, other, null);
    expect(await endSessions(database.db, actor, user, 'Reported a stolen laptop on the phone')).toBe(2);
    expect(await database.db.selectFrom('session').select('user_id').execute()).toEqual([{ user_id: other }]);
    expect(await entries()).toEqual([
      {
        actor_user_id: actor.userId,
        actor_ip: '203.0.113.5',
        action: 'account.end-sessions',
        subject_user_id: user,
        fields: '[]',
        reason: 'Reported a stolen laptop on the phone',
      },
    ]);
    expect(await endSessions(database.db, actor, 9999, 'Reported a stolen laptop on the phone')).toBeUndefined();
  });

  it('sends a new confirmation link to an unconfirmed address only, audited before sending', async () => {
    const user = await account(database, 'unconfirmed@example.com');
    await database.db.updateTable('user').set({ email_verified_at: null }).where('id', '=', user).execute();
    expect(await resendVerification(database.db, new URL('https://ct.example'), actor, user)).toEqual({ ok: true });
    expect(await queuedMail(database)).toEqual([
      expect.objectContaining({ to: 'unconfirmed@example.com', subject: 'Confirm your email address for CustomerTrackr' }),
    ]);
    expect((await entries()).map((e) => [e.action, e.fields])).toEqual([['account.resend-verification', '["email"]']]);

    const confirmed = await account(database, 'confirmed@example.com');
    expect(await resendVerification(database.db, new URL('https://ct.example'), actor, confirmed)).toEqual({
      ok: false,
      problem: 'already-verified',
    });
    expect(await resendVerification(database.db, new URL('https://ct.example'), actor, 9999)).toEqual({ ok: false, problem: 'no-account' });
    expect(await queuedMail(database)).toHaveLength(1);
    expect(await entries()).toHaveLength(1);
  });
});

describe('a staff account', () => {
  it('is out of support’s reach: no reveal, no ending its sessions, no resend; nothing is written; an admin may', async () => {
    const admin = await account(database, 'admin@customertrackr.com', ['admin']);
    const byAdmin = { userId: admin, ip: '203.0.113.6' };
    const editor = await account(database, 'editor@customertrackr.com', ['editor']);
    await createSession(database.db, editor, null);
    await createSession(database.db, admin, null);
    expect(await revealField(database.db, actor, editor, 'email', 'Support wants to see it')).toBe('staff-account');
    expect(await endSessions(database.db, actor, admin, 'Support wants the admin out')).toBe('staff-account');
    expect(await endSessions(database.db, actor, editor, 'Support wants the editor out')).toBe('staff-account');
    await database.db.updateTable('user').set({ email_verified_at: null }).where('id', '=', editor).execute();
    expect(await resendVerification(database.db, new URL('https://customertrackr.test'), actor, editor)).toEqual({
      ok: false,
      problem: 'staff-account',
    });
    expect(await entries()).toEqual([]);
    expect(await database.db.selectFrom('session').select('user_id').where('user_id', 'in', [admin, editor]).execute()).toHaveLength(2);

    expect(await endSessions(database.db, byAdmin, editor, 'The editor lost their laptop')).toBe(1);
    expect(await revealField(database.db, byAdmin, editor, 'email', 'Checking the address we hold')).toEqual({
      field: 'email',
      value: 'editor@customertrackr.com',
    });
  });
});
