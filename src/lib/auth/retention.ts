import type { DB } from '../db/index.ts';
import { every, type Job } from '../jobs/scheduler.ts';
import { RESET_REQUEST_STALE_MS } from './reset-queue.ts';
import { ABSOLUTE_LIFETIME_MS, IDLE_TIMEOUT_MS } from './sessions.ts';

/**
 * How long auth keeps what it no longer needs, and the jobs that enforce it (run by the
 * scheduler, src/lib/jobs). Each is idempotent and takes the time as an argument.
 */

const DAY_MS = 24 * 60 * 60_000;

/** An ended session (idle or past its absolute lifetime) is deleted this long after it ended. */
export const SESSION_RETENTION_AFTER_EXPIRY_MS = DAY_MS;
/** A used or expired emailed link is deleted this long after its use or expiry. */
export const EMAIL_TOKEN_RETENTION_MS = DAY_MS;

/** Deletes sessions that ended SESSION_RETENTION_AFTER_EXPIRY_MS or more before `now`; returns how many. */
export async function pruneExpiredSessions(db: DB, now: Date): Promise<number> {
  const cutoff = now.getTime() - SESSION_RETENTION_AFTER_EXPIRY_MS;
  // A session ends at min(last_active_at + idle timeout, created_at + absolute lifetime).
  const result = await db
    .deleteFrom('session')
    .where((eb) => eb.or([eb('last_active_at', '<=', cutoff - IDLE_TIMEOUT_MS), eb('created_at', '<=', cutoff - ABSOLUTE_LIFETIME_MS)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Deletes emailed links used or expired EMAIL_TOKEN_RETENTION_MS or more before `now`; returns how many. */
export async function pruneEmailTokens(db: DB, now: Date): Promise<number> {
  const cutoff = now.getTime() - EMAIL_TOKEN_RETENTION_MS;
  const result = await db
    .deleteFrom('email_token')
    .where((eb) => eb.or([eb('used_at', '<=', cutoff), eb('expires_at', '<=', cutoff)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Deletes queued password-reset requests the worker has not taken within
 * RESET_REQUEST_STALE_MS (it would drop them unsent anyway); returns how many. Handled
 * requests are deleted by the worker as it takes them, within a second or so.
 */
export async function pruneResetRequests(db: DB, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('password_reset_request')
    .where('requested_at', '<', now.getTime() - RESET_REQUEST_STALE_MS)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export const AUTH_JOBS = {
  sessions: { name: 'auth.expired-sessions', next: every(60 * 60_000), run: pruneExpiredSessions },
  emailTokens: { name: 'auth.used-email-links', next: every(60 * 60_000), run: pruneEmailTokens },
  resetRequests: { name: 'auth.reset-queue', next: every(5 * 60_000), run: pruneResetRequests },
} satisfies Record<string, Job>;
