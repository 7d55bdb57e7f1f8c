import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { dropOnPostgres, POSTGRES, refuseOnPostgres, SQLITE, type Vocabulary } from './dialects.ts';

// Announcement banners (src/lib/announcements): editors' announcements, editors' changes
// to the automatic announcement of each policy version, and the append-only record of who
// changed what. Schedule columns are epoch milliseconds (compared on every page view);
// record times are ISO 8601 UTC text. Staff references are ON DELETE SET NULL: the history
// stays when a staff account is erased, without saying whose it was.
// The same on both dialects but for the boolean `dismissible` and the trigger.
async function createTables(db: Kysely<unknown>, v: Vocabulary): Promise<void> {
  await db.schema
    .createTable('announcement')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('text', 'text', (c) => c.notNull().check(sql`length(text) between 1 and 280`))
    .addColumn('level', 'text', (c) => c.notNull().check(sql`level in ('info', 'important')`))
    .addColumn('audience', 'text', (c) => c.notNull().check(sql`audience in ('everyone', 'signed-in', 'signed-out')`))
    .addColumn('link_url', 'text', (c) => c.check(sql`link_url is null or (length(link_url) between 1 and 500)`))
    .addColumn('link_text', 'text', (c) => c.check(sql`link_text is null or (length(link_text) between 1 and 60)`))
    .addColumn('dismissible', v.boolean, (c) => {
      const check = v.booleanCheck('dismissible');
      return check ? c.notNull().check(check) : c.notNull();
    })
    .addColumn('starts_at', 'integer', (c) => c.notNull())
    .addColumn('ends_at', 'integer')
    .addColumn('revision', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`revision >= 1`),
    )
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer', (c) => c.references('user.id').onDelete('set null'))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'integer', (c) => c.references('user.id').onDelete('set null'))
    .addCheckConstraint('announcement_link_pair', sql`(link_url is null) = (link_text is null)`)
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('announcement_schedule').on('announcement').columns(['starts_at', 'ends_at']).execute();

  await db.schema
    .createTable('policy_announcement')
    .addColumn('policy_effective_date', 'text', (c) => c.primaryKey().references('policy_version.effective_date'))
    .addColumn('text', 'text', (c) => c.check(sql`text is null or (length(text) between 1 and 280)`))
    .addColumn('ended_at', 'integer')
    .addColumn('revision', 'integer', (c) => c.notNull().check(sql`revision >= 0`))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'integer', (c) => c.references('user.id').onDelete('set null'))
    .modifyEnd(sql`strict`)
    .execute();

  await db.schema
    .createTable('announcement_change')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('announcement_id', 'integer', (c) => c.references('announcement.id').onDelete('cascade'))
    .addColumn('policy_effective_date', 'text', (c) => c.references('policy_version.effective_date'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('by_user_id', 'integer', (c) => c.references('user.id').onDelete('set null'))
    .addColumn('action', 'text', (c) =>
      c.notNull().check(sql`action in ('created', 'edited', 'ended', 'text-edited', 'text-restored', 'resumed')`),
    )
    .addColumn('details', 'text', (c) => c.notNull())
    .addCheckConstraint('announcement_change_subject', sql`(announcement_id is null) <> (policy_effective_date is null)`)
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('announcement_change_announcement').on('announcement_change').column('announcement_id').execute();
  await db.schema.createIndex('announcement_change_policy').on('announcement_change').column('policy_effective_date').execute();
}

// The record is append-only. Only by_user_id may change, which ON DELETE SET NULL does
// when a staff account is erased.
const APPEND_ONLY = 'the announcement history is append-only';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createTables(db, SQLITE);
  await sql`
    create trigger announcement_change_append_only
    before update of announcement_id, policy_effective_date, at, action, details on announcement_change
    begin
      select raise(abort, ${sql.raw(`'${APPEND_ONLY}'`)});
    end
  `.execute(db);
}

export const postgres: Migration = {
  async up(db) {
    await createTables(db, POSTGRES);
    await refuseOnPostgres(
      db,
      'announcement_change_append_only',
      'announcement_change',
      'update of announcement_id, policy_effective_date, "at", action, details',
      APPEND_ONLY,
    );
  },
  async down(db) {
    await dropOnPostgres(db, 'announcement_change_append_only', 'announcement_change');
    for (const table of ['announcement_change', 'policy_announcement', 'announcement']) await db.schema.dropTable(table).execute();
  },
};

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists announcement_change_append_only`.execute(db);
  for (const table of ['announcement_change', 'policy_announcement', 'announcement']) {
    await db.schema.dropTable(table).execute();
  }
}
