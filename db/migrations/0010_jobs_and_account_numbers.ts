import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

// 1. Scheduled jobs (src/lib/jobs): one row per job with the time its next period begins.
//    A process runs a job only after claiming the period with one conditional UPDATE
//    (`… where next_run_at <= now`), so with several processes each period runs once.
//
// 2. Account numbers are never reused. `user.id` was `INTEGER PRIMARY KEY`, for which SQLite
//    gives the highest number again once that row is deleted; with AUTOINCREMENT it never
//    does. SQLite cannot add AUTOINCREMENT to a table, so `user` is rebuilt following its
//    documented 12-step procedure (https://www.sqlite.org/lang_altertable.html#otheralter):
//    foreign keys off (outside a transaction: the pragma is ignored inside one), then in one
//    transaction create `new_user`, copy, drop `user`, rename `new_user` to `user`, recreate
//    its indexes and triggers, and `foreign_key_check`; commit; foreign keys back on. Child
//    tables keep their `REFERENCES user(id)`: they name `user`, which exists again after the
//    rename. With foreign keys on, the DROP would have run their ON DELETE CASCADE.
//
// Kysely runs SQLite migrations on the one connection, not inside a transaction (the SQLite
// adapter does not support transactional DDL), which is what makes step 1 possible here.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDB = Kysely<any>;

const USER_COLUMNS = [
  'id',
  'email',
  'email_normalized',
  'email_verified_at',
  'password_hash',
  'display_name',
  'created_at',
  'last_sign_in_at',
];

function userTable(name: string, autoincrement: boolean) {
  return sql.raw(`create table "${name}" (
    "id" integer primary key${autoincrement ? ' autoincrement' : ''},
    "email" text not null,
    "email_normalized" text not null unique,
    "email_verified_at" text,
    "password_hash" text,
    "display_name" text,
    "created_at" text not null,
    "last_sign_in_at" text
  ) strict`);
}

/** Rebuilds `user` with or without AUTOINCREMENT, keeping its rows, indexes, triggers and every reference to it. */
async function rebuildUser(db: AnyDB, autoincrement: boolean): Promise<void> {
  const { rows } = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
  const foreignKeys = rows[0]?.foreign_keys === 1;
  if (foreignKeys) await sql`pragma foreign_keys = off`.execute(db);
  try {
    const { rows: still } = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
    // Inside a transaction the pragma does nothing, and dropping `user` would cascade.
    if (still[0]?.foreign_keys !== 0)
      throw new Error('foreign keys could not be turned off (is the migration running inside a transaction?)');
    await db.transaction().execute(async (trx) => {
      const { rows: schema } = await sql<{ sql: string }>`
        select sql from sqlite_schema where tbl_name = 'user' and type in ('index', 'trigger') and sql is not null
      `.execute(trx);
      await userTable('new_user', autoincrement).execute(trx);
      const columns = USER_COLUMNS.map((c) => `"${c}"`).join(', ');
      await sql.raw(`insert into "new_user" (${columns}) select ${columns} from "user"`).execute(trx);
      await sql`drop table "user"`.execute(trx);
      await sql`alter table "new_user" rename to "user"`.execute(trx);
      for (const { sql: statement } of schema) await sql.raw(statement).execute(trx);
      if (autoincrement) {
        // Numbers already given out and deleted before this migration may still be named by
        // the audit log (which outlives accounts): start above every one of them too.
        await sql`
          insert into sqlite_sequence (name, seq)
          select 'user', max(
            coalesce((select max(id) from "user"), 0),
            coalesce((select max(subject_user_id) from audit_log), 0),
            coalesce((select max(actor_user_id) from audit_log), 0)
          )
          where not exists (select 1 from sqlite_sequence where name = 'user')
        `.execute(trx);
        await sql`
          update sqlite_sequence set seq = max(
            seq,
            coalesce((select max(subject_user_id) from audit_log), 0),
            coalesce((select max(actor_user_id) from audit_log), 0)
          )
          where name = 'user'
        `.execute(trx);
      }
      const { rows: broken } = await sql`pragma foreign_key_check`.execute(trx);
      if (broken.length > 0) throw new Error(`rebuilding user would break ${broken.length} foreign key(s)`);
    });
  } finally {
    if (foreignKeys) await sql`pragma foreign_keys = on`.execute(db);
  }
}

async function createJobRun(db: AnyDB): Promise<void> {
  await db.schema
    .createTable('job_run')
    .addColumn('name', 'text', (c) => c.primaryKey())
    // Epoch ms: the job is due once the clock reaches it; claiming moves it to the next period.
    .addColumn('next_run_at', 'integer', (c) => c.notNull())
    .addColumn('last_run_at', 'integer')
    .modifyEnd(sql`strict`)
    .execute();
}

export async function up(db: AnyDB): Promise<void> {
  await createJobRun(db);
  await rebuildUser(db, true);
}

// PostgreSQL: `user.id` has been an identity column from the start (0003 through
// src/lib/db/migrations.ts), and an identity never gives a number twice: nothing to rebuild.
export const postgres: Migration = {
  up: createJobRun,
  async down(db) {
    await db.schema.dropTable('job_run').execute();
  },
};

export async function down(db: AnyDB): Promise<void> {
  await rebuildUser(db, false);
  await sql`delete from sqlite_sequence where name = 'user'`.execute(db);
  await db.schema.dropTable('job_run').execute();
}
