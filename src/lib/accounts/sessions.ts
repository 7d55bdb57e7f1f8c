import { createHash } from 'node:crypto';
import { endUserSession, invalidateUserSessions, sessionExpiry } from '../auth/sessions.ts';
import type { DB } from '../db/index.ts';

/**
 * The user's own sessions, as the account page lists them.
 *
 * A session id is the lookup half of the session token, so it never appears in a page or a
 * form: each session is named by an opaque reference (a hash prefix of its id), which the
 * server resolves among the signed-in user's own sessions only.
 */
export function sessionRef(sessionId: string): string {
  return createHash('sha256').update(`session-ref:${sessionId}`).digest('hex').slice(0, 20);
}

export interface SessionSummary {
  ref: string;
  /** "Firefox on Linux". */
  client: string;
  createdAt: Date;
  lastActiveAt: Date;
  /** When it ends without further activity. */
  expiresAt: Date;
  current: boolean;
}

/** The user's sessions that have not expired, the current one first, then most recently active. */
export async function listSessions(
  db: DB,
  userId: number,
  currentSessionId: string | undefined,
  now = new Date(),
): Promise<SessionSummary[]> {
  const rows = await db
    .selectFrom('session')
    .select(['id', 'client', 'created_at', 'last_active_at'])
    .where('user_id', '=', userId)
    .execute();
  return rows
    .map((r) => ({
      ref: sessionRef(r.id),
      client: r.client || 'Unknown browser',
      createdAt: new Date(r.created_at),
      lastActiveAt: new Date(r.last_active_at),
      expiresAt: new Date(sessionExpiry(r.created_at, r.last_active_at)),
      current: r.id === currentSessionId,
    }))
    .filter((s) => s.expiresAt.getTime() > now.getTime())
    .sort((a, b) => Number(b.current) - Number(a.current) || b.lastActiveAt.getTime() - a.lastActiveAt.getTime());
}

export type RevokeOutcome = 'revoked' | 'current' | 'not-found';

/**
 * Ends the session `ref` names, if it is one of `userId`'s. The query is scoped to the user
 * (WHERE user_id = ? AND id = ?): a reference to someone else's session finds nothing.
 * Returns 'current' without ending anything when it names the session making the request
 * (the caller signs out instead, so the cookie goes too).
 */
export async function revokeSessionByRef(
  db: DB,
  userId: number,
  ref: string,
  currentSessionId: string | undefined,
): Promise<RevokeOutcome> {
  const own = await db.selectFrom('session').select('id').where('user_id', '=', userId).execute();
  const match = own.find((s) => sessionRef(s.id) === ref);
  if (!match) return 'not-found';
  if (match.id === currentSessionId) return 'current';
  return (await endUserSession(db, userId, match.id)) ? 'revoked' : 'not-found';
}

/** Ends every session of the user except the current one; returns how many ended. */
export function revokeOtherSessions(db: DB, userId: number, currentSessionId: string): Promise<number> {
  return invalidateUserSessions(db, userId, currentSessionId);
}
