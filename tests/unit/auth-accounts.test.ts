import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createAccount,
  normalizeEmail,
  registerAccount,
  setPasswordWithToken,
  signIn,
  verifyEmail,
} from '../../src/lib/auth/accounts.ts';
import { deliverPasswordResets, requestPasswordReset, startResetWorker } from '../../src/lib/auth/reset-queue.ts';
import { createEmailToken, EMAIL_TOKEN_TTL_MS } from '../../src/lib/auth/email-tokens.ts';
import { hashPassword, strengthEstimates } from '../../src/lib/auth/passwords.ts';
import { createSession, validateSessionToken } from '../../src/lib/auth/sessions.ts';
import { migrate, openDatabase, type OpenDatabase } from '../../src/lib/db/index.ts';

// Mail goes to a temporary outbox (config() reads the environment on first use).
const outbox = mkdtempSync(join(tmpdir(), 'ct-auth-mail-'));
beforeAll(() => {
  process.env.MAIL_OUTBOX_DIR = outbox;
  delete process.env.SMTP_URL;
});
afterAll(() => rmSync(outbox, { recursive: true, force: true }));

interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** The messages written so far, oldest first, with their quoted-printable bodies decoded. */
function mails(): Mail[] {
  if (!existsSync(outbox)) return [];
  return readdirSync(outbox)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => {
      const raw = readFileSync(join(outbox, f), 'utf8');
      const [head, ...body] = raw.split('\n\n');
      const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(head!)?.[1] ?? '';
      const qp = body.join('\n\n').replace(/=\r?\n/g, '');
      const text = Buffer.from(
        qp.replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
      return { to: header('To'), subject: header('Subject'), text };
    });
}

const linkToken = (mail: Mail) => /token=([a-z2-7]+\.[a-z2-7]+)/.exec(mail.text)?.[1];

const SITE = new URL('https://customertrackr.test');
const PASSWORD = 'correct horse battery staple';
const t0 = new Date('2026-03-01T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

let database: OpenDatabase;
beforeEach(async () => {
  rmSync(outbox, { recursive: true, force: true });
  database = openDatabase(':memory:');
  await migrate(database.db);
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
afterEach(() => database.close());

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

  it('tells the owner of attempts with their address at most once a day', async () => {
    await register('jane@example.com');
    for (let i = 0; i < 5; i++) expect(await register('Jane@example.com', `another long password ${i}`)).toEqual({ kind: 'already-registered' });
    expect(mails().filter((m) => m.subject === 'Someone tried to register with your address')).toHaveLength(1);
    const nextDay = new Date(t0.getTime() + 24 * 60 * 60_000);
    await registerAccount(database.db, SITE, { email: normalizeEmail('jane@example.com')!, password: PASSWORD, policyEffectiveDate: '2009-01-01', agreementWording: 'I agree.' }, nextDay);
    expect(mails().filter((m) => m.subject === 'Someone tried to register with your address')).toHaveLength(2);
  });

  it('checks the password once, with the address as context, before hashing or writing anything', async () => {
    const before = strengthEstimates();
    expect(await register('jane@example.com', 'jane@example.com')).toEqual({ kind: 'weak-password', reason: expect.stringMatching(/email address/) });
    expect(strengthEstimates() - before).toBe(1);
    expect(await database.db.selectFrom('user').selectAll().execute()).toEqual([]);
    expect(mails()).toEqual([]);
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

  it('takes as long for an unknown address as for a wrong password (it checks a dummy hash)', async () => {
    const time = async (email: string) => {
      const start = performance.now();
      await signIn(database.db, email, 'not the password at all', null, t0);
      return performance.now() - start;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    await time('nobody@example.com'); // the dummy hash is made on first use
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      wrong.push(await time('jane@example.com'));
      unknown.push(await time('nobody@example.com'));
    }
    // Both are one argon2id verification (tens of milliseconds); a missing dummy would be ~0.
    expect(median(unknown) / median(wrong)).toBeGreaterThan(0.5);
    expect(median(unknown) / median(wrong)).toBeLessThan(2);
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
    await requestPasswordReset(database.db, 'jane@example.com', t0);
    await deliverPasswordResets(database.db, SITE, { now: () => t0 });
    const mail = mails().at(-1)!;
    expect(mail.subject).toBe('Reset your CustomerTrackr password');
    return linkToken(mail)!;
  };

  it('emails nothing for an unknown address', async () => {
    const before = mails().length;
    await requestPasswordReset(database.db, 'nobody@example.com', t0);
    await deliverPasswordResets(database.db, SITE, { now: () => t0 });
    expect(mails()).toHaveLength(before);
  });

  it('does the same work on the request path for known and unknown addresses; the worker sends', async () => {
    const sent: { to: string; subject: string }[] = [];
    const send = async (m: { to: string; subject: string }) => void sent.push(m);
    const tokens = () => database.db.selectFrom('email_token').select('id').where('purpose', '=', 'reset-password').execute();
    const before = mails().length;
    await requestPasswordReset(database.db, 'jane@example.com', t0);
    await requestPasswordReset(database.db, 'nobody@example.com', t0);
    // After the requests: one queued row each, no token, no message, for either address.
    expect(await database.db.selectFrom('password_reset_request').select(['email', 'requested_at']).orderBy('id').execute()).toEqual([
      { email: 'jane@example.com', requested_at: t0.getTime() },
      { email: 'nobody@example.com', requested_at: t0.getTime() },
    ]);
    expect(await tokens()).toEqual([]);
    expect(mails()).toHaveLength(before);
    expect(sent).toEqual([]);
    // The worker: exactly the known address gets its message, and the queue is empty.
    expect(await deliverPasswordResets(database.db, SITE, { send, now: () => at(1000) })).toBe(2);
    expect(sent.map((m) => [m.to, m.subject])).toEqual([['jane@example.com', 'Reset your CustomerTrackr password']]);
    expect(await tokens()).toHaveLength(1);
    expect(await database.db.selectFrom('password_reset_request').selectAll().execute()).toEqual([]);
  });

  it('drops a request older than a link lifetime', async () => {
    const sent: unknown[] = [];
    await requestPasswordReset(database.db, 'jane@example.com', t0);
    await deliverPasswordResets(database.db, SITE, { send: async (m) => void sent.push(m), now: () => at(2 * 60 * 60_000) });
    expect(sent).toEqual([]);
  });

  it('runs in a worker on its own clock (never woken by a request), and stops cleanly', async () => {
    const sent: string[] = [];
    let tick!: () => void;
    let cancelled = false;
    const worker = startResetWorker(database.db, SITE, {
      now: () => t0,
      send: async (m) => void sent.push(m.to),
      schedule: (run) => {
        tick = run;
        return () => (cancelled = true);
      },
    });
    await requestPasswordReset(database.db, 'jane@example.com', t0);
    // Nothing runs until the worker's clock ticks.
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([]);
    tick();
    await worker.runOnce();
    expect(sent).toEqual(['jane@example.com']);
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
