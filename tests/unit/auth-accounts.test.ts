import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createAccount,
  normalizeEmail,
  registerAccount,
  requestPasswordReset,
  setPasswordWithToken,
  signIn,
  verifyEmail,
} from '../../src/lib/auth/accounts.ts';
import { createEmailToken, EMAIL_TOKEN_TTL_MS } from '../../src/lib/auth/email-tokens.ts';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../../src/lib/auth/passwords.ts';
import { createSession, validateSessionToken } from '../../src/lib/auth/sessions.ts';
import { testDatabase } from '../support/db.ts';
import { linkToken, temporaryOutbox } from '../support/outbox.ts';
import { PASSWORD } from '../support/users.ts';

// The password checks, observed: an unknown address must cost the same verification as a
// wrong password (the real functions still run).
vi.mock('../../src/lib/auth/passwords.ts', async (original) => {
  const real = await original<typeof import('../../src/lib/auth/passwords.ts')>();
  return { ...real, verifyPassword: vi.fn(real.verifyPassword), verifyAgainstDummy: vi.fn(real.verifyAgainstDummy) };
});

// Mail goes to a temporary outbox (config() reads the environment on first use).
const outbox = temporaryOutbox();
afterAll(() => outbox.remove());
const mails = outbox.mails;

const SITE = new URL('https://customertrackr.test');
const t0 = new Date('2026-03-01T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

const database = testDatabase();
beforeEach(async () => {
  outbox.clear();
  await database.db
    .insertInto('policy_version')
    .values({
      effective_date: '2009-01-01',
      version: 1,
      title: 'Privacy Policy',
      content_sha256: 'a'.repeat(64),
      material: 1,
      recorded_at: t0.toISOString(),
    })
    .execute();
});

const register = (email: string, password = PASSWORD) =>
  registerAccount(
    database.db,
    SITE,
    {
      email: normalizeEmail(email)!,
      password,
      policyEffectiveDate: '2009-01-01',
      agreementWording: 'I agree.',
    },
    t0,
  );

describe('normalizeEmail', () => {
  it('trims, keeps what was typed, and compares in lower case', () => {
    expect(normalizeEmail('  Jane.Doe@Example.COM \n')).toEqual({
      email: 'Jane.Doe@Example.COM',
      normalized: 'jane.doe@example.com',
    });
  });

  it.each(['', '   ', 'jane', 'jane@', '@example.com', 'jane doe@example.com', 'jane@example..com', '<jane@example.com>', `${'a'.repeat(250)}@example.com`])(
    'refuses %j',
    (input) => expect(normalizeEmail(input)).toBeUndefined(),
  );
});

describe('registerAccount', () => {
  it('creates the account, records the agreement, and sends a verification link', async () => {
    const outcome = await register(' Jane@Example.com ');
    expect(outcome.kind).toBe('created');
    const user = await database.db.selectFrom('user').selectAll().executeTakeFirstOrThrow();
    expect(user).toMatchObject({
      email: 'Jane@Example.com',
      email_normalized: 'jane@example.com',
      email_verified_at: null,
    });
    expect(user.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await database.db.selectFrom('policy_agreement').selectAll().execute()).toEqual([
      {
        id: 1,
        user_id: user.id,
        policy_effective_date: '2009-01-01',
        agreed_at: t0.toISOString(),
        context: 'registration',
        wording: 'I agree.',
      },
    ]);
    const [mail] = mails();
    expect(mail?.subject).toBe('Confirm your email address for CustomerTrackr');
    expect(mail?.to.toLowerCase()).toBe('jane@example.com');
    expect(mail?.text).toContain('https://customertrackr.test/verify-email?token=');
  });

  it('emails the owner instead when the address is taken, changing nothing', async () => {
    await register('jane@example.com');
    const before = await database.db.selectFrom('user').selectAll().execute();
    const outcome = await register('JANE@example.com', 'a different long password');
    expect(outcome).toEqual({ kind: 'already-registered' });
    expect(await database.db.selectFrom('user').selectAll().execute()).toEqual(before);
    const last = mails().at(-1)!;
    expect(last.subject).toBe('Someone tried to register with your address');
    expect(last.to).toBe('jane@example.com');
    expect(last.text).toContain('https://customertrackr.test/forgot-password');
    expect(linkToken(last)).toBeUndefined(); // no secret in this one
  });
});

describe('signIn', () => {
  beforeEach(() => register('jane@example.com'));

  it('starts a new session for the right password, whatever the address case', async () => {
    const first = await signIn(database.db, ' JANE@example.com ', PASSWORD, null, t0);
    const second = await signIn(database.db, 'jane@example.com', PASSWORD, null, t0);
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    expect(first.token).not.toBe(second.token);
    expect((await validateSessionToken(database.db, first.token, t0))?.user.email).toBe('jane@example.com');
    const user = await database.db.selectFrom('user').select('last_sign_in_at').executeTakeFirstOrThrow();
    expect(user.last_sign_in_at).toBe(t0.toISOString());
  });

  it('fails the same way for a wrong password, an unknown address and an account without a password', async () => {
    await createAccount(database.db, normalizeEmail('ops@example.com')!, ['admin'], null);
    expect(await signIn(database.db, 'jane@example.com', `${PASSWORD}!`, null, t0)).toEqual({ ok: false });
    expect(await signIn(database.db, 'nobody@example.com', PASSWORD, null, t0)).toEqual({ ok: false });
    expect(await signIn(database.db, 'ops@example.com', PASSWORD, null, t0)).toEqual({ ok: false });
    expect(await signIn(database.db, 'not an address', PASSWORD, null, t0)).toEqual({ ok: false });
    expect(await database.db.selectFrom('session').selectAll().execute()).toEqual([]);
  });

  it('does the same work for an unknown address as for a wrong password: one argon2id verification', async () => {
    const calls = () => ({ real: vi.mocked(verifyPassword).mock.calls.length, dummy: vi.mocked(verifyAgainstDummy).mock.calls.length });
    vi.mocked(verifyPassword).mockClear();
    vi.mocked(verifyAgainstDummy).mockClear();
    await signIn(database.db, 'jane@example.com', 'not the password at all', null, t0);
    expect(calls()).toEqual({ real: 1, dummy: 0 });
    // No such account, and an account with no password yet: the dummy hash is checked instead.
    await signIn(database.db, 'nobody@example.com', 'not the password at all', null, t0);
    await signIn(database.db, 'ops@example.com', 'not the password at all', null, t0);
    expect(calls()).toEqual({ real: 1, dummy: 2 });
    expect(vi.mocked(verifyAgainstDummy).mock.calls).toEqual([['not the password at all'], ['not the password at all']]);
  });

  it('does not wait for the address to be verified', async () => {
    const user = await database.db.selectFrom('user').select('email_verified_at').executeTakeFirstOrThrow();
    expect(user.email_verified_at).toBeNull();
    expect((await signIn(database.db, 'jane@example.com', PASSWORD, null, t0)).ok).toBe(true);
  });
});

describe('verifyEmail', () => {
  it('verifies with the emailed link once', async () => {
    await register('jane@example.com');
    const token = linkToken(mails()[0]!)!;
    expect(await verifyEmail(database.db, token, at(60_000))).toEqual({
      ok: true,
    });
    const user = await database.db.selectFrom('user').select('email_verified_at').executeTakeFirstOrThrow();
    expect(user.email_verified_at).toBe(at(60_000).toISOString());
    expect(await verifyEmail(database.db, token, at(120_000))).toEqual({
      ok: false,
      problem: 'used',
    });
  });

  it('refuses an expired link', async () => {
    await register('jane@example.com');
    const token = linkToken(mails()[0]!)!;
    expect(await verifyEmail(database.db, token, at(EMAIL_TOKEN_TTL_MS['verify-email']))).toEqual({ ok: false, problem: 'expired' });
    const user = await database.db.selectFrom('user').select('email_verified_at').executeTakeFirstOrThrow();
    expect(user.email_verified_at).toBeNull();
  });
});

describe('password reset', () => {
  let userId: number;
  beforeEach(async () => {
    const outcome = await register('jane@example.com');
    if (outcome.kind !== 'created') throw new Error('not created');
    userId = outcome.userId;
  });

  const resetToken = async () => {
    await requestPasswordReset(database.db, SITE, 'Jane@Example.com', t0);
    const mail = mails().at(-1)!;
    expect(mail.subject).toBe('Reset your CustomerTrackr password');
    return linkToken(mail)!;
  };

  it('emails nothing for an unknown address', async () => {
    const before = mails().length;
    await requestPasswordReset(database.db, SITE, 'nobody@example.com', t0);
    expect(mails()).toHaveLength(before);
  });

  it('sets the new password once, and ends every session', async () => {
    const sessions = [await createSession(database.db, userId, null, t0), await createSession(database.db, userId, null, t0)];
    const token = await resetToken();
    const newPassword = 'a brand new long passphrase';
    expect(await setPasswordWithToken(database.db, token, 'reset-password', newPassword, at(1000))).toEqual({ ok: true, userId });
    for (const s of sessions) expect(await validateSessionToken(database.db, s.token, at(2000))).toBeUndefined();
    expect((await signIn(database.db, 'jane@example.com', newPassword, null, at(3000))).ok).toBe(true);
    expect((await signIn(database.db, 'jane@example.com', PASSWORD, null, at(3000))).ok).toBe(false);
    // The link is spent.
    expect(await setPasswordWithToken(database.db, token, 'reset-password', 'yet another long passphrase', at(4000))).toEqual({ ok: false, problem: 'used' });
    expect((await signIn(database.db, 'jane@example.com', newPassword, null, at(5000))).ok).toBe(true);
  });

  it('refuses an expired link and changes nothing', async () => {
    const session = await createSession(database.db, userId, null, t0);
    const token = await resetToken();
    const result = await setPasswordWithToken(database.db, token, 'reset-password', 'a brand new long passphrase', at(EMAIL_TOKEN_TTL_MS['reset-password']));
    expect(result).toEqual({ ok: false, problem: 'expired' });
    expect(await validateSessionToken(database.db, session.token, at(1000))).toBeDefined();
    expect((await signIn(database.db, 'jane@example.com', PASSWORD, null, at(1000))).ok).toBe(true);
  });

  it('keeps the link usable when the new password is refused', async () => {
    const token = await resetToken();
    const refused = await setPasswordWithToken(database.db, token, 'reset-password', 'jane@example.com jane', at(1000));
    expect(refused).toMatchObject({
      ok: false,
      passwordProblem: expect.stringMatching(/email/),
    });
    expect((await setPasswordWithToken(database.db, token, 'reset-password', 'a brand new long passphrase', at(2000))).ok).toBe(true);
  });

  it('does not accept a reset link as a verification link or the other way round', async () => {
    const verifyToken = linkToken(mails()[0]!)!;
    const token = await resetToken();
    expect(await setPasswordWithToken(database.db, verifyToken, 'reset-password', 'a brand new long passphrase', at(1000))).toEqual({
      ok: false,
      problem: 'invalid',
    });
    expect(await verifyEmail(database.db, token, at(1000))).toEqual({
      ok: false,
      problem: 'invalid',
    });
  });
});

describe('an operator-created account', () => {
  it('gets its first password through a set-password link, which also verifies nothing else', async () => {
    const id = await createAccount(database.db, normalizeEmail('ops@example.com')!, ['support'], null, t0);
    const token = await createEmailToken(database.db, id, 'set-password', 'ops@example.com', t0);
    // A set-password link is not a reset link.
    expect(await setPasswordWithToken(database.db, token, 'reset-password', 'a brand new long passphrase', at(1000))).toEqual({
      ok: false,
      problem: 'invalid',
    });
    expect(await setPasswordWithToken(database.db, token, 'set-password', 'a brand new long passphrase', at(1000))).toEqual({ ok: true, userId: id });
    expect((await signIn(database.db, 'ops@example.com', 'a brand new long passphrase', null, at(2000))).ok).toBe(true);
  });

  it('can be given a password hash directly (--password-stdin)', async () => {
    await createAccount(database.db, normalizeEmail('ops@example.com')!, [], await hashPassword(PASSWORD), t0);
    expect((await signIn(database.db, 'ops@example.com', PASSWORD, null, t0)).ok).toBe(true);
  });
});
