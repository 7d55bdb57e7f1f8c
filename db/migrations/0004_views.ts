import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { POSTGRES, SQLITE, type Vocabulary } from './dialects.ts';

// Visitor statistics (src/lib/views, docs/decisions/0004-view-counting.md): aggregates per
// page and day, all-time totals per page, site-wide daily uniques, and what the current
// day's dedupe needs (the day's salt, keyed hashes, idempotency keys). No table references
// an account or holds an IP address or a user-agent string.
// The same on both dialects but for the check that a day is YYYY-MM-DD.
async function createTables(db: Kysely<unknown>, { isDay: DAY }: Vocabulary): Promise<void> {
  await db.schema
    .createTable('view_daily')
    .addColumn('path', 'text', (c) => c.notNull().check(sql`substr(path, 1, 1) = '/'`))
    .addColumn('day', 'text', (c) => c.notNull().check(DAY('day')))
    .addColumn('views', 'integer', (c) => c.notNull().check(sql`views >= 0`))
    .addColumn('visitors', 'integer', (c) => c.notNull().check(sql`visitors >= 0`))
    .addPrimaryKeyConstraint('view_daily_pk', ['path', 'day'])
    .modifyEnd(sql`strict, without rowid`)
    .execute();
  // Statistics read by day range across pages.
  await db.schema.createIndex('view_daily_day').on('view_daily').columns(['day', 'path']).execute();

  await db.schema
    .createTable('view_total')
    .addColumn('path', 'text', (c) => c.primaryKey().check(sql`substr(path, 1, 1) = '/'`))
    .addColumn('views', 'integer', (c) => c.notNull().check(sql`views >= 0`))
    .addColumn('visitors', 'integer', (c) => c.notNull().check(sql`visitors >= 0`))
    .modifyEnd(sql`strict, without rowid`)
    .execute();

  await db.schema
    .createTable('view_site_daily')
    .addColumn('day', 'text', (c) => c.primaryKey().check(DAY('day')))
    .addColumn('visitors', 'integer', (c) => c.notNull().check(sql`visitors >= 0`))
    .modifyEnd(sql`strict, without rowid`)
    .execute();

  await db.schema
    .createTable('view_salt')
    .addColumn('day', 'text', (c) => c.primaryKey().check(DAY('day')))
    .addColumn('salt', 'blob', (c) => c.notNull().check(sql`length(salt) = 32`))
    .modifyEnd(sql`strict`)
    .execute();

  await db.schema
    .createTable('view_seen')
    .addColumn('hash', 'blob', (c) => c.primaryKey().check(sql`length(hash) = 32`))
    .addColumn('day', 'text', (c) => c.notNull().check(DAY('day')))
    .modifyEnd(sql`strict, without rowid`)
    .execute();

  await db.schema
    .createTable('view_event_key')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('day', 'text', (c) => c.notNull().check(DAY('day')))
    .modifyEnd(sql`strict, without rowid`)
    .execute();
  await db.schema.createIndex('view_event_key_day').on('view_event_key').column('day').execute();
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await createTables(db, SQLITE);
}

export const postgres: Migration = { up: (db) => createTables(db, POSTGRES), down };

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['view_event_key', 'view_seen', 'view_salt', 'view_site_daily', 'view_total', 'view_daily']) {
    await db.schema.dropTable(table).execute();
  }
}
