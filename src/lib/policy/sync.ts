import { writeTransaction, type DB } from '../db/index.ts';
import type { CalendarDate } from './dates.ts';

/** What the database records of a published version. */
export interface PolicyVersionRecord {
  version: number;
  effective: CalendarDate;
  title: string;
  sha256: string;
  material: boolean;
}

export interface SyncResult {
  /** Effective dates of the versions added now. */
  inserted: CalendarDate[];
  /** Effective dates of the versions the database already had, identical. */
  unchanged: CalendarDate[];
  /** Effective dates the database has but the build does not (kept: rows may refer to them). */
  onlyInDatabase: CalendarDate[];
}

export class PolicySyncError extends Error {
  override name = 'PolicySyncError';
}

/**
 * Records the published versions in `policy_version`, so that other tables can reference
 * them. Idempotent: run it at every server start. Adds the versions the database lacks and
 * never changes a row: if the database already holds a version with the same effective date
 * (or number) but a different text, title or material flag, it throws `PolicySyncError` and
 * writes nothing, because a published version never changes and rows elsewhere may record
 * that a user accepted the text the database knows.
 *
 * Several app servers starting at once on one database each run it: the transaction takes its
 * lock before it reads, so the second one finds the first one's rows instead of inserting
 * them again (a unique violation that stopped its start, on PostgreSQL).
 */
export async function syncPolicyVersions(db: DB, versions: readonly PolicyVersionRecord[], now: Date = new Date()): Promise<SyncResult> {
  return writeTransaction(db, 'policy-versions', async (trx) => {
    const rows = await trx.selectFrom('policy_version').selectAll().execute();
    const byDate = new Map(rows.map((r) => [r.effective_date, r]));
    const result: SyncResult = { inserted: [], unchanged: [], onlyInDatabase: [] };
    for (const v of versions) {
      const row = byDate.get(v.effective);
      if (row) {
        const differs: string[] = [];
        if (row.content_sha256 !== v.sha256) differs.push('text');
        if (row.title !== v.title) differs.push('title');
        if (row.version !== v.version) differs.push(`version number (${row.version} → ${v.version})`);
        if (row.material !== v.material) differs.push('material flag');
        if (differs.length > 0) {
          throw new PolicySyncError(
            `the policy version effective ${v.effective} differs from the one the database recorded (${differs.join(', ')}); a published version never changes — restore it and publish the change as a new version`,
          );
        }
        result.unchanged.push(v.effective);
        continue;
      }
      const clash = rows.find((r) => r.version === v.version);
      if (clash) {
        throw new PolicySyncError(
          `policy version ${v.version} takes effect on ${v.effective} in the build but on ${clash.effective_date} in the database; a published version never changes`,
        );
      }
      await trx
        .insertInto('policy_version')
        .values({
          effective_date: v.effective,
          version: v.version,
          title: v.title,
          content_sha256: v.sha256,
          material: v.material,
          recorded_at: now.toISOString(),
        })
        .execute();
      result.inserted.push(v.effective);
    }
    const known = new Set(versions.map((v) => v.effective));
    result.onlyInDatabase = rows.map((r) => r.effective_date).filter((d) => !known.has(d));
    return result;
  });
}
