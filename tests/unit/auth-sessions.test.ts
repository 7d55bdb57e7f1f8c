import { beforeEach, describe, expect, it } from 'vitest';
import {
  ABSOLUTE_LIFETIME_MS,
  ACTIVITY_WRITE_INTERVAL_MS,
  createSession,
  describeClient,
  IDLE_TIMEOUT_MS,
  invalidateSession,
  invalidateUserSessions,
  MAX_SESSIONS_PER_ACCOUNT,
  sessionCookie,
  validateSessionToken,
} from '../../src/lib/auth/sessions.ts';
import { hashSecret, issueToken, parseToken, secretMatches } from '../../src/lib/auth/tokens.ts';
import { testDatabase } from '../support/db.ts';

const database = testDatabase();
let userId: number;
const t0 = new Date('2026-03-01T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

beforeEach(async () => {
  userId = await addUser('jane@example.com');
});

async function addUser(email: string): Promise<number> {
  const { id } = await database.db
    .insertInto('user')
    .values({
      email,
      email_normalized: email.toLowerCase(),
      password_hash: null,
      created_at: t0.toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

/** The same token with one character of its secret (or id) changed. */
function tamper(token: string, part: 'id' | 'secret'): string {
  const [id, secret] = token.split('.') as [string, string];
  const flip = (s: string) => (s[0] === 'a' ? 'b' : 'a') + s.slice(1);
  return part === 'id' ? `${flip(id)}.${secret}` : `${id}.${flip(secret)}`;
}

describe('tokens', () => {
  it('are <id>.<secret> with unpredictable parts, and only a hash of the secret is kept', () => {
    const a = issueToken();
    const b = issueToken();
    expect(a.token).toMatch(/^[a-z2-7]{24}\.[a-z2-7]{32}$/);
    expect(a.token.startsWith(`${a.id}.`)).toBe(true);
    expect(a.id).not.toBe(b.id);
    expect(a.token).not.toBe(b.token);
    const secret = a.token.split('.')[1]!;
    expect(a.secretHash).toHaveLength(32); // SHA-256
    expect(Buffer.from(a.secretHash).toString('hex')).not.toContain(Buffer.from(secret).toString('hex'));
    expect(secretMatches(secret, a.secretHash)).toBe(true);
    expect(secretMatches(tamper(a.token, 'secret').split('.')[1]!, a.secretHash)).toBe(false);
    expect(hashSecret(secret)).toEqual(a.secretHash);
  });

  it.each([
    ['nothing', undefined],
    ['empty', ''],
    ['no separator', 'abcdefghijklmnopqrstuvwxabcdefghijklmnopqrstuvwxyz234567'],
    ['upper case', 'ABCDEFGHIJKLMNOPQRSTUVWX.ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'],
    ['too short', 'abc.def'],
    ['extra part', `${issueToken().token}.x`],
    ['characters outside base32', 'abcdefghijklmnopqrstuvw1.abcdefghijklmnopqrstuvwxyz234567'],
  ])('parseToken refuses %s', (_name, token) => {
    expect(parseToken(token)).toBeUndefined();
  });
});

describe('sessions', () => {
  it('validate with the token they were created with, and only then', async () => {
    const { token, session } = await createSession(
      database.db,
      userId,
      'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
      t0,
    );
    const valid = await validateSessionToken(database.db, token, at(MINUTE));
    expect(valid?.session.id).toBe(session.id);
    expect(valid?.user).toEqual({
      id: userId,
      email: 'jane@example.com',
      displayName: null,
      emailVerified: false,
      roles: [],
    });

    // The database holds neither the token nor its secret.
    const row = await database.db.selectFrom('session').selectAll().executeTakeFirstOrThrow();
    expect(row.client).toBe('Firefox on Linux');
    expect(JSON.stringify(row)).not.toContain(token.split('.')[1]);
    expect(Buffer.from(row.secret_hash).toString('utf8')).not.toContain(token.split('.')[1]);
  });

  it('refuse a tampered token and keep the real session', async () => {
    const { token } = await createSession(database.db, userId, null, t0);
    expect(await validateSessionToken(database.db, tamper(token, 'secret'), t0)).toBeUndefined();
    expect(await validateSessionToken(database.db, tamper(token, 'id'), t0)).toBeUndefined();
    expect(await validateSessionToken(database.db, 'not-a-token', t0)).toBeUndefined();
    expect(await validateSessionToken(database.db, undefined, t0)).toBeUndefined();
    // A wrong guess must not end the session of the person who holds the real token.
    expect(await validateSessionToken(database.db, token, t0)).toBeDefined();
  });

  it('cannot be replayed after sign-out', async () => {
    const { token, session } = await createSession(database.db, userId, null, t0);
    await invalidateSession(database.db, session.id);
    expect(await validateSessionToken(database.db, token, at(MINUTE))).toBeUndefined();
    expect(await database.db.selectFrom('session').selectAll().execute()).toEqual([]);
  });

  it('are new at every sign-in', async () => {
    const first = await createSession(database.db, userId, null, t0);
    const second = await createSession(database.db, userId, null, t0);
    expect(second.session.id).not.toBe(first.session.id);
    expect(second.token).not.toBe(first.token);
  });

  it('end after the idle timeout', async () => {
    const { token } = await createSession(database.db, userId, null, t0);
    expect(await validateSessionToken(database.db, token, at(IDLE_TIMEOUT_MS - 1))).toBeDefined();
    expect(await validateSessionToken(database.db, token, at(IDLE_TIMEOUT_MS - 1 + IDLE_TIMEOUT_MS))).toBeUndefined();
    // The expired row is removed, not just ignored.
    expect(await database.db.selectFrom('session').selectAll().execute()).toEqual([]);
  });

  it('slide with activity, writing it at most once per interval', async () => {
    const { token, session } = await createSession(database.db, userId, null, t0);
    const lastActive = async () =>
      (await database.db.selectFrom('session').select('last_active_at').where('id', '=', session.id).executeTakeFirstOrThrow())
        .last_active_at;

    await validateSessionToken(database.db, token, at(ACTIVITY_WRITE_INTERVAL_MS - 1));
    expect(await lastActive()).toBe(t0.getTime()); // not written: less than the interval
    const valid = await validateSessionToken(database.db, token, at(ACTIVITY_WRITE_INTERVAL_MS));
    expect(await lastActive()).toBe(at(ACTIVITY_WRITE_INTERVAL_MS).getTime());
    expect(valid?.session.expiresAt).toEqual(at(ACTIVITY_WRITE_INTERVAL_MS + IDLE_TIMEOUT_MS));

    // Used every few days, it outlives one idle timeout...
    for (let day = 3; day <= 27; day += 3) {
      expect(await validateSessionToken(database.db, token, at(day * DAY)), `day ${day}`).toBeDefined();
    }
  });

  it('end at the absolute lifetime, however active', async () => {
    const { token } = await createSession(database.db, userId, null, t0);
    for (let day = 2; day * DAY < ABSOLUTE_LIFETIME_MS; day += 2) {
      expect(await validateSessionToken(database.db, token, at(day * DAY)), `day ${day}`).toBeDefined();
    }
    const lastValid = await validateSessionToken(database.db, token, at(ABSOLUTE_LIFETIME_MS - 1));
    expect(lastValid?.session.expiresAt).toEqual(at(ABSOLUTE_LIFETIME_MS));
    expect(await validateSessionToken(database.db, token, at(ABSOLUTE_LIFETIME_MS))).toBeUndefined();
  });

  it('of one user can all be ended, optionally keeping one', async () => {
    const other = await addUser('other@example.com');
    const a = await createSession(database.db, userId, null, t0);
    const b = await createSession(database.db, userId, null, t0);
    const c = await createSession(database.db, userId, null, t0);
    const theirs = await createSession(database.db, other, null, t0);
    expect(await invalidateUserSessions(database.db, userId, a.session.id)).toBe(2);
    expect(await validateSessionToken(database.db, a.token, t0)).toBeDefined();
    expect(await validateSessionToken(database.db, b.token, t0)).toBeUndefined();
    expect(await validateSessionToken(database.db, c.token, t0)).toBeUndefined();
    expect(await invalidateUserSessions(database.db, userId)).toBe(1);
    expect(await validateSessionToken(database.db, a.token, t0)).toBeUndefined();
    expect(await validateSessionToken(database.db, theirs.token, t0)).toBeDefined();
  });

  it('carry the roles as they are now', async () => {
    const { token } = await createSession(database.db, userId, null, t0);
    await database.db.insertInto('user_role').values({ user_id: userId, role: 'editor', granted_at: t0.toISOString() }).execute();
    // Roles count only once the address is verified.
    expect((await validateSessionToken(database.db, token, t0))?.user.roles).toEqual([]);
    await database.db.updateTable('user').set({ email_verified_at: t0.toISOString() }).where('id', '=', userId).execute();
    expect((await validateSessionToken(database.db, token, t0))?.user.roles).toEqual(['editor']);
    await database.db.deleteFrom('user_role').execute();
    expect((await validateSessionToken(database.db, token, t0))?.user.roles).toEqual([]);
  });

  it('end when the account is deleted', async () => {
    const { token } = await createSession(database.db, userId, null, t0);
    await database.db.deleteFrom('user').where('id', '=', userId).execute();
    expect(await validateSessionToken(database.db, token, t0)).toBeUndefined();
  });
});

describe('sessionCookie', () => {
  it('is HttpOnly, SameSite=Lax, Path=/ and not Secure on http', () => {
    expect(sessionCookie(new URL('http://localhost:4321'))).toEqual({
      name: 'session',
      options: { httpOnly: true, sameSite: 'lax', path: '/', secure: false },
      maxAgeSeconds: ABSOLUTE_LIFETIME_MS / 1000,
    });
  });

  it('is Secure with the __Host- prefix on https', () => {
    const cookie = sessionCookie(new URL('https://customertrackr.test'));
    expect(cookie.name).toBe('__Host-session');
    expect(cookie.options).toEqual({
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: true,
    });
  });
});

describe('describeClient', () => {
  it('names the browser and system, nothing more', () => {
    expect(
      describeClient('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15'),
    ).toBe('Safari on macOS');
    expect(describeClient(null)).toBe('Unknown browser');
    expect(describeClient('curl/8.5.0')).toBe('Unknown browser');
    expect(describeClient('')).toBe('Unknown browser');
  });
});

describe('sessions per account', () => {
  it('holds at most 50: the 51st ends the oldest, other accounts keep theirs', async () => {
    expect(MAX_SESSIONS_PER_ACCOUNT).toBe(50);
    const other = await addUser('other@example.com');
    const theirs = await createSession(database.db, other, null, t0);
    const mine = [];
    for (let i = 0; i < MAX_SESSIONS_PER_ACCOUNT; i++) mine.push(await createSession(database.db, userId, null, at(i * MINUTE)));
    const count = async (id: number) => (await database.db.selectFrom('session').select('id').where('user_id', '=', id).execute()).length;
    expect(await count(userId)).toBe(50);
    for (const s of mine) expect(await validateSessionToken(database.db, s.token, at(HOUR))).toBeDefined();

    const newest = await createSession(database.db, userId, null, at(HOUR));
    expect(await count(userId)).toBe(50);
    expect(await validateSessionToken(database.db, mine[0]!.token, at(HOUR))).toBeUndefined();
    expect(await validateSessionToken(database.db, mine[1]!.token, at(HOUR))).toBeDefined();
    expect(await validateSessionToken(database.db, newest.token, at(HOUR))).toBeDefined();
    expect(await validateSessionToken(database.db, theirs.token, at(HOUR))).toBeDefined();

    // Several at the same millisecond: still the oldest go first, and never the new one.
    const same = [];
    for (let i = 0; i < 3; i++) same.push(await createSession(database.db, userId, null, at(2 * HOUR)));
    expect(await count(userId)).toBe(50);
    for (const s of same) expect(await validateSessionToken(database.db, s.token, at(2 * HOUR))).toBeDefined();
    for (const s of mine.slice(1, 4)) expect(await validateSessionToken(database.db, s.token, at(2 * HOUR))).toBeUndefined();
    expect(await validateSessionToken(database.db, mine[4]!.token, at(2 * HOUR))).toBeDefined();
  });

  it('applies the limit inside a transaction the caller holds', async () => {
    for (let i = 0; i < MAX_SESSIONS_PER_ACCOUNT; i++) await createSession(database.db, userId, null, at(i));
    await database.db.transaction().execute((trx) => createSession(trx, userId, null, at(HOUR)));
    expect((await database.db.selectFrom('session').select('id').where('user_id', '=', userId).execute()).length).toBe(50);
  });
});
