import Bowser from 'bowser';
import type { Transaction } from 'kysely';
import { insertionOrder, type Database, type DB } from '../db/index.ts';
import type { Role } from './tables.ts';
import { issueToken, parseToken, secretMatches } from './tokens.ts';

/**
 * Server-side sessions, following the Lucia design on @oslojs. A session ends when it has
 * been idle for IDLE_TIMEOUT (sliding: activity is written at most once per
 * ACTIVITY_WRITE_INTERVAL, so reads stay cheap), or at ABSOLUTE_LIFETIME after sign-in,
 * whichever comes first, or when the user signs out.
 */
export const IDLE_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1000;
export const ABSOLUTE_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
export const ACTIVITY_WRITE_INTERVAL_MS = 60 * 60 * 1000;
/** Sessions an account may hold at once: a new one beyond this ends the oldest. */
export const MAX_SESSIONS_PER_ACCOUNT = 50;

export interface SessionUser {
  id: number;
  email: string;
  displayName: string | null;
  emailVerified: boolean;
  roles: Role[];
}

export interface Session {
  id: string;
  userId: number;
  createdAt: Date;
  lastActiveAt: Date;
  /** When the session ends if there is no further activity. */
  expiresAt: Date;
}

export interface ValidSession {
  session: Session;
  user: SessionUser;
}

/** "Firefox on Linux", from a User-Agent header: enough to recognise a device, no more. */
export function describeClient(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown browser';
  const parsed = Bowser.parse(userAgent);
  // Bowser names what it does not recognise '' (not undefined).
  const browser = parsed.browser.name || 'Unknown browser';
  const os = parsed.os.name;
  return os ? `${browser} on ${os}` : browser;
}

/** When a session ends: idle for IDLE_TIMEOUT_MS, or ABSOLUTE_LIFETIME_MS after sign-in, whichever comes first. */
export function sessionExpiry(createdAt: number, lastActiveAt: number): number {
  return Math.min(lastActiveAt + IDLE_TIMEOUT_MS, createdAt + ABSOLUTE_LIFETIME_MS);
}

/**
 * Starts a new session (a new one at every sign-in); returns the token for the cookie. An
 * account holds at most MAX_SESSIONS_PER_ACCOUNT: beyond that the oldest end, in the same
 * transaction as the insert (so concurrent sign-ins cannot leave more).
 */
export async function createSession(
  db: DB,
  userId: number,
  userAgent: string | null | undefined,
  now = new Date(),
): Promise<{ token: string; session: Session }> {
  const { id, token, secretHash } = issueToken();
  const at = now.getTime();
  const insert = async (trx: Transaction<Database>) => {
    await trx
      .insertInto('session')
      .values({ id, user_id: userId, secret_hash: secretHash, created_at: at, last_active_at: at, client: describeClient(userAgent) })
      .execute();
    // Keep the newest MAX_SESSIONS_PER_ACCOUNT (this one included); the order of insertion breaks ties of the same millisecond.
    await trx
      .deleteFrom('session')
      .where('user_id', '=', userId)
      .where('id', 'not in', (eb) =>
        eb
          .selectFrom('session')
          .select('id')
          .where('user_id', '=', userId)
          .orderBy('created_at', 'desc')
          .orderBy(insertionOrder(trx), 'desc')
          .limit(MAX_SESSIONS_PER_ACCOUNT),
      )
      .execute();
  };
  await (db.isTransaction ? insert(db as Transaction<Database>) : db.transaction().execute(insert));
  return { token, session: { id, userId, createdAt: now, lastActiveAt: now, expiresAt: new Date(sessionExpiry(at, at)) } };
}

/** The session and user a token belongs to, or undefined (and the stale row removed). */
export async function validateSessionToken(db: DB, token: string | undefined | null, now = new Date()): Promise<ValidSession | undefined> {
  const parsed = parseToken(token);
  if (!parsed) return undefined;
  const row = await db
    .selectFrom('session')
    .innerJoin('user', 'user.id', 'session.user_id')
    .select([
      'session.id',
      'session.user_id',
      'session.secret_hash',
      'session.created_at',
      'session.last_active_at',
      'user.email',
      'user.display_name',
      'user.email_verified_at',
    ])
    .where('session.id', '=', parsed.id)
    .executeTakeFirst();
  if (!row || !secretMatches(parsed.secret, row.secret_hash)) return undefined;

  const at = now.getTime();
  if (at >= sessionExpiry(row.created_at, row.last_active_at)) {
    await db.deleteFrom('session').where('id', '=', row.id).execute();
    return undefined;
  }
  let lastActiveAt = row.last_active_at;
  if (at - lastActiveAt >= ACTIVITY_WRITE_INTERVAL_MS) {
    lastActiveAt = at;
    await db.updateTable('session').set({ last_active_at: at }).where('id', '=', row.id).execute();
  }
  const roles = await db.selectFrom('user_role').select('role').where('user_id', '=', row.user_id).orderBy('role').execute();
  return {
    session: {
      id: row.id,
      userId: row.user_id,
      createdAt: new Date(row.created_at),
      lastActiveAt: new Date(lastActiveAt),
      expiresAt: new Date(sessionExpiry(row.created_at, lastActiveAt)),
    },
    user: {
      id: row.user_id,
      email: row.email,
      displayName: row.display_name,
      emailVerified: row.email_verified_at !== null,
      // Roles count only on a proven address (grantRole refuses others; this covers roles
      // given before that rule).
      roles: row.email_verified_at === null ? [] : roles.map((r) => r.role),
    },
  };
}

/** Ends one session of a user; false when the user has no such session. */
export async function endUserSession(db: DB, userId: number, sessionId: string): Promise<boolean> {
  const result = await db.deleteFrom('session').where('user_id', '=', userId).where('id', '=', sessionId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function invalidateSession(db: DB, sessionId: string): Promise<void> {
  await db.deleteFrom('session').where('id', '=', sessionId).execute();
}

/** Ends every session of a user, optionally keeping one (the one making the request). */
export async function invalidateUserSessions(db: DB, userId: number, exceptSessionId?: string): Promise<number> {
  let query = db.deleteFrom('session').where('user_id', '=', userId);
  if (exceptSessionId) query = query.where('id', '!=', exceptSessionId);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Session cookie settings: `__Host-` prefixed and Secure when the site is served over https. */
export function sessionCookie(siteUrl: URL) {
  const secure = siteUrl.protocol === 'https:';
  return {
    name: secure ? '__Host-session' : 'session',
    options: { httpOnly: true, sameSite: 'lax' as const, path: '/', secure },
    /** Max-Age for a new session's cookie; the server-side expiry is what counts. */
    maxAgeSeconds: Math.floor(ABSOLUTE_LIFETIME_MS / 1000),
  };
}

/**
 * The signed-in hint: a cookie that says only "this browser has a session" (value `1`, no
 * identifier, nothing secret), readable by the page's own script. Prerendered pages cannot
 * know who asks; a tiny script in their head reads this cookie before the first paint so
 * the header shows the signed-in placeholder instead of "Sign in / Create account"
 * (docs/decisions/0019-header-state-at-first-paint.md). The session cookie stays HttpOnly;
 * the middleware keeps this one in step with it on every on-demand response.
 */
export const SIGNED_IN_HINT = { name: 'signed_in', value: '1' } as const;

export function signedInHintCookie(siteUrl: URL) {
  return {
    ...SIGNED_IN_HINT,
    options: { httpOnly: false, sameSite: 'lax' as const, path: '/', secure: siteUrl.protocol === 'https:' },
    maxAgeSeconds: Math.floor(ABSOLUTE_LIFETIME_MS / 1000),
  };
}
