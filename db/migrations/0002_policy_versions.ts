import { sql, type Kysely } from 'kysely';

// The published versions of the privacy policy (src/lib/policy/table.ts), synced from the
// build at server start by syncPolicyVersions. Other tables reference a version by its
// effective date. Rows are never updated: a published version never changes.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('policy_version')
    .addColumn('effective_date', 'text', (c) => c.primaryKey().check(sql`effective_date glob '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'`))
    .addColumn('version', 'integer', (c) =>
      c
        .notNull()
        .unique()
        .check(sql`version >= 1`),
    )
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('content_sha256', 'text', (c) => c.notNull().check(sql`length(content_sha256) = 64`))
    .addColumn('material', 'integer', (c) => c.notNull().check(sql`material in (0, 1)`))
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await sql`
    create trigger policy_version_never_changes
    before update on policy_version
    begin
      select raise(abort, 'a published policy version never changes');
    end
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists policy_version_never_changes`.execute(db);
  await db.schema.dropTable('policy_version').execute();
}
