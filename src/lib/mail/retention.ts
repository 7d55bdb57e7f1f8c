import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DB } from '../db/index.ts';
import { every, type Job } from '../jobs/scheduler.ts';

/**
 * Messages written to MAIL_OUTBOX_DIR (no SMTP server) are copies of what was sent: addresses,
 * names, single-use links. They are kept MAIL_OUTBOX_RETENTION_DAYS days, then deleted, so an
 * erased account's address does not live on in the outbox.
 */

const DAY_MS = 24 * 60 * 60_000;
/** How often the server looks for old messages. */
export const OUTBOX_SWEEP_INTERVAL_MS = 60 * 60_000;

/**
 * Deletes the `.eml` files in `dir` last written `retentionDays` days or more before `now`;
 * returns how many. Other files are left alone; a missing folder holds nothing to delete.
 */
export function pruneOutbox(dir: string, retentionDays: number, now: Date): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const cutoff = now.getTime() - retentionDays * DAY_MS;
  let deleted = 0;
  for (const name of names) {
    if (!name.endsWith('.eml')) continue;
    const file = join(dir, name);
    try {
      const stat = statSync(file);
      if (!stat.isFile() || stat.mtimeMs > cutoff) continue;
      rmSync(file, { force: true });
      deleted++;
    } catch (error) {
      // Gone meanwhile (another sweep): nothing to do.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return deleted;
}

/**
 * The scheduler's job (src/lib/jobs) that enforces MAIL_OUTBOX_RETENTION_DAYS: at start and
 * every OUTBOX_SWEEP_INTERVAL_MS. It touches files, not tables; the database only holds its
 * claim, so that processes sharing the outbox sweep it once per period.
 */
export function outboxRetentionJob({ dir, retentionDays }: { dir: string; retentionDays: number }): Job {
  return {
    name: 'mail.outbox',
    next: every(OUTBOX_SWEEP_INTERVAL_MS),
    run: async (_db, now) => pruneOutbox(dir, retentionDays, now),
  };
}

/** Days a sent message's row is kept (its Message-ID answers "was it sent?"), then deleted. */
export const SENT_MAIL_RETENTION_DAYS = 7;
/** Days a message given up on is kept, for admins to see and act on, then deleted. */
export const FAILED_MAIL_RETENTION_DAYS = 30;
/** How often the server prunes the outbox table. */
export const OUTBOX_PRUNE_INTERVAL_MS = 60 * 60_000;

/** Deletes outbox rows with `status` finished `days` days or more before `now`; returns how many. */
async function pruneFinished(db: DB, status: 'sent' | 'failed', days: number, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('mail_outbox')
    .where('status', '=', status)
    .where('finished_at', '<=', now.getTime() - days * DAY_MS)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * The outbox table's retention: sent messages SENT_MAIL_RETENTION_DAYS after they were sent,
 * failed ones FAILED_MAIL_RETENTION_DAYS after they were given up on. Pending rows are not
 * touched: the delivery worker ends them (sent, or failed after its last attempt).
 */
export const OUTBOX_ROWS_JOB: Job = {
  name: 'mail.outbox-rows',
  next: every(OUTBOX_PRUNE_INTERVAL_MS),
  run: async (db, now) =>
    (await pruneFinished(db, 'sent', SENT_MAIL_RETENTION_DAYS, now)) + (await pruneFinished(db, 'failed', FAILED_MAIL_RETENTION_DAYS, now)),
};
