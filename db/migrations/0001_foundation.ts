import { sql, type Kysely } from 'kysely';

// The foundation only records facts about the database itself; capabilities add their own
// tables in later migrations. Every table is STRICT so that SQLite enforces column types.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('app_meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await sql`insert into app_meta (key, value) values ('created_at', ${new Date().toISOString()})`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('app_meta').execute();
}
