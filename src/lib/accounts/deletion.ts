import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { normalizeEmail } from '../auth/email-address.ts';
import { isLastAdmin } from '../auth/role-grants.ts';
import { checkpointWal, vacuumErased, writeTransaction, type DB } from '../db/index.ts';
import type { Database } from '../db/schema.ts';
import { enqueueMail } from '../mail/index.ts';
import { policyFacts } from './acknowledgements.ts';
import { verifyCurrentPassword } from './credentials.ts';
import { accountDeletedMessage } from './emails.ts';
import { ERASED_TABLES, PERSONAL_DATA } from './registry.ts';
import type { DeletionVia } from './tables.ts';

/**
 * Account deletion (docs/decisions/0008-account-deletion.md): immediate, in one transaction,
 * through every table the registry lists. Nothing personal is left; a deletion record keeps
 * when, how and which policy versions applied. `eraseAccount` (or `eraseAccountIn`) is the one
 * erasure function: self-service deletion and support's deletion requests call it, each first
 * refusing the last admin (isLastAdmin) in the same transaction.
 */

export interface DeletionRecord {
  deletedAt: string;
  via: DeletionVia;
  policyInEffect: string | null;
  lastAgreedPolicy: string | null;
}

/** The key the rate limiter stores for `key` (the same SHA-256 hex that src/lib/rate-limit uses). */
export function rateLimitKeyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The rate-limit key that counts a user's exports. */
export function exportRateLimitKey(userId: number): string {
  return `user:${userId}`;
}

type Untyped = Kysely<Record<string, Record<string, unknown>>>;

/**
 * Erases every row of personal data of `userId` and records the deletion. Returns the
 * address the account had (for the confirmation message, which only the caller may send)
 * and the record; undefined when there is no such account. The caller decides whether the
 * account may go: in particular, it refuses the last admin (isLastAdmin).
 */
export async function eraseAccount(
  db: DB,
  userId: number,
  via: DeletionVia,
  now = new Date(),
): Promise<{ email: string; record: DeletionRecord } | undefined> {
  return db.transaction().execute((trx) => eraseAccountIn(trx, userId, via, now));
}

/**
 * The same erasure inside a transaction the caller holds, so that what the caller records
 * with it (support's audit entry and deletion request) commits with the erasure or not at all.
 */
export async function eraseAccountIn(
  trx: Transaction<Database>,
  userId: number,
  via: DeletionVia,
  now = new Date(),
): Promise<{ email: string; record: DeletionRecord } | undefined> {
  const user = await trx.selectFrom('user').select(['email', 'email_normalized']).where('id', '=', userId).executeTakeFirst();
  if (!user) return undefined;
  const policy = await policyFacts(trx, userId, now);
  // Every address the rate limiter may have counted for this account.
  const tokenEmails = await trx.selectFrom('email_token').select('email').where('user_id', '=', userId).execute();
  const keys = new Set([user.email_normalized, user.email.toLowerCase(), exportRateLimitKey(userId)]);
  for (const { email } of tokenEmails) {
    keys.add(email.toLowerCase());
    const normalized = normalizeEmail(email)?.normalized;
    if (normalized) keys.add(normalized);
  }

  const untyped = trx as unknown as Untyped;
  // Children before parents: the user row goes last.
  for (const e of [...PERSONAL_DATA].reverse()) {
    switch (e.erase) {
      case 'delete-rows':
        await untyped
          .deleteFrom(e.table)
          .where((eb) => eb.or(e.userColumns.map((c) => eb(c, '=', userId))))
          .execute();
        break;
      case 'unlink':
        for (const c of e.userColumns)
          await untyped
            .updateTable(e.table)
            .set({ [c]: null })
            .where(c, '=', userId)
            .execute();
        break;
      case 'rate-limit-keys':
        await untyped
          .deleteFrom(e.table)
          .where('key_hash', 'in', [...keys].map(rateLimitKeyHash))
          .execute();
        break;
      case 'by-address':
        await untyped
          .deleteFrom(e.table)
          .where((eb) => eb(eb.fn('lower', [eb.ref(e.addressColumn ?? 'email')]), 'in', [...keys]))
          .execute();
        break;
      case 'keep':
        // Append-only records (see `kept` in the registry): left as they are.
        break;
    }
  }
  const record: DeletionRecord = {
    deletedAt: now.toISOString(),
    via,
    policyInEffect: policy.inEffect,
    lastAgreedPolicy: policy.lastAgreed,
  };
  await trx
    .insertInto('deletion_record')
    .values({ deleted_at: record.deletedAt, via, policy_in_effect: record.policyInEffect, last_agreed_policy: record.lastAgreedPolicy })
    .execute();
  return { email: user.email, record };
}

/** How long an erasure's response waits for the vacuum that follows it before letting it finish on its own. */
export const ERASURE_VACUUM_WAIT_MS = 2_000;

/**
 * After an erasure has committed: the erased bytes leave the database's files too. SQLite: the
 * WAL is checkpointed into the main file and emptied (secure_delete has zeroed them there).
 * PostgreSQL: the tables the erasure touched are vacuumed, which removes the erased rows' dead
 * versions and their index entries (decision 0025). Every erasure path calls this once its
 * transaction has committed. A checkpoint that cannot finish (another process keeps reading)
 * is logged; the next erasure's checkpoint covers this one's. A vacuum still running after
 * ERASURE_VACUUM_WAIT_MS goes on after the caller has answered (a large table's index pass);
 * one that fails is logged, and autovacuum removes the rows later.
 */
export async function scrubErasedBytes(db: DB, { waitMs = ERASURE_VACUUM_WAIT_MS } = {}): Promise<void> {
  try {
    if (!(await checkpointWal(db)))
      console.error(
        'account deletion: the database log could not be emptied (another connection kept reading); erased data may remain in it until the next checkpoint',
      );
  } catch (error) {
    console.error('account deletion: the database log could not be emptied:', error instanceof Error ? error.message : error);
  }
  const vacuum = vacuumErased(db, ERASED_TABLES).then(
    () => undefined,
    (error: unknown) =>
      console.error(
        'account deletion: the erased rows could not be vacuumed now; autovacuum will remove them:',
        error instanceof Error ? error.message : error,
      ),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([vacuum, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
  clearTimeout(timer);
}

export type SelfDeletionOutcome =
  { ok: true; record: DeletionRecord } | { ok: false; problem: 'wrong-password' | 'no-account' | 'last-admin' };

/**
 * Self-service deletion: re-authenticates with the current password, erases, and queues a
 * confirmation to the address the account had, in the erasure's transaction: it is sent only if
 * the deletion commits, and a mail server that is down neither blocks nor undoes it. The last
 * admin cannot delete their account (isLastAdmin): someone must be left to administer the site.
 * The rule is read under the write lock taken first (writeTransaction), so two admins deleting
 * themselves at once cannot both pass it.
 */
export async function deleteOwnAccount(db: DB, userId: number, password: string, now = new Date()): Promise<SelfDeletionOutcome> {
  if (!(await verifyCurrentPassword(db, userId, password))) return { ok: false, problem: 'wrong-password' };
  const erased = await writeTransaction(db, 'admins', async (trx) => {
    if (await isLastAdmin(trx, userId)) return 'last-admin' as const;
    const done = await eraseAccountIn(trx, userId, 'self-service', now);
    if (!done) return 'no-account' as const;
    await enqueueMail(trx, accountDeletedMessage(done.email, now), now, { forgetWhenSent: true });
    return done;
  });
  if (typeof erased === 'string') return { ok: false, problem: erased };
  await scrubErasedBytes(db);
  return { ok: true, record: erased.record };
}

/** Deletion records, newest first (for staff reports; they hold nothing personal). */
export async function listDeletionRecords(db: DB, limit = 100): Promise<DeletionRecord[]> {
  const rows = await db.selectFrom('deletion_record').selectAll().orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    deletedAt: r.deleted_at,
    via: r.via,
    policyInEffect: r.policy_in_effect,
    lastAgreedPolicy: r.last_agreed_policy,
  }));
}
