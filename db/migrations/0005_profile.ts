import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { POSTGRES, SQLITE, type Vocabulary } from './dialects.ts';

// Profiles and data rights (src/lib/accounts): the optional profile fields, the history of
// changes to a user's data, the sharing preference with its history, and the record kept
// when an account is deleted (which holds no personal data). Times are ISO 8601 UTC text.
//
// Everything a user owns references `user` with ON DELETE CASCADE, but erasure does not rely
// on it: src/lib/accounts/registry.ts lists every table that holds personal data and
// eraseAccount deletes from each explicitly.
// The same on both dialects but for the boolean `opted_out`.
async function createTables(db: Kysely<unknown>, v: Vocabulary): Promise<void> {
  // One row per user who has filled in at least one optional field (created on first save).
  await db.schema
    .createTable('account_profile')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('user.id').onDelete('cascade'))
    .addColumn('full_name', 'text')
    .addColumn('company', 'text')
    .addColumn('job_title', 'text')
    .addColumn('phone', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();

  // What changed and when, never the old value: the history shown on /account.
  await db.schema
    .createTable('data_change')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id').onDelete('cascade'))
    // A field name from src/lib/accounts/history.ts (checked there, so that new fields need no migration).
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'text', (c) => c.notNull())
    // Who made the change: the user, or (later) support staff acting on a request.
    .addColumn('actor', 'text', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('data_change_user').on('data_change').columns(['user_id', 'id']).execute();

  // Every choice about sharing with third parties or for new purposes, newest last; the
  // latest row is the current preference (no row: the default, sharing not refused).
  await db.schema
    .createTable('sharing_choice')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id').onDelete('cascade'))
    .addColumn('opted_out', v.boolean, (c) => {
      const check = v.booleanCheck('opted_out');
      return check ? c.notNull().check(check) : c.notNull();
    })
    .addColumn('chosen_at', 'text', (c) => c.notNull())
    // 'account-page' (the control on /account) or 'gpc' (the browser's Global Privacy Control).
    .addColumn('source', 'text', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('sharing_choice_user').on('sharing_choice').columns(['user_id', 'id']).execute();

  // Kept when an account is deleted. No user id, address, name or anything else that could
  // identify the person: only when, how, and which policy versions applied.
  await db.schema
    .createTable('deletion_record')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('deleted_at', 'text', (c) => c.notNull())
    .addColumn('via', 'text', (c) => c.notNull().check(sql`via in ('self-service', 'support')`))
    // The policy version in effect at deletion, and the last one the user had agreed to.
    .addColumn('policy_in_effect', 'text', (c) => c.references('policy_version.effective_date'))
    .addColumn('last_agreed_policy', 'text', (c) => c.references('policy_version.effective_date'))
    .modifyEnd(sql`strict`)
    .execute();
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await createTables(db, SQLITE);
}

export const postgres: Migration = { up: (db) => createTables(db, POSTGRES), down };

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['deletion_record', 'sharing_choice', 'data_change', 'account_profile']) {
    await db.schema.dropTable(table).execute();
  }
}
