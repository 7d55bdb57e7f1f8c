import { sql, type Kysely } from 'kysely';

// Accounts, roles, sessions, single-use email tokens, policy agreements and rate limits
// (src/lib/auth, src/lib/rate-limit). Times are ISO 8601 UTC text except where a column is
// compared on every request (sessions, tokens, rate limits): those are epoch milliseconds.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('user')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    // The address folded for comparison (NFC, lower case): one account per address.
    .addColumn('email_normalized', 'text', (c) => c.notNull().unique())
    .addColumn('email_verified_at', 'text')
    // Null until a password is set (an operator-created account waiting for its owner).
    .addColumn('password_hash', 'text')
    .addColumn('display_name', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_sign_in_at', 'text')
    .modifyEnd(sql`strict`)
    .execute();

  await db.schema
    .createTable('user_role')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('support', 'editor', 'admin')`))
    .addColumn('granted_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_role_pk', ['user_id', 'role'])
    .modifyEnd(sql`strict`)
    .execute();

  await db.schema
    .createTable('session')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id').onDelete('cascade'))
    // SHA-256 of the token's secret half; the secret itself is never stored.
    .addColumn('secret_hash', 'blob', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('last_active_at', 'integer', (c) => c.notNull())
    // "Firefox on Linux": enough to recognise a session, not a fingerprint.
    .addColumn('client', 'text', (c) => c.notNull().defaultTo(''))
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('session_user').on('session').column('user_id').execute();

  await db.schema
    .createTable('email_token')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) =>
      c.notNull().check(sql`purpose in ('verify-email', 'reset-password', 'set-password', 'change-email')`),
    )
    .addColumn('secret_hash', 'blob', (c) => c.notNull())
    // The address the link was sent to (for change-email: the new address).
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .addColumn('used_at', 'integer')
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('email_token_user').on('email_token').columns(['user_id', 'purpose']).execute();

  await db.schema
    .createTable('policy_agreement')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id').onDelete('cascade'))
    .addColumn('policy_effective_date', 'text', (c) => c.notNull().references('policy_version.effective_date'))
    .addColumn('agreed_at', 'text', (c) => c.notNull())
    // Where and how: 'registration' or 'acknowledgement', and the exact wording shown.
    .addColumn('context', 'text', (c) => c.notNull().check(sql`context in ('registration', 'acknowledgement')`))
    .addColumn('wording', 'text', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('policy_agreement_user').on('policy_agreement').column('user_id').execute();

  await db.schema
    .createTable('rate_limit')
    .addColumn('bucket', 'text', (c) => c.notNull())
    // SHA-256 of what is limited (an IP address, an email address): not readable back.
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('window_start', 'integer', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limit_pk', ['bucket', 'key_hash'])
    .modifyEnd(sql`strict`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['rate_limit', 'policy_agreement', 'email_token', 'session', 'user_role', 'user']) {
    await db.schema.dropTable(table).execute();
  }
}
