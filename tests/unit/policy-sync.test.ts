import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { PolicySyncError, syncPolicyVersions, type PolicyVersionRecord } from '../../src/lib/policy/sync.ts';
import { testDatabase } from '../support/db.ts';

const v1: PolicyVersionRecord = { version: 1, effective: '2009-01-01', title: 'Privacy Policy', sha256: 'a'.repeat(64), material: false };
const v2: PolicyVersionRecord = { version: 2, effective: '2027-01-01', title: 'Privacy Policy', sha256: 'b'.repeat(64), material: true };

const database = testDatabase();

describe('syncPolicyVersions', () => {
  it('records the versions, then does nothing on the next start', async () => {
    const now = new Date('2026-11-25T10:00:00Z');
    expect(await syncPolicyVersions(database.db, [v1, v2], now)).toEqual({
      inserted: ['2009-01-01', '2027-01-01'],
      unchanged: [],
      onlyInDatabase: [],
    });
    expect(await syncPolicyVersions(database.db, [v1, v2])).toEqual({
      inserted: [],
      unchanged: ['2009-01-01', '2027-01-01'],
      onlyInDatabase: [],
    });
    const rows = await database.db.selectFrom('policy_version').selectAll().orderBy('version').execute();
    expect(rows).toEqual([
      {
        effective_date: '2009-01-01',
        version: 1,
        title: 'Privacy Policy',
        content_sha256: 'a'.repeat(64),
        material: false,
        recorded_at: '2026-11-25T10:00:00.000Z',
      },
      {
        effective_date: '2027-01-01',
        version: 2,
        title: 'Privacy Policy',
        content_sha256: 'b'.repeat(64),
        material: true,
        recorded_at: '2026-11-25T10:00:00.000Z',
      },
    ]);
  });

  it('adds a new version to those already recorded', async () => {
    await syncPolicyVersions(database.db, [v1]);
    expect((await syncPolicyVersions(database.db, [v1, v2])).inserted).toEqual(['2027-01-01']);
  });

  it('refuses a version whose text changed, and writes nothing', async () => {
    await syncPolicyVersions(database.db, [v1]);
    const changed = { ...v1, sha256: 'c'.repeat(64) };
    await expect(syncPolicyVersions(database.db, [changed, v2])).rejects.toThrow(PolicySyncError);
    await expect(syncPolicyVersions(database.db, [changed, v2])).rejects.toThrow(/differs from the one the database recorded \(text\)/);
    expect(await database.db.selectFrom('policy_version').select('version').execute()).toEqual([{ version: 1 }]);
  });

  it('refuses a version number that moved to another date', async () => {
    await syncPolicyVersions(database.db, [v1, v2]);
    await expect(syncPolicyVersions(database.db, [v1, { ...v2, effective: '2027-02-01' }])).rejects.toThrow(
      /version 2 takes effect on 2027-02-01 in the build but on 2027-01-01/,
    );
  });

  it('keeps and reports versions only the database knows', async () => {
    await syncPolicyVersions(database.db, [v1, v2]);
    expect((await syncPolicyVersions(database.db, [v1])).onlyInDatabase).toEqual(['2027-01-01']);
  });

  it('is a STRICT table whose rows cannot be updated', async () => {
    await syncPolicyVersions(database.db, [v1]);
    await expect(database.db.updateTable('policy_version').set({ title: 'Changed' }).execute()).rejects.toThrow(/never changes/);
    await expect(
      sql`insert into policy_version values ('2030-01-01', 'three', 't', ${'d'.repeat(64)}, ${false}, 'x')`.execute(database.db),
    ).rejects.toThrow();
    await expect(
      sql`insert into policy_version values ('soon', 3, 't', ${'d'.repeat(64)}, ${false}, 'x')`.execute(database.db),
    ).rejects.toThrow(/CHECK|check constraint/);
  });
});
