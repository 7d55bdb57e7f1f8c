import type { DB } from '../db/index.ts';
import { dailyAfterMidnightUtc, type Job } from '../jobs/scheduler.ts';
import { addDays, dayOf } from './days.ts';
import { pruneDailyDetail } from './stats.ts';

/**
 * Retention of the visitor statistics, enforced once a day just after midnight UTC by the
 * scheduler (src/lib/jobs), which replaced the view counter's own midnight timer:
 * - the dedupe data: the salts and the keyed hashes of past days (a day's hashes cannot be
 *   recomputed once its salt is gone), and idempotency keys older than yesterday (a retry
 *   across midnight is still a repeat). The recorder does the same with the first view of a
 *   day (recorder.ts `rotate`); this job covers days without views.
 * - daily detail older than VIEWS_RETENTION_DAYS (pruneDailyDetail); page totals stay.
 */
export async function pruneDedupeData(db: DB, now: Date): Promise<number> {
  const today = dayOf(now);
  return db.transaction().execute(async (trx) => {
    const salts = await trx.deleteFrom('view_salt').where('day', '<', today).executeTakeFirst();
    const seen = await trx.deleteFrom('view_seen').where('day', '<', today).executeTakeFirst();
    const keys = await trx.deleteFrom('view_event_key').where('day', '<', addDays(today, -1)).executeTakeFirst();
    return Number(salts.numDeletedRows) + Number(seen.numDeletedRows) + Number(keys.numDeletedRows);
  });
}

export function viewsRetentionJob({ retentionDays }: { retentionDays: number }): Job {
  return {
    name: 'views.daily-maintenance',
    next: dailyAfterMidnightUtc(),
    run: async (db, now) => (await pruneDedupeData(db, now)) + (await pruneDailyDetail(db, retentionDays, now)).deleted,
  };
}
