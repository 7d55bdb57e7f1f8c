import { beforeEach, describe, expect, it, vi } from 'vitest';
import { findUserByEmail, normalizeEmail } from '../../src/lib/auth/email-address.ts';
import { verifyEmail } from '../../src/lib/auth/email-verification.ts';
import { addAccountForOwner, createAccount } from '../../src/lib/auth/operator-accounts.ts';
import { registerAccount } from '../../src/lib/auth/registration.ts';
import { grantRole } from '../../src/lib/auth/role-grants.ts';
import { setPasswordWithToken } from '../../src/lib/auth/set-password.ts';
import { signIn } from '../../src/lib/auth/sign-in.ts';
import { queuePasswordResets, requestPasswordReset, startResetWorker } from '../../src/lib/auth/reset-queue.ts';
import { checkEmailToken, createEmailToken, EMAIL_TOKEN_TTL_MS } from '../../src/lib/auth/email-tokens.ts';
import { hashPassword, strengthEstimates, verifyAgainstDummy, verifyPassword } from '../../src/lib/auth/passwords.ts';
import { createSession, validateSessionToken } from '../../src/lib/auth/sessions.ts';
import { testDatabase } from '../support/db.ts';
import { linkToken, queuedMail } from '../support/outbox.ts';
import { PASSWORD } from '../support/users.ts';

// The password checks, observed: an unknown address must cost the same verification as a
// wrong password (the real functions still run).
vi.mock('../../src/lib/auth/passwords.ts', async (original) => {
  const real = await original<typeof import('../../src/lib/auth/passwords.ts')>();
  return { ...real, verifyPassword: vi.fn(real.verifyPassword), verifyAgainstDummy: vi.fn(real.verifyAgainstDummy) };
});

vi.mock('../../src/lib/auth/email-address.ts', async (original) => {
  const real = await original<typeof import('../../src/lib/auth/email-address.ts')>();
  return { ...real, findUserByEmail: vi.fn(real.findUserByEmail) };
});

const SITE = new URL('https://customertrackr.test');
const t0 = new Date('2026-03-01T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

const database = testDatabase();
// Mail is queued in the database's outbox, in the transaction of its change.
const mails = () => queuedMail(database);
beforeEach(async () => {
  await database.db
    .insertInto('policy_version')
    .values({
      effective_date: '2009-01-01',
      version: 1,
      title: 'Privacy Policy',
      content_sha256: 'a'.repeat(64),
      material: true,
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

  it.each([
    '',
    '   ',
    'jane',
    'jane@',
    '@example.com',
    'jane doe@example.com',
    'jane@example..com',
    '<jane@example.com>',
    `${'a'.repeat(250)}@example.com`,
  ])('refuses %j', (input) => expect(normalizeEmail(input)).toBeUndefined());
});

describe('registerAccount', () => {
  it('answers a registration that lost a race for its address like any taken address, without failing', async () => {
    expect((await register('race@example.com')).kind).toBe('created');
    // The other registration commits between this one's check and its insert: the check saw
    // nothing, and the unique key on the address decides.
    vi.mocked(findUserByEmail).mockResolvedValueOnce(undefined);
    expect(await register('race@example.com')).toEqual({ kind: 'already-registered' });
    expect(await database.db.selectFrom('user').select('id').where('email_normalized', '=', 'race@example.com').execute()).toHaveLength(1);
    // One verification message, and nothing more: its owner registered a moment ago.
    expect((await mails()).map((m) => m.subject)).toEqual(['Confirm your email address for CustomerTrackr']);
  });

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
    const [mail] = await mails();
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
    const last = (await mails()).at(-1)!;
    expect(last.subject).toBe('Someone tried to register with your address');
    expect(last.to).toBe('jane@example.com');
    expect(last.text).toContain('https://customertrackr.test/forgot-password');
    expect(linkToken(last)).toBeUndefined(); // no secret in this one
  });

  it('tells the owner of attempts with their address at most once a day', async () => {
    await register('jane@example.com');
    for (let i = 0; i < 5; i++)
      expect(await register('Jane@example.com', `another long password ${i}`)).toEqual({ kind: 'already-registered' });
    expect((await mails()).filter((m) => m.subject === 'Someone tried to register with your address')).toHaveLength(1);
    const nextDay = new Date(t0.getTime() + 24 * 60 * 60_000);
    await registerAccount(
      database.db,
      SITE,
      { email: normalizeEmail('jane@example.com')!, password: PASSWORD, policyEffectiveDate: '2009-01-01', agreementWording: 'I agree.' },
      nextDay,
    );
    expect((await mails()).filter((m) => m.subject === 'Someone tried to register with your address')).toHaveLength(2);
  });

  it('checks the password once, with the address as context, before hashing or writing anything', async () => {
    const before = strengthEstimates();
    expect(await register('jane@example.com', 'jane@example.com')).toEqual({
      kind: 'weak-password',
      reason: expect.stringMatching(/email address/),
    });
    expect(strengthEstimates() - before).toBe(1);
    expect(await database.db.selectFrom('user').selectAll().execute()).toEqual([]);
    expect(await mails()).toEqual([]);
    await register('jane@example.com');
    expect(strengthEstimates() - before).toBe(2);
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
  const accountId = async () => (await database.db.selectFrom('user').select('id').executeTakeFirstOrThrow()).id;

  it('verifies with the emailed link once', async () => {
    await register('jane@example.com');
    const token = linkToken((await mails())[0]!)!;
    expect(await verifyEmail(database.db, token, await accountId(), at(60_000))).toEqual({
      ok: true,
    });
    const user = await database.db.selectFrom('user').select('email_verified_at').executeTakeFirstOrThrow();
    expect(user.email_verified_at).toBe(at(60_000).toISOString());
    expect(await verifyEmail(database.db, token, await accountId(), at(120_000))).toEqual({
      ok: false,
      problem: 'used',
    });
  });

  it('verifies only for the account’s own session, leaving the link unused otherwise', async () => {
    // A stranger registered jane's address; jane, not signed in (she does not know the
    // stranger's password), cannot confirm the stranger's account with the welcome mail.
    await register('jane@example.com');
    const token = linkToken((await mails())[0]!)!;
    const other = await createAccount(database.db, normalizeEmail('someone@example.com')!, [], null);
    expect(await verifyEmail(database.db, token, null, at(1000))).toEqual({ ok: false, problem: 'sign-in' });
    expect(await verifyEmail(database.db, token, other, at(1000))).toEqual({ ok: false, problem: 'sign-in' });
    const user = await database.db
      .selectFrom('user')
      .select('email_verified_at')
      .where('email_normalized', '=', 'jane@example.com')
      .executeTakeFirstOrThrow();
    expect(user.email_verified_at).toBeNull();
    expect(await checkEmailToken(database.db, token, 'verify-email', at(2000))).toBeUndefined();
  });

  it('refuses an expired link', async () => {
    await register('jane@example.com');
    const token = linkToken((await mails())[0]!)!;
    expect(await verifyEmail(database.db, token, await accountId(), at(EMAIL_TOKEN_TTL_MS['verify-email']))).toEqual({
      ok: false,
      problem: 'expired',
    });
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
    await requestPasswordReset(database.db, 'jane@example.com', t0);
    await queuePasswordResets(database.db, SITE, { now: () => t0 });
    const mail = (await mails()).at(-1)!;
    expect(mail.subject).toBe('Reset your CustomerTrackr password');
    return linkToken(mail)!;
  };

  it('emails nothing for an unknown address', async () => {
    const before = (await mails()).length;
    await requestPasswordReset(database.db, 'nobody@example.com', t0);
    await queuePasswordResets(database.db, SITE, { now: () => t0 });
    expect(await mails()).toHaveLength(before);
  });

  it('does the same work on the request path for known and unknown addresses; the worker queues the message', async () => {
    const sent = async () => (await mails()).filter((m) => m.subject === 'Reset your CustomerTrackr password');
    const tokens = () => database.db.selectFrom('email_token').select('id').where('purpose', '=', 'reset-password').execute();
    const before = (await mails()).length;
    await requestPasswordReset(database.db, 'jane@example.com', t0);
    await requestPasswordReset(database.db, 'nobody@example.com', t0);
    // After the requests: one queued row each, no token, no message, for either address.
    expect(await database.db.selectFrom('password_reset_request').select(['email', 'requested_at']).orderBy('id').execute()).toEqual([
      { email: 'jane@example.com', requested_at: t0.getTime() },
      { email: 'nobody@example.com', requested_at: t0.getTime() },
    ]);
    expect(await tokens()).toEqual([]);
    expect(await mails()).toHaveLength(before);
    // The worker: exactly the known address gets its message (queued in the outbox), and the queue is empty.
    expect(await queuePasswordResets(database.db, SITE, { now: () => at(1000) })).toBe(2);
    expect((await sent()).map((m) => [m.to, m.subject])).toEqual([['jane@example.com', 'Reset your CustomerTrackr password']]);
    expect(await tokens()).toHaveLength(1);
    expect(await database.db.selectFrom('password_reset_request').selectAll().execute()).toEqual([]);
  });

  it('drops a request older than a link lifetime', async () => {
    const before = (await mails()).length;
    await requestPasswordReset(database.db, 'jane@example.com', t0);
    expect(await queuePasswordResets(database.db, SITE, { now: () => at(2 * 60 * 60_000) })).toBe(1);
    expect(await mails()).toHaveLength(before);
  });

  it('runs in a worker on its own clock (never woken by a request), and stops cleanly', async () => {
    const sent = async () => (await mails()).filter((m) => m.subject === 'Reset your CustomerTrackr password').map((m) => m.to);
    let tick!: () => void;
    let cancelled = false;
    const worker = startResetWorker(database.db, SITE, {
      now: () => t0,
      schedule: (run) => {
        tick = run;
        return () => (cancelled = true);
      },
    });
    await requestPasswordReset(database.db, 'jane@example.com', t0);
    // Nothing runs until the worker's clock ticks.
    await new Promise((resolve) => setImmediate(resolve));
    expect(await sent()).toEqual([]);
    tick();
    await worker.runOnce();
    expect(await sent()).toEqual(['jane@example.com']);
    await worker.stop();
    expect(cancelled).toBe(true);
    // Stopped: a request stays queued.
    await requestPasswordReset(database.db, 'jane@example.com', t0);
    await worker.runOnce();
    expect(await database.db.selectFrom('password_reset_request').selectAll().execute()).toHaveLength(1);
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
    expect(await setPasswordWithToken(database.db, token, 'reset-password', 'yet another long passphrase', at(4000))).toEqual({
      ok: false,
      problem: 'used',
    });
    expect((await signIn(database.db, 'jane@example.com', newPassword, null, at(5000))).ok).toBe(true);
  });

  it('refuses an expired link and changes nothing', async () => {
    const session = await createSession(database.db, userId, null, t0);
    const token = await resetToken();
    const result = await setPasswordWithToken(
      database.db,
      token,
      'reset-password',
      'a brand new long passphrase',
      at(EMAIL_TOKEN_TTL_MS['reset-password']),
    );
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

  it('when the reset is what proves the address, ends every session and every other link (a stranger registered it)', async () => {
    // Someone registered jane's address with a password of their own, signed in, and asked to
    // move the account to a mailbox they read.
    const stranger = await createSession(database.db, userId, null, t0);
    const move = await createEmailToken(database.db, userId, 'change-email', 'stranger@evil.test', t0);
    expect(await grantRole(database.db, userId, 'admin', t0)).toBe('unverified');
    const token = await resetToken();
    expect(await setPasswordWithToken(database.db, token, 'reset-password', 'a brand new long passphrase', at(1000))).toEqual({
      ok: true,
      userId,
    });
    expect(await validateSessionToken(database.db, stranger.token, at(2000))).toBeUndefined();
    expect(await checkEmailToken(database.db, move, 'change-email', at(2000))).toBe('invalid');
    expect(await checkEmailToken(database.db, linkToken((await mails())[0]!)!, 'verify-email', at(2000))).toBe('invalid');
    const user = await database.db.selectFrom('user').select('email_verified_at').where('id', '=', userId).executeTakeFirstOrThrow();
    expect(user.email_verified_at).toBe(at(1000).toISOString());
    expect(await grantRole(database.db, userId, 'admin', at(3000))).toBe('granted');
  });

  it('does not accept a reset link as a verification link or the other way round', async () => {
    const verifyToken = linkToken((await mails())[0]!)!;
    const token = await resetToken();
    expect(await setPasswordWithToken(database.db, verifyToken, 'reset-password', 'a brand new long passphrase', at(1000))).toEqual({
      ok: false,
      problem: 'invalid',
    });
    expect(await verifyEmail(database.db, token, null, at(1000))).toEqual({
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
    expect(await setPasswordWithToken(database.db, token, 'set-password', 'a brand new long passphrase', at(1000))).toEqual({
      ok: true,
      userId: id,
    });
    expect((await signIn(database.db, 'ops@example.com', 'a brand new long passphrase', null, at(2000))).ok).toBe(true);
  });

  it('can be given a password hash directly (--password-stdin)', async () => {
    await createAccount(database.db, normalizeEmail('ops@example.com')!, [], await hashPassword(PASSWORD), t0);
    expect((await signIn(database.db, 'ops@example.com', PASSWORD, null, t0)).ok).toBe(true);
  });
});

describe('addAccountForOwner (npm run user -- add)', () => {
  it('takes over an account whose address was never verified: new password, verified, sessions and links ended', async () => {
    const outcome = await register('Jane@Example.com');
    if (outcome.kind !== 'created') throw new Error('not created');
    const stranger = await createSession(database.db, outcome.userId, null, t0);
    const move = await createEmailToken(database.db, outcome.userId, 'change-email', 'stranger@evil.test', t0);
    const ownerPassword = 'the real owner chose this one';
    const taken = await addAccountForOwner(
      database.db,
      SITE,
      normalizeEmail('jane@example.com')!,
      ['support'],
      await hashPassword(ownerPassword),
      at(1000),
    );
    expect(taken).toEqual({ kind: 'taken-over', userId: outcome.userId, email: 'Jane@Example.com' });
    expect(await validateSessionToken(database.db, stranger.token, at(2000))).toBeUndefined();
    expect(await checkEmailToken(database.db, move, 'change-email', at(2000))).toBe('invalid');
    expect((await signIn(database.db, 'jane@example.com', PASSWORD, null, at(2000))).ok).toBe(false);
    const signedIn = await signIn(database.db, 'jane@example.com', ownerPassword, null, at(2000));
    expect(signedIn.ok).toBe(true);
    const session = await validateSessionToken(database.db, signedIn.ok ? signedIn.token : '', at(3000));
    expect(session?.user).toMatchObject({ emailVerified: true, roles: ['support'] });

    // Now verified: a second add changes nothing.
    expect(await addAccountForOwner(database.db, SITE, normalizeEmail('JANE@example.com')!, ['admin'], null, at(4000))).toEqual({
      kind: 'exists',
      email: 'Jane@Example.com',
    });
    expect((await signIn(database.db, 'jane@example.com', ownerPassword, null, at(5000))).ok).toBe(true);
    const roles = await database.db.selectFrom('user_role').select('role').where('user_id', '=', outcome.userId).execute();
    expect(roles).toEqual([{ role: 'support' }]);
  });

  it('creates a verified account when the address has none', async () => {
    const outcome = await addAccountForOwner(database.db, SITE, normalizeEmail('new@example.com')!, ['editor'], null, t0);
    expect(outcome).toMatchObject({ kind: 'created' });
    const user = await database.db
      .selectFrom('user')
      .selectAll()
      .where('email_normalized', '=', 'new@example.com')
      .executeTakeFirstOrThrow();
    expect(user).toMatchObject({ email_verified_at: t0.toISOString(), password_hash: null });
  });
});

describe('roles of an account whose address is not verified', () => {
  it('do not count at sign-in (roles given before grants required a verified address)', async () => {
    const outcome = await register('legacy@example.com');
    if (outcome.kind !== 'created') throw new Error('not created');
    await database.db.insertInto('user_role').values({ user_id: outcome.userId, role: 'admin', granted_at: t0.toISOString() }).execute();
    const { token } = await createSession(database.db, outcome.userId, null, t0);
    expect((await validateSessionToken(database.db, token, at(1000)))?.user.roles).toEqual([]);
  });
});
