import { PostgresAdapter, sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';

// Sharing (src/lib/sharing): the public register of recipients and its change log, purposes
// proposed to third parties with their notice period, one notice per user and purpose, the
// shares run, and the disclosure records a user sees under "Where your data went"; and the
// staff's acknowledgements of the handbook and the policy.
//
// Written for both dialects (the PostgreSQL port runs the same migrations): the schema
// builder only, standard CHECK expressions, `bigint` for epoch-millisecond times (a 32-bit
// `integer` overflows in PostgreSQL; SQLite gives `bigint` integer affinity), hashes as hex
// text rather than blobs, STRICT tables on SQLite only, and no SQLite functions.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDB = Kysely<any>;

/** An id column that numbers itself: SQLite's `integer primary key`, PostgreSQL's identity. */
function idColumn(db: AnyDB) {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return (c: ColumnDefinitionBuilder) => (postgres ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey());
}

/** Epoch-millisecond times: `integer` (64-bit) in SQLite's STRICT tables, `bigint` in PostgreSQL. */
function timeType(db: AnyDB) {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'bigint' : 'integer';
}

/** What ends every table: SQLite checks each column's type (STRICT), as every other table here does. */
function tableEnd(db: AnyDB) {
  return db.getExecutor().adapter instanceof PostgresAdapter ? sql`` : sql`strict`;
}

export async function up(db: AnyDB): Promise<void> {
  const id = idColumn(db);
  const TIME = timeType(db);
  const end = tableEnd(db);

  // The public register: every processor and third party that receives personal data.
  await db.schema
    .createTable('recipient')
    .addColumn('id', 'integer', id)
    .addColumn('name', 'text', (c) => c.notNull().check(sql`length(name) between 1 and 120`))
    .addColumn('country', 'text', (c) => c.notNull().check(sql`length(country) between 1 and 80`))
    .addColumn('data_received', 'text', (c) => c.notNull().check(sql`length(data_received) between 1 and 500`))
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`length(purpose) between 1 and 500`))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('processor', 'third-party')`))
    // The calendar day (YYYY-MM-DD) the recipient started receiving data.
    .addColumn('since', 'text', (c) => c.notNull().check(sql`length(since) = 10`))
    .addColumn('added_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addColumn('removed_at', TIME)
    .modifyEnd(end)
    .execute();

  // What the Atom feed of /privacy/recipients lists: public facts only, never who made the change
  // (the audit log says that).
  await db.schema
    .createTable('recipient_change')
    .addColumn('id', 'integer', id)
    .addColumn('recipient_id', 'integer', (c) => c.notNull().references('recipient.id'))
    .addColumn('at', TIME, (c) => c.notNull())
    .addColumn('change', 'text', (c) => c.notNull().check(sql`change in ('added', 'edited', 'removed')`))
    .addColumn('summary', 'text', (c) => c.notNull().check(sql`length(summary) between 1 and 2000`))
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('recipient_change_at').on('recipient_change').columns(['at', 'id']).execute();

  // A purpose proposed for a third party: nothing is shared for it before notice_ends_at.
  await db.schema
    .createTable('sharing_purpose')
    .addColumn('id', 'integer', id)
    .addColumn('recipient_id', 'integer', (c) => c.notNull().references('recipient.id'))
    .addColumn('description', 'text', (c) => c.notNull().check(sql`length(description) between 1 and 500`))
    // The names of the fields the purpose may share: a JSON array of strings.
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('notice_days', 'integer', (c) => c.notNull().check(sql`notice_days >= 0`))
    .addColumn('proposed_at', TIME, (c) => c.notNull())
    .addColumn('notice_ends_at', TIME, (c) => c.notNull())
    .addColumn('withdrawn_at', TIME)
    .modifyEnd(end)
    .execute();

  // One notice per user and purpose, whatever runs the job how many times: the primary key.
  await db.schema
    .createTable('purpose_notice')
    .addColumn('purpose_id', 'integer', (c) => c.notNull().references('sharing_purpose.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id').onDelete('cascade'))
    .addColumn('queued_at', TIME, (c) => c.notNull())
    .addColumn('sent_at', TIME)
    // The one-click opt-out link: lookup id and SHA-256 (hex) of its secret; null once used.
    .addColumn('token_id', 'text', (c) => c.unique())
    .addColumn('token_hash', 'text')
    .addColumn('opted_out_at', TIME)
    .addPrimaryKeyConstraint('purpose_notice_pk', ['purpose_id', 'user_id'])
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('purpose_notice_unsent').on('purpose_notice').columns(['sent_at', 'purpose_id']).execute();
  await db.schema.createIndex('purpose_notice_user').on('purpose_notice').column('user_id').execute();

  // A share that ran: what was sent to whom and how many accounts were in it (the file itself is
  // handed to the admin, never kept).
  await db.schema
    .createTable('share')
    .addColumn('id', 'integer', id)
    .addColumn('purpose_id', 'integer', (c) => c.notNull().references('sharing_purpose.id'))
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('filter', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull().check(sql`format in ('csv', 'json')`))
    .addColumn('ran_at', TIME, (c) => c.notNull())
    .addColumn('included', 'integer', (c) => c.notNull())
    .addColumn('excluded', 'integer', (c) => c.notNull())
    .addColumn('policy_version', 'text')
    .modifyEnd(end)
    .execute();

  // What left the system about one user, and why: a share, or a legal or fraud disclosure.
  await db.schema
    .createTable('disclosure')
    .addColumn('id', 'integer', id)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('share', 'legal', 'fraud')`))
    .addColumn('share_id', 'integer', (c) => c.references('share.id'))
    .addColumn('recipient', 'text', (c) => c.notNull().check(sql`length(recipient) between 1 and 200`))
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`length(purpose) between 1 and 500`))
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('disclosed_at', TIME, (c) => c.notNull())
    .addColumn('policy_version', 'text')
    .addColumn('legal_basis', 'text', (c) => c.check(sql`legal_basis is null or length(legal_basis) between 1 and 500`))
    .addColumn('reference', 'text', (c) => c.check(sql`reference is null or length(reference) between 1 and 200`))
    .addColumn('reason', 'text', (c) => c.check(sql`reason is null or length(reason) between 1 and 500`))
    // Until then the user is not told (a legal hold); the notice goes out when it ends.
    .addColumn('hold_until', TIME)
    .addColumn('notified_at', TIME)
    .addCheckConstraint('disclosure_share_has_share', sql`(kind = 'share') = (share_id is not null)`)
    .modifyEnd(end)
    .execute();
  await db.schema.createIndex('disclosure_user').on('disclosure').columns(['user_id', 'disclosed_at']).execute();
  await db.schema.createIndex('disclosure_unnotified').on('disclosure').columns(['notified_at', 'hold_until']).execute();

  // Staff members' acknowledgements of the handbook and the policy, each of a version.
  await db.schema
    .createTable('staff_acknowledgement')
    .addColumn('id', 'integer', id)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id').onDelete('cascade'))
    .addColumn('document', 'text', (c) => c.notNull().check(sql`document in ('handbook', 'policy')`))
    .addColumn('version', 'text', (c) => c.notNull().check(sql`length(version) between 1 and 20`))
    .addColumn('acknowledged_at', TIME, (c) => c.notNull())
    .modifyEnd(end)
    .execute();
  await db.schema
    .createIndex('staff_acknowledgement_user')
    .on('staff_acknowledgement')
    .columns(['user_id', 'document', 'acknowledged_at'])
    .execute();
}

export async function down(db: AnyDB): Promise<void> {
  for (const table of [
    'staff_acknowledgement',
    'disclosure',
    'share',
    'purpose_notice',
    'sharing_purpose',
    'recipient_change',
    'recipient',
  ])
    await db.schema.dropTable(table).execute();
}
