import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { DB } from '../db/index.ts';

/**
 * Persistent rate limits (a window per key, opened by its first attempt), stored in SQLite so
 * that they survive restarts.
 * What is limited (an IP address, an email address) is stored only as a SHA-256 hash.
 */
export interface Limit {
  /** The name of what is limited, e.g. "sign-in:ip". */
  bucket: string;
  max: number;
  windowMs: number;
}

export const LIMITS = {
  signInPerIp: { bucket: 'sign-in:ip', max: 30, windowMs: 15 * 60_000 },
  signInPerAccount: { bucket: 'sign-in:account', max: 10, windowMs: 15 * 60_000 },
  registerPerIp: { bucket: 'register:ip', max: 10, windowMs: 60 * 60_000 },
  resetPerIp: { bucket: 'reset:ip', max: 10, windowMs: 60 * 60_000 },
  resetPerAccount: { bucket: 'reset:account', max: 3, windowMs: 60 * 60_000 },
  emailPerAddress: { bucket: 'email:address', max: 5, windowMs: 60 * 60_000 },
  exportPerAccount: { bucket: 'export:account', max: 5, windowMs: 60 * 60_000 },
} satisfies Record<string, Limit>;

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * Counts one attempt against `limit` for `key` and says whether it is allowed. Counting and
 * checking are one statement (an upsert), so concurrent requests cannot both slip through.
 *
 * A key's window opens at its first attempt and lasts `windowMs` (not windows aligned on the
 * clock): a burst that straddles a clock boundary gets no fresh allowance halfway, and the
 * wait announced is the same whenever the burst happens.
 */
export async function hit(db: DB, limit: Limit, key: string, now = new Date()): Promise<RateDecision> {
  const at = now.getTime();
  // In SQLite's UPDATE every expression sees the row as it was: both columns test the old window.
  const inWindow = sql<boolean>`excluded.window_start < rate_limit.window_start + ${limit.windowMs}`;
  const row = await db
    .insertInto('rate_limit')
    .values({ bucket: limit.bucket, key_hash: keyHash(key), window_start: at, count: 1 })
    .onConflict((oc) =>
      oc.columns(['bucket', 'key_hash']).doUpdateSet({
        count: sql<number>`case when ${inWindow} then rate_limit.count + 1 else 1 end`,
        window_start: sql<number>`case when ${inWindow} then rate_limit.window_start else excluded.window_start end`,
      }),
    )
    .returning(['count', 'window_start'])
    .executeTakeFirstOrThrow();
  if (row.count <= limit.max) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((row.window_start + limit.windowMs - at) / 1000)) };
}

/** Checks several limits, counting against each; the longest wait wins. */
export async function hitAll(db: DB, checks: [Limit, string][], now = new Date()): Promise<RateDecision> {
  let retryAfterSeconds = 0;
  for (const [limit, key] of checks) {
    const decision = await hit(db, limit, key, now);
    if (!decision.allowed) retryAfterSeconds = Math.max(retryAfterSeconds, decision.retryAfterSeconds);
  }
  return retryAfterSeconds ? { allowed: false, retryAfterSeconds } : { allowed: true };
}

/**
 * Gives back one attempt that `hit` counted for `key` in its open window: for attempts
 * that turn out not to be what the limit is about (a sign-in that succeeded is not a guess).
 */
export async function refund(db: DB, limit: Limit, key: string, now = new Date()): Promise<void> {
  await db
    .updateTable('rate_limit')
    .set({ count: sql<number>`count - 1` })
    .where('bucket', '=', limit.bucket)
    .where('key_hash', '=', keyHash(key))
    .where('window_start', '>', now.getTime() - limit.windowMs)
    .where('count', '>', 0)
    .execute();
}

/** Deletes windows that ended before `now` (housekeeping; any time is safe). */
export async function pruneRateLimits(db: DB, now = new Date()): Promise<void> {
  const longest = Math.max(...Object.values(LIMITS).map((l) => l.windowMs));
  await db.deleteFrom('rate_limit').where('window_start', '<', now.getTime() - longest).execute();
}
