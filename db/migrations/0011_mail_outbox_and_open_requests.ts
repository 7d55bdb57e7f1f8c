import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { POSTGRES, SQLITE, type Vocabulary } from './dialects.ts';

// 1. The mail outbox (src/lib/mail/outbox.ts): every message the site sends is a row written
//    in the same transaction as the change that causes it; a worker in the server process
//    claims due rows with a lease (one conditional UPDATE), sends them, and marks them sent, or
//    after repeated failures failed. `message_id` is the Message-ID header, fixed when the row
//    is written, so a copy sent again after a crash carries the same one.
//
// 2. One open deletion request per account, as a partial unique index: two requests recorded
//    at once for one account cannot both stay open, whatever the code checks first. Should a
//    database hold two open ones already (recorded before this index), the older are cancelled
//    (and, as the closed-request check requires, forget their address and link) so that the
//    index can be built.
//
// The same on both dialects but for the boolean `forget_when_sent` and the time of day.

async function upWith(db: Kysely<unknown>, v: Vocabulary): Promise<void> {
  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'sent', 'failed')`))
    // Epoch ms throughout.
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // Not tried before this (backoff after a failure).
    .addColumn('next_attempt_at', 'integer', (c) => c.notNull())
    // Claimed by a worker until this; null: not claimed.
    .addColumn('lease_until', 'integer')
    .addColumn('last_error', 'text')
    // When it was sent, or given up on.
    .addColumn('finished_at', 'integer')
    // True: the row is deleted once sent instead of kept (a message to an erased account's address).
    .addColumn('forget_when_sent', v.boolean, (c) => {
      const column = c.notNull().defaultTo(v.dialect === 'postgres' ? false : 0);
      const check = v.booleanCheck('forget_when_sent');
      return check ? column.check(check) : column;
    })
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('mail_outbox_due').on('mail_outbox').columns(['status', 'next_attempt_at', 'id']).execute();
  await db.schema.createIndex('mail_outbox_finished').on('mail_outbox').columns(['status', 'finished_at']).execute();

  await sql`
    update deletion_request
    set status = 'cancelled', requester_email = null, token_id = null, token_hash = null, token_expires_at = null,
        closed_at = coalesce(closed_at, ${v.dialect === 'postgres' ? sql`to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`})
    where status in ('pending', 'confirmed') and user_id is not null
      and id < (select max(newer.id) from deletion_request newer
                where newer.user_id = deletion_request.user_id and newer.status in ('pending', 'confirmed'))
  `.execute(db);
  await sql`
    create unique index deletion_request_one_open on deletion_request (user_id)
    where status in ('pending', 'confirmed') and user_id is not null
  `.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await upWith(db, SQLITE);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists deletion_request_one_open`.execute(db);
  await db.schema.dropTable('mail_outbox').execute();
}

export const postgres: Migration = { up: (db) => upWith(db, POSTGRES), down };
