import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { dropOnPostgres, POSTGRES, refuseOnPostgres, SQLITE, type Vocabulary } from './dialects.ts';

// Staff access (src/lib/staff, src/lib/audit): the append-only audit log of staff access to
// personal data, and deletion requests received by email. Times are ISO 8601 UTC text except
// the link expiry (epoch milliseconds, compared on use).
// The tables are the same on both dialects but for the JSON check; the triggers differ.
async function createTables(db: Kysely<unknown>, v: Vocabulary): Promise<void> {
  // No foreign keys on the two account numbers: the log outlives the accounts (a cascade or a
  // SET NULL would be an UPDATE/DELETE, which the triggers below refuse, and erasure would fail).
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_user_id', 'integer')
    .addColumn('actor_ip', 'text', (c) => c.check(sql`actor_ip is null or length(actor_ip) between 1 and 100`))
    .addColumn('action', 'text', (c) => c.notNull().check(sql`length(action) between 1 and 60`))
    .addColumn('subject_user_id', 'integer')
    // Names of the fields involved, never their values: a JSON array of strings.
    .addColumn('fields', 'text', (c) => c.notNull().defaultTo('[]').check(v.isJsonArray('fields')))
    .addColumn('reason', 'text', (c) => c.check(sql`reason is null or length(reason) between 1 and 500`))
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('audit_log_subject').on('audit_log').columns(['subject_user_id', 'id']).execute();
  await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor_user_id', 'id']).execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();

  await db.schema
    .createTable('deletion_request')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('ticket', 'text', (c) => c.notNull().check(sql`length(ticket) between 1 and 100`))
    .addColumn('requester_email', 'text')
    .addColumn('user_id', 'integer', (c) => c.references('user.id').onDelete('set null'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'confirmed', 'completed', 'cancelled')`))
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('token_id', 'text', (c) => c.unique())
    .addColumn('token_hash', 'blob')
    .addColumn('token_expires_at', 'integer')
    .addColumn('confirmed_at', 'text')
    .addColumn('confirmed_via', 'text', (c) => c.check(sql`confirmed_via is null or confirmed_via in ('email-link', 'support')`))
    .addColumn('closed_at', 'text')
    // A closed request keeps no personal data: no address, no link.
    .addCheckConstraint(
      'deletion_request_closed_forgets',
      sql`status in ('pending', 'confirmed') or (requester_email is null and token_id is null and token_hash is null and closed_at is not null)`,
    )
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('deletion_request_status').on('deletion_request').columns(['status', 'id']).execute();
  await db.schema.createIndex('deletion_request_user').on('deletion_request').column('user_id').execute();
}

const NO_UPDATE = 'the audit log is append-only: entries cannot be changed';
const NO_DELETE = 'the audit log is append-only: entries cannot be deleted';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createTables(db, SQLITE);
  // Append-only, whoever connects: the database itself refuses to change or remove an entry.
  await sql`
    create trigger audit_log_no_update before update on audit_log
    begin
      select raise(abort, ${sql.raw(`'${NO_UPDATE}'`)});
    end
  `.execute(db);
  await sql`
    create trigger audit_log_no_delete before delete on audit_log
    begin
      select raise(abort, ${sql.raw(`'${NO_DELETE}'`)});
    end
  `.execute(db);
  // Erasure by any path (self-service, support, a later tool) unlinks the account
  // (src/lib/accounts/registry.ts): the request is then done, and forgets the address.
  await sql`
    create trigger deletion_request_forget after update of user_id on deletion_request
    when old.user_id is not null and new.user_id is null
    begin
      update deletion_request
      set status = case when status in ('pending', 'confirmed') then 'completed' else status end,
          requester_email = null, token_id = null, token_hash = null, token_expires_at = null,
          closed_at = coalesce(closed_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      where id = new.id;
    end
  `.execute(db);
}

export const postgres: Migration = {
  async up(db) {
    await createTables(db, POSTGRES);
    await refuseOnPostgres(db, 'audit_log_no_update', 'audit_log', 'update', NO_UPDATE);
    await refuseOnPostgres(db, 'audit_log_no_delete', 'audit_log', 'delete', NO_DELETE);
    // The same rule as SQLite's after-update trigger, as a before-update one that fixes the
    // row being written (the closed-forgets check then sees the row already forgotten).
    await sql`
      create function deletion_request_forget() returns trigger language plpgsql as $$
      begin
        if old.user_id is not null and new.user_id is null then
          new.status := case when new.status in ('pending', 'confirmed') then 'completed' else new.status end;
          new.requester_email := null;
          new.token_id := null;
          new.token_hash := null;
          new.token_expires_at := null;
          new.closed_at := coalesce(new.closed_at, to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
        end if;
        return new;
      end $$
    `.execute(db);
    await sql`
      create trigger deletion_request_forget before update of user_id on deletion_request
      for each row execute function deletion_request_forget()
    `.execute(db);
  },
  async down(db) {
    await dropOnPostgres(db, 'deletion_request_forget', 'deletion_request');
    await db.schema.dropTable('deletion_request').execute();
    await dropOnPostgres(db, 'audit_log_no_delete', 'audit_log');
    await dropOnPostgres(db, 'audit_log_no_update', 'audit_log');
    await db.schema.dropTable('audit_log').execute();
  },
};

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists deletion_request_forget`.execute(db);
  await db.schema.dropTable('deletion_request').execute();
  await sql`drop trigger if exists audit_log_no_delete`.execute(db);
  await sql`drop trigger if exists audit_log_no_update`.execute(db);
  await db.schema.dropTable('audit_log').execute();
}
