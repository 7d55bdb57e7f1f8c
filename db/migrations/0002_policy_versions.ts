import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { dropOnPostgres, POSTGRES, refuseOnPostgres, SQLITE, type Vocabulary } from './dialects.ts';

// The published versions of the privacy policy (src/lib/policy/table.ts), synced from the
// build at server start by syncPolicyVersions. Other tables reference a version by its
// effective date. Rows are never updated: a published version never changes (a trigger on
// each dialect refuses it).
const NEVER_CHANGES = 'a published policy version never changes';

async function createTable(db: Kysely<unknown>, v: Vocabulary): Promise<void> {
  await db.schema
    .createTable('policy_version')
    .addColumn('effective_date', 'text', (c) => c.primaryKey().check(v.isDay('effective_date')))
    .addColumn('version', 'integer', (c) =>
      c
        .notNull()
        .unique()
        .check(sql`version >= 1`),
    )
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('content_sha256', 'text', (c) => c.notNull().check(sql`length(content_sha256) = 64`))
    .addColumn('material', v.boolean, (c) => {
      const check = v.booleanCheck('material');
      return check ? c.notNull().check(check) : c.notNull();
    })
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await createTable(db, SQLITE);
  await sql`
    create trigger policy_version_never_changes
    before update on policy_version
    begin
      select raise(abort, ${sql.raw(`'${NEVER_CHANGES}'`)});
    end
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists policy_version_never_changes`.execute(db);
  await db.schema.dropTable('policy_version').execute();
}

export const postgres: Migration = {
  async up(db) {
    await createTable(db, POSTGRES);
    await refuseOnPostgres(db, 'policy_version_never_changes', 'policy_version', 'update', NEVER_CHANGES);
  },
  async down(db) {
    await dropOnPostgres(db, 'policy_version_never_changes', 'policy_version');
    await db.schema.dropTable('policy_version').execute();
  },
};
