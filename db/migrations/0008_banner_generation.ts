import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

// A counter that every change to what the announcement banners are made of moves forward, by
// trigger, whoever makes the change (the site, `npm run policy`, a test, a person with sqlite3).
// The banner island keeps what it read and checks only this one row on each request
// (src/lib/announcements/sources.ts): the island is rendered on every page view.
const SOURCES = ['announcement', 'policy_announcement', 'policy_version'];

async function createTable(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('banner_generation')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('generation', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await sql`insert into banner_generation (id, generation) values (1, 1)`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await createTable(db);
  for (const table of SOURCES) {
    for (const event of ['insert', 'update', 'delete']) {
      await sql`
        create trigger ${sql.raw(`${table}_${event}_moves_banner_generation`)} after ${sql.raw(event)} on ${sql.table(table)}
        begin
          update banner_generation set generation = generation + 1 where id = 1;
        end
      `.execute(db);
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of SOURCES) {
    for (const event of ['insert', 'update', 'delete'])
      await sql`drop trigger ${sql.raw(`${table}_${event}_moves_banner_generation`)}`.execute(db);
  }
  await db.schema.dropTable('banner_generation').execute();
}

// PostgreSQL: one PL/pgSQL function, run by a row trigger on each table and event.
export const postgres: Migration = {
  async up(db) {
    await createTable(db);
    await sql`
      create function banner_generation_moves() returns trigger language plpgsql as $$
      begin
        update banner_generation set generation = generation + 1 where id = 1;
        return null;
      end $$
    `.execute(db);
    for (const table of SOURCES) {
      await sql`
        create trigger ${sql.raw(`${table}_moves_banner_generation`)} after insert or update or delete on ${sql.table(table)}
        for each row execute function banner_generation_moves()
      `.execute(db);
    }
  },
  async down(db) {
    for (const table of SOURCES) await sql`drop trigger ${sql.raw(`${table}_moves_banner_generation`)} on ${sql.table(table)}`.execute(db);
    await sql`drop function banner_generation_moves()`.execute(db);
    await db.schema.dropTable('banner_generation').execute();
  },
};
