import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { DB } from '../db/index.ts';
import { every, type Job } from '../jobs/scheduler.ts';

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
  // Sign-in (docs/decisions/0014-sign-in-and-mail-budgets.md): every attempt per client address;
  // failures per account and client address; and, account-wide, a backoff (below) that one
  // client address cannot reach on its own (10 per 15 minutes is at most 40 an hour).
  signInPerIp: { bucket: 'sign-in:ip', max: 30, windowMs: 15 * 60_000 },
  signInPerAccountIp: { bucket: 'sign-in:account-ip', max: 10, windowMs: 15 * 60_000 },
  // Re-authentication by a signed-in user (password or address change, deletion): its own
  // budget, per account (by id) and per client address, untouched by failed sign-ins.
  reauthPerIp: { bucket: 'reauth:ip', max: 30, windowMs: 15 * 60_000 },
  reauthPerAccount: { bucket: 'reauth:account', max: 10, windowMs: 15 * 60_000 },
  registerPerIp: { bucket: 'register:ip', max: 10, windowMs: 60 * 60_000 },
  // Registrations naming one address (taken or not: the same answer either way).
  registerPerAddress: { bucket: 'register:address', max: 5, windowMs: 60 * 60_000 },
  resetPerIp: { bucket: 'reset:ip', max: 10, windowMs: 60 * 60_000 },
  // Choosing a password through an emailed link (the rules and a hash, when the link is good).
  newPasswordPerIp: { bucket: 'new-password:ip', max: 20, windowMs: 60 * 60_000 },
  // Mail, per address and per kind of message: one kind never uses up another's budget.
  mailResetPassword: { bucket: 'mail:reset-password', max: 3, windowMs: 60 * 60_000 },
  mailVerifyEmail: { bucket: 'mail:verify-email', max: 5, windowMs: 60 * 60_000 },
  mailAlreadyRegistered: { bucket: 'mail:already-registered', max: 1, windowMs: 24 * 60 * 60_000 },
  mailChangeEmail: { bucket: 'mail:change-email', max: 5, windowMs: 60 * 60_000 },
  // Support recording a deletion request mails its confirmation link to the address.
  mailDeletionRequest: { bucket: 'mail:deletion-request', max: 5, windowMs: 60 * 60_000 },
  exportPerAccount: { bucket: 'export:account', max: 5, windowMs: 60 * 60_000 },
} satisfies Record<string, Limit>;

/**
 * A limit that slows down instead of refusing for long: the first `free` attempts of a window
 * pass; after them, each attempt that passes makes the next one wait `stepMs` longer than the
 * last (at most `maxDelayMs`), and attempts during the wait are refused without being counted.
 */
export interface Backoff {
  bucket: string;
  free: number;
  windowMs: number;
  stepMs: number;
  maxDelayMs: number;
}

export const BACKOFFS = {
  /** Failed sign-ins on one account, from anywhere. */
  signInPerAccount: { bucket: 'sign-in:account', free: 100, windowMs: 60 * 60_000, stepMs: 10_000, maxDelayMs: 5 * 60_000 },
} satisfies Record<string, Backoff>;

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
export async function refund(db: DB, limit: Limit | Backoff, key: string, now = new Date()): Promise<void> {
  await db
    .updateTable('rate_limit')
    .set({ count: sql<number>`count - 1` })
    .where('bucket', '=', limit.bucket)
    .where('key_hash', '=', keyHash(key))
    .where('window_start', '>', now.getTime() - limit.windowMs)
    .where('count', '>', 0)
    .execute();
}

/**
 * Counts one attempt against a backoff (see Backoff) and says whether it may go ahead. One
 * upsert, like `hit`: an attempt during the wait matches the upsert's WHERE, so it changes
 * nothing and returns no row, and concurrent attempts cannot both take the same turn.
 */
export async function backoff(db: DB, limit: Backoff, key: string, now = new Date()): Promise<RateDecision> {
  const at = now.getTime();
  const hash = keyHash(key);
  const inWindow = sql<boolean>`excluded.window_start < rate_limit.window_start + ${limit.windowMs}`;
  const next = sql<number>`case when ${inWindow} then rate_limit.count + 1 else 1 end`;
  const wait = (count: ReturnType<typeof sql<number>>) =>
    sql<number>`case when ${count} > ${limit.free} then ${at} + (case when (${count} - ${limit.free}) * ${limit.stepMs} < ${limit.maxDelayMs} then (${count} - ${limit.free}) * ${limit.stepMs} else ${limit.maxDelayMs} end) else 0 end`;
  const row = await db
    .insertInto('rate_limit')
    .values({ bucket: limit.bucket, key_hash: hash, window_start: at, count: 1, blocked_until: limit.free >= 1 ? 0 : at + limit.stepMs })
    .onConflict((oc) =>
      oc
        .columns(['bucket', 'key_hash'])
        .doUpdateSet({
          count: next,
          window_start: sql<number>`case when ${inWindow} then rate_limit.window_start else excluded.window_start end`,
          blocked_until: wait(next),
        })
        .where(sql<boolean>`not (${inWindow}) or excluded.window_start >= rate_limit.blocked_until`),
    )
    .returning(['count'])
    .executeTakeFirst();
  if (row) return { allowed: true };
  const blocked = await db
    .selectFrom('rate_limit')
    .select('blocked_until')
    .where('bucket', '=', limit.bucket)
    .where('key_hash', '=', hash)
    .executeTakeFirst();
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(((blocked?.blocked_until ?? at) - at) / 1000)) };
}

function accountIpKey(account: string, clientAddress: string): string {
  return `${account}\n${clientAddress}`;
}

/**
 * Counts a sign-in attempt for `account` (the normalized address typed) from `clientAddress`,
 * cheapest refusal first, before any password is hashed: every attempt per client address;
 * then per account and client address; then the account-wide backoff. An attempt refused by
 * one limit is not counted by the next, so a client over its own limits cannot push the
 * account's backoff (docs/decisions/0014-sign-in-and-mail-budgets.md).
 */
export async function countSignIn(db: DB, account: string, clientAddress: string, now = new Date()): Promise<RateDecision> {
  const perIp = await hit(db, LIMITS.signInPerIp, clientAddress, now);
  if (!perIp.allowed) return perIp;
  const pair = await hit(db, LIMITS.signInPerAccountIp, accountIpKey(account, clientAddress), now);
  if (!pair.allowed) return pair;
  return backoff(db, BACKOFFS.signInPerAccount, account, now);
}

/** A sign-in that succeeded was not a guess: it gives back its attempt on the account's limits. */
export async function signInSucceeded(db: DB, account: string, clientAddress: string, now = new Date()): Promise<void> {
  await refund(db, LIMITS.signInPerAccountIp, accountIpKey(account, clientAddress), now);
  await refund(db, BACKOFFS.signInPerAccount, account, now);
}

/** The rate-limit key of an account by its number (exports, re-authentication). */
export function accountKey(userId: number): string {
  return `user:${userId}`;
}

/**
 * Counts a re-authentication (the current password, asked of a signed-in user) against its own
 * budget, separate from sign-in: failed sign-ins by someone else never stop the owner here.
 */
export async function countReauth(db: DB, userId: number, clientAddress: string, now = new Date()): Promise<RateDecision> {
  const perIp = await hit(db, LIMITS.reauthPerIp, clientAddress, now);
  if (!perIp.allowed) return perIp;
  return hit(db, LIMITS.reauthPerAccount, accountKey(userId), now);
}

/** A right current password gives back its attempt on the account's re-authentication budget. */
export async function reauthSucceeded(db: DB, userId: number, now = new Date()): Promise<void> {
  await refund(db, LIMITS.reauthPerAccount, accountKey(userId), now);
}

/** Empties the named buckets (the benchmark, between rounds that must not limit each other). */
export async function clearBuckets(db: DB, buckets: readonly string[]): Promise<void> {
  await db
    .deleteFrom('rate_limit')
    .where('bucket', 'in', [...buckets])
    .execute();
}

/**
 * Deletes the rows whose window has passed (and, for a backoff, whose wait is over) at `now`:
 * each bucket by its own window; a bucket no longer listed here by the longest one. Such a row
 * no longer limits anything (the next attempt starts a new window). Returns how many.
 */
export async function pruneRateLimits(db: DB, now = new Date()): Promise<number> {
  const at = now.getTime();
  const all: (Limit | Backoff)[] = [...Object.values(LIMITS), ...Object.values(BACKOFFS)];
  const longest = Math.max(...all.map((l) => l.windowMs));
  const result = await db
    .deleteFrom('rate_limit')
    .where('blocked_until', '<=', at)
    .where((eb) =>
      eb.or([
        ...all.map((l) => eb.and([eb('bucket', '=', l.bucket), eb('window_start', '<=', at - l.windowMs)])),
        eb.and([
          eb(
            'bucket',
            'not in',
            all.map((l) => l.bucket),
          ),
          eb('window_start', '<=', at - longest),
        ]),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The scheduler's job (src/lib/jobs): windows are 15 minutes to a day long. */
export const RATE_LIMIT_JOB = {
  name: 'rate-limit.passed-windows',
  next: every(10 * 60_000),
  run: (db: DB, now: Date) => pruneRateLimits(db, now),
} satisfies Job;
