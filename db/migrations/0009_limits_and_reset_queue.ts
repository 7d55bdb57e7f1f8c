import { sql, type Kysely } from 'kysely';

// Rate limits that back off (src/lib/rate-limit `backoff`): the time before which no attempt
// goes ahead. 0 for the plain windows (`hit`), which never set it.
//
// Password reset requests, queued: the request writes a row whether or not the address has an
// account and returns; a worker in the server process (src/lib/auth/reset-queue.ts) takes the
// rows and, for addresses with an account, writes the token and sends the message. The
// request path does the same work for known and unknown addresses, so its time says nothing
// about who has an account. Rows live until the worker takes them (a second or so).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('rate_limit')
    .addColumn('blocked_until', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('password_reset_request')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    // The address as typed, normalized (lower case); not necessarily an account's.
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('password_reset_request').execute();
  await db.schema.alterTable('rate_limit').dropColumn('blocked_until').execute();
}
