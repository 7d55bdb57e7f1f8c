import type { Database } from '../db/schema.ts';

/**
 * THE list of where personal data lives: every table that holds data about a user, how the
 * user's rows are found, and for every column whether it is exported (with what it means)
 * or left out of the export (with why). Export (export.ts) and erasure (deletion.ts) both
 * work from this list, and a test compares it with the live schema: a table or column added
 * without an entry here fails `npm test`.
 *
 * Tables that hold no personal data are listed in NOT_PERSONAL, each with the reason.
 */

/** How a column's stored value is written in the export. */
export type ExportFormat = 'text' | 'integer' | 'iso-time' | 'epoch-ms-as-iso-time' | 'boolean';

export type ColumnRule = { export: string; format?: ExportFormat } | { exclude: string };

/**
 * What erasing an account does to the table's rows of that user:
 * - `delete-rows`: the rows are the user's own data: deleted.
 * - `unlink`: shared records the user acted on (as staff, say): the reference to the user is
 *   set to null and the record stays, no longer saying whose it was.
 * - `rate-limit-keys`: rows keyed by a SHA-256 of something about the user: deleted by those
 *   hashes (deletion.ts computes them).
 * - `by-address`: rows keyed by an email address, not an account (they may name an address
 *   that has none): deleted where their `email` (or `addressColumn`) is one of the account's
 *   addresses, compared in lower case.
 * - `keep`: an append-only record that must outlive the account (the staff audit log); the
 *   entry says why in `kept`. It must hold nothing but the account number.
 */
export type Erasure = 'delete-rows' | 'unlink' | 'rate-limit-keys' | 'by-address' | 'keep';

export interface RegistryEntry {
  table: keyof Database;
  /** What the table holds, in the user's words (shown in the export and its documentation). */
  description: string;
  /** The columns that hold a user's id: a row is the user's when any of them is. */
  userColumns: readonly string[];
  erase: Erasure;
  /** Why the rows stay when the account is erased (for `keep`). */
  kept?: string;
  /** For `by-address`: the column holding the address (default `email`). */
  addressColumn?: string;
  retention: Retention;
  columns: Record<string, ColumnRule>;
  /**
   * A column of epoch milliseconds before which a row is not exported: a disclosure under a
   * legal hold, which the law does not let us tell the user about yet.
   */
  heldUntil?: string;
}

/**
 * How long the rows are kept, in the user's words (shown in the export and on
 * /account/export-format), and the scheduled job (src/lib/jobs, by name) that deletes them
 * when time is what ends them. Rows kept until the account is erased name no job: erasure
 * (deletion.ts) ends them. tests/unit/retention-rules.test.ts checks every named job exists.
 */
export interface Retention {
  rule: string;
  job?: string;
}

type ColumnsOf<T extends keyof Database> = keyof Database[T] & string;

/** Type-checks an entry against the table's row type: every column must have a rule. */
function entry<T extends keyof Database>(e: {
  table: T;
  description: string;
  userColumns: readonly ColumnsOf<T>[];
  erase: Erasure;
  kept?: string;
  addressColumn?: ColumnsOf<T>;
  retention: Retention;
  columns: { [C in ColumnsOf<T>]-?: ColumnRule };
  heldUntil?: ColumnsOf<T>;
}): RegistryEntry {
  return e;
}

const TOKEN_ID =
  'The lookup half of a secret token; together with the secret it would let someone act as you, so it is never shown or exported.';
const RATE_LIMIT =
  'Rate-limit counters hold only a SHA-256 hash of your email address, network address or account number, which cannot be turned back into it. Each is deleted within ten minutes after its window ends (windows last from 15 minutes to a day), and with your account.';
const UNTIL_ERASED: Retention = { rule: 'Until you delete your account (or support deletes it at your request).' };
const STAFF_RECORD: Retention = {
  rule: 'Kept as the record of the website’s announcements; when your account is deleted, your account number is removed from them.',
};
const SECRET_HASH = 'A SHA-256 hash of the secret half of a token. It identifies nothing about you and is useful only to an attacker.';

/** Parents before children: erasure runs through this list backwards. */
export const PERSONAL_DATA: readonly RegistryEntry[] = [
  entry({
    table: 'user',
    description: 'Your account.',
    userColumns: ['id'],
    erase: 'delete-rows',
    retention: UNTIL_ERASED,
    columns: {
      id: { export: 'The number of your account.', format: 'integer' },
      email: { export: 'Your email address, as you typed it; you sign in with it.' },
      email_normalized: { export: 'Your email address as we compare it (lower case), so that each address has one account.' },
      email_verified_at: { export: 'When you confirmed that the address is yours (null: not yet).', format: 'iso-time' },
      password_hash: {
        exclude:
          'An Argon2id hash of your password (never the password itself). It cannot be turned back into the password, and exporting it would only help someone trying to guess it.',
      },
      display_name: { export: 'The name shown in the site header when you are signed in (optional).' },
      created_at: { export: 'When the account was created.', format: 'iso-time' },
      last_sign_in_at: { export: 'When you last signed in with your password.', format: 'iso-time' },
    },
  }),
  entry({
    table: 'account_profile',
    description: 'The optional details of your profile.',
    userColumns: ['user_id'],
    erase: 'delete-rows',
    retention: UNTIL_ERASED,
    columns: {
      user_id: { export: 'The number of your account.', format: 'integer' },
      full_name: { export: 'Your full name (optional).' },
      company: { export: 'The company you work for (optional).' },
      job_title: { export: 'Your job title (optional).' },
      phone: { export: 'Your phone number (optional).' },
      updated_at: { export: 'When these details were last saved.', format: 'iso-time' },
    },
  }),
  entry({
    table: 'user_role',
    description: 'Staff roles of the account (for CustomerTrackr employees only).',
    userColumns: ['user_id'],
    erase: 'delete-rows',
    retention: { rule: 'Until the role is removed or your account is deleted.' },
    columns: {
      user_id: { export: 'The number of your account.', format: 'integer' },
      role: { export: 'The role: support, editor or admin.' },
      granted_at: { export: 'When the role was granted.', format: 'iso-time' },
    },
  }),
  entry({
    table: 'session',
    description: 'Your sessions: each browser where you are signed in (an ended session stays listed for a day).',
    userColumns: ['user_id'],
    erase: 'delete-rows',
    retention: {
      rule: 'Until you sign out, or a day after the session ends (after 7 days without use, or 30 days after you signed in, whichever comes first).',
      job: 'auth.expired-sessions',
    },
    columns: {
      id: { exclude: TOKEN_ID },
      user_id: { export: 'The number of your account.', format: 'integer' },
      secret_hash: { exclude: SECRET_HASH },
      created_at: { export: 'When you signed in.', format: 'epoch-ms-as-iso-time' },
      last_active_at: { export: 'When the session was last used (updated at most once an hour).', format: 'epoch-ms-as-iso-time' },
      client: { export: 'The browser and operating system, e.g. "Firefox on Linux", from its User-Agent header.' },
    },
  }),
  entry({
    table: 'email_token',
    description: 'Links we emailed you (to confirm an address, reset your password or change your address).',
    userColumns: ['user_id'],
    erase: 'delete-rows',
    retention: {
      rule: 'Until a newer link of the same kind replaces it, or a day after it was used or stopped working.',
      job: 'auth.used-email-links',
    },
    columns: {
      id: { exclude: TOKEN_ID },
      user_id: { export: 'The number of your account.', format: 'integer' },
      purpose: { export: 'What the link was for: verify-email, reset-password, set-password or change-email.' },
      secret_hash: { exclude: SECRET_HASH },
      email: { export: 'The address the link was sent to (for change-email: the new address).' },
      created_at: { export: 'When the link was sent.', format: 'epoch-ms-as-iso-time' },
      expires_at: { export: 'When the link stops working.', format: 'epoch-ms-as-iso-time' },
      used_at: { export: 'When the link was used (null: not used).', format: 'epoch-ms-as-iso-time' },
    },
  }),
  entry({
    table: 'policy_agreement',
    description: 'The versions of the privacy policy you agreed to or acknowledged, and when.',
    userColumns: ['user_id'],
    erase: 'delete-rows',
    retention: UNTIL_ERASED,
    columns: {
      id: { export: 'The number of the record.', format: 'integer' },
      user_id: { export: 'The number of your account.', format: 'integer' },
      policy_effective_date: { export: 'The version, named by the date it takes effect (see /privacy/<date>).' },
      agreed_at: { export: 'When you agreed.', format: 'iso-time' },
      context: { export: 'registration (the box you ticked when you registered) or acknowledgement ("I have read it").' },
      wording: { export: 'The exact words you agreed to.' },
    },
  }),
  entry({
    table: 'sharing_choice',
    description: 'Every choice about sharing your information with third parties or using it for new purposes; the latest one applies.',
    userColumns: ['user_id'],
    erase: 'delete-rows',
    retention: UNTIL_ERASED,
    columns: {
      id: { export: 'The number of the record (later choices have higher numbers).', format: 'integer' },
      user_id: { export: 'The number of your account.', format: 'integer' },
      opted_out: { export: 'true: you refused sharing; false: you allowed it.', format: 'boolean' },
      chosen_at: { export: 'When the choice was made.', format: 'iso-time' },
      source: {
        export: 'account-page (you used the control on your account page) or gpc (your browser sent a Global Privacy Control signal).',
      },
    },
  }),
  entry({
    table: 'data_change',
    description: 'The history of changes to your data: which field, when and by whom (never the old value).',
    userColumns: ['user_id'],
    erase: 'delete-rows',
    retention: UNTIL_ERASED,
    columns: {
      id: { export: 'The number of the record.', format: 'integer' },
      user_id: { export: 'The number of your account.', format: 'integer' },
      field: { export: 'The field that changed: display_name, full_name, company, job_title, phone, email or password.' },
      changed_at: { export: 'When it changed.', format: 'iso-time' },
      actor: { export: 'Who changed it: you, or support (our staff, at your request).' },
    },
  }),
  entry({
    table: 'announcement',
    description: 'Announcements shown on the website that you created or last edited (staff accounts only).',
    userColumns: ['created_by', 'updated_by'],
    erase: 'unlink',
    retention: STAFF_RECORD,
    columns: {
      id: { export: 'The number of the announcement.', format: 'integer' },
      text: { export: 'What the announcement says.' },
      level: { export: 'info or important.' },
      audience: { export: 'Who sees it: everyone, signed-in or signed-out.' },
      link_url: { export: 'Where its link leads (null: no link).' },
      link_text: { export: 'The words of its link.' },
      dismissible: { export: 'Whether readers may dismiss it.', format: 'boolean' },
      starts_at: { export: 'When it starts being shown.', format: 'epoch-ms-as-iso-time' },
      ends_at: { export: 'When it stops being shown (null: until ended).', format: 'epoch-ms-as-iso-time' },
      revision: { export: 'How many times what readers see has changed.', format: 'integer' },
      created_at: { export: 'When it was created.', format: 'iso-time' },
      created_by: { export: 'The account that created it (yours, if it is listed because of this column).', format: 'integer' },
      updated_at: { export: 'When it was last edited.', format: 'iso-time' },
      updated_by: { export: 'The account that last edited it.', format: 'integer' },
    },
  }),
  entry({
    table: 'policy_announcement',
    description: 'Changes you made, as an editor, to the automatic announcement of a privacy policy version (staff accounts only).',
    userColumns: ['updated_by'],
    erase: 'unlink',
    retention: STAFF_RECORD,
    columns: {
      policy_effective_date: { export: 'The policy version the announcement is about.' },
      text: { export: 'The text that replaces the default one (null: the default).' },
      ended_at: { export: 'When it was ended early (null: it runs its course).', format: 'epoch-ms-as-iso-time' },
      revision: { export: 'How many times what readers see has changed.', format: 'integer' },
      updated_at: { export: 'When it was last changed.', format: 'iso-time' },
      updated_by: { export: 'The account that last changed it.', format: 'integer' },
    },
  }),
  entry({
    table: 'announcement_change',
    description: 'The append-only record of changes you made to announcements (staff accounts only).',
    userColumns: ['by_user_id'],
    erase: 'unlink',
    retention: STAFF_RECORD,
    columns: {
      id: { export: 'The number of the record.', format: 'integer' },
      announcement_id: { export: 'The announcement changed (null: a policy announcement).', format: 'integer' },
      policy_effective_date: { export: 'The policy version whose announcement changed (null: an editor’s announcement).' },
      at: { export: 'When the change was made.', format: 'iso-time' },
      by_user_id: { export: 'The account that made the change.', format: 'integer' },
      action: { export: 'What was done: created, edited, ended, text-edited, text-restored or resumed.' },
      details: { export: 'The values the change set (JSON).' },
    },
  }),
  entry({
    table: 'deletion_request',
    description: 'Requests to delete your account that you sent to our support team by email.',
    userColumns: ['user_id'],
    // Unlinking also closes the request and forgets the address (a trigger, migration 0007).
    erase: 'unlink',
    retention: {
      rule: 'Kept as support’s record of the request; the address and the link are removed as soon as the request is completed or cancelled, and your account number when your account is deleted.',
    },
    columns: {
      id: { export: 'The number of the request.', format: 'integer' },
      ticket: { export: 'Our support ticket reference.' },
      requester_email: { export: 'The address the request came from (removed once the request is closed).' },
      user_id: { export: 'The number of your account.', format: 'integer' },
      status: { export: 'pending, confirmed, completed or cancelled.' },
      received_at: { export: 'When support received the request.', format: 'iso-time' },
      recorded_at: { export: 'When it was recorded here.', format: 'iso-time' },
      token_id: { exclude: TOKEN_ID },
      token_hash: { exclude: SECRET_HASH },
      token_expires_at: { export: 'When the confirmation link we emailed stops working.', format: 'epoch-ms-as-iso-time' },
      confirmed_at: { export: 'When the request was confirmed.', format: 'iso-time' },
      confirmed_via: { export: 'How: email-link (you opened our link) or support.' },
      closed_at: { export: 'When the request was completed or cancelled.', format: 'iso-time' },
    },
  }),
  entry({
    table: 'audit_log',
    description: 'Each time a member of our staff looked at or acted on your information: when, what and why.',
    // Only entries about you: a staff member's own export must not list other customers'
    // records, and a customer sees what was done, not by whom.
    userColumns: ['subject_user_id'],
    erase: 'keep',
    kept: 'The audit log is append-only by design (the database refuses to change or delete an entry) so that staff access can always be checked. It holds the account number and the names of the fields involved, never their values, an address or a name.',
    retention: {
      rule: 'Kept for as long as the website runs: the log is append-only so that staff access can always be checked. It holds your account number and the names of the fields involved, never their values.',
    },
    columns: {
      id: { export: 'The number of the entry.', format: 'integer' },
      at: { export: 'When the staff member acted.', format: 'iso-time' },
      actor_user_id: {
        exclude: 'Which staff account acted: information about our staff, not about you (the action and reason are shown).',
      },
      actor_ip: {
        exclude: "The network address of the staff member's computer, kept for security investigations; it is not information about you.",
      },
      action: { export: 'What was done, e.g. account.view or account.delete.' },
      subject_user_id: { export: 'The account whose information was involved.', format: 'integer' },
      fields: { export: 'The names of the fields involved (JSON), never their values.' },
      reason: { export: 'Why, where the action requires a reason.' },
    },
  }),
  entry({
    table: 'purpose_notice',
    description: 'The notices we sent you about a proposed new purpose for sharing, and whether you refused it.',
    userColumns: ['user_id'],
    erase: 'delete-rows',
    retention: UNTIL_ERASED,
    columns: {
      purpose_id: { export: 'The purpose the notice is about (see "Where your data went" and /privacy/recipients).', format: 'integer' },
      user_id: { export: 'The number of your account.', format: 'integer' },
      queued_at: { export: 'When the notice appeared on your account page.', format: 'epoch-ms-as-iso-time' },
      sent_at: { export: 'When we emailed it to you (null: not yet, or your address is not confirmed).', format: 'epoch-ms-as-iso-time' },
      token_id: { exclude: TOKEN_ID },
      token_hash: { exclude: SECRET_HASH },
      opted_out_at: { export: 'When you refused this purpose (null: you did not).', format: 'epoch-ms-as-iso-time' },
    },
  }),
  entry({
    table: 'disclosure',
    description:
      'Where your data went: every share with a third party that included you, and every disclosure to an authority or for fraud prevention.',
    userColumns: ['user_id'],
    erase: 'delete-rows',
    retention: UNTIL_ERASED,
    heldUntil: 'hold_until',
    columns: {
      id: { export: 'The number of the record.', format: 'integer' },
      user_id: { export: 'The number of your account.', format: 'integer' },
      kind: { export: 'share (a share with a third party), legal (to comply with the law) or fraud (fraud protection and credit risk).' },
      share_id: { export: 'The number of the share that included you (for kind share).', format: 'integer' },
      recipient: { export: 'Who received the data.' },
      purpose: { export: 'What the recipient received the data for.' },
      fields: { export: 'Which of your data (JSON list of field names).' },
      disclosed_at: { export: 'When the data was released.', format: 'epoch-ms-as-iso-time' },
      policy_version: { export: 'The privacy policy version in effect then (see /privacy/<date>).' },
      legal_basis: { export: 'The law or agreement that required or allowed it (legal and fraud disclosures).' },
      reference: { export: 'The requester’s reference (legal and fraud disclosures).' },
      reason: { export: 'Why it was necessary.' },
      hold_until: { export: 'Until when the law did not let us tell you (null: no hold).', format: 'epoch-ms-as-iso-time' },
      notified_at: { export: 'When you were told.', format: 'epoch-ms-as-iso-time' },
    },
  }),
  entry({
    table: 'staff_acknowledgement',
    description:
      'The versions of the staff handbook and of the privacy policy you acknowledged as a member of our staff (staff accounts only).',
    userColumns: ['user_id'],
    erase: 'delete-rows',
    retention: UNTIL_ERASED,
    columns: {
      id: { export: 'The number of the record.', format: 'integer' },
      user_id: { export: 'The number of your account.', format: 'integer' },
      document: { export: 'handbook or policy.' },
      version: { export: 'The version acknowledged.' },
      acknowledged_at: { export: 'When it was acknowledged.', format: 'epoch-ms-as-iso-time' },
    },
  }),
  entry({
    table: 'rate_limit',
    description: 'Counters that slow down password guessing and message floods.',
    userColumns: [],
    erase: 'rate-limit-keys',
    retention: {
      rule: 'Until its window ends (15 minutes to a day after the first attempt), then deleted within ten minutes.',
      job: 'rate-limit.passed-windows',
    },
    columns: {
      bucket: { exclude: RATE_LIMIT },
      key_hash: { exclude: RATE_LIMIT },
      window_start: { exclude: RATE_LIMIT },
      count: { exclude: RATE_LIMIT },
      blocked_until: { exclude: RATE_LIMIT },
    },
  }),
  entry({
    table: 'password_reset_request',
    description: 'Password resets asked for with your address and not yet handled.',
    userColumns: [],
    erase: 'by-address',
    retention: {
      rule: 'Deleted within seconds, when the request is handled; one that cannot be handled within an hour is dropped unsent and deleted within five minutes.',
      job: 'auth.reset-queue',
    },
    columns: {
      id: { exclude: 'The number of the request in the queue: it says nothing about you.' },
      email: { exclude: 'The address the reset was asked for; the request is handled and deleted within seconds.' },
      requested_at: { exclude: 'When the reset was asked for; deleted with the request within seconds.' },
    },
  }),
  entry({
    table: 'mail_outbox',
    description:
      'Messages we send you (address confirmations, password resets, notices of changes to your account), kept while they wait to be sent and for a while after.',
    userColumns: [],
    erase: 'by-address',
    addressColumn: 'recipient',
    retention: {
      rule: 'Sent messages are deleted 7 days after they were sent; a message that could not be sent is deleted 30 days after we gave up on it; all of them when your account is deleted (except the message that confirms the deletion, which is deleted as soon as it is sent).',
      job: 'mail.outbox-rows',
    },
    columns: {
      id: { exclude: 'The number of the message in the queue: it says nothing about you.' },
      message_id: { exclude: 'The Message-ID header of the message, a random identifier that says nothing about you.' },
      recipient: { exclude: 'The address the message went to: your address, which the export shows with your account.' },
      subject: { exclude: 'The subject of a message we sent you; you have the message itself in your inbox.' },
      body: {
        exclude: 'The text of a message we sent you, which may hold a single-use link (a secret); you have the message in your inbox.',
      },
      status: { exclude: 'Whether the message was sent: about our delivery, not about you.' },
      created_at: { exclude: 'When the message was written: about our delivery, not about you.' },
      attempts: { exclude: 'How many times we tried to send it: about our delivery, not about you.' },
      next_attempt_at: { exclude: 'When we try again: about our delivery, not about you.' },
      lease_until: { exclude: 'Which of our servers is sending it: about our delivery, not about you.' },
      last_error: { exclude: 'Why the mail server refused it: about our delivery, not about you.' },
      finished_at: { exclude: 'When it was sent or given up on: about our delivery, not about you.' },
      forget_when_sent: { exclude: 'Whether the message is deleted as soon as it is sent: about our delivery, not about you.' },
    },
  }),
];

/**
 * The tables an erasure deletes or changes rows of (every entry but the kept ones): where the
 * erased rows' old versions wait for vacuum on PostgreSQL (deletion.ts, scrubErasedBytes).
 */
export const ERASED_TABLES: readonly (keyof Database)[] = PERSONAL_DATA.filter((e) => e.erase !== 'keep').map((e) => e.table);

/**
 * Tables with no personal data, and why. Visitor statistics and the like belong here: they
 * must have no column, key or join path to an account.
 */
export const NOT_PERSONAL: Readonly<Record<string, string>> = {
  app_meta: 'Facts about the database itself (when it was created).',
  policy_version: 'The published versions of the privacy policy: the same for everyone.',
  deletion_record: 'One row per deleted account holding only when, how, and which policy versions applied: no id, address or name.',
  view_daily: 'Anonymous page-view counts per page and day: no column, key or join path to an account.',
  view_total: 'Anonymous all-time page-view counts per page.',
  view_site_daily: 'Anonymous count of visitors to the whole site per day.',
  view_salt: "The day's random salt for counting visitors without identifying them (discarded after the day).",
  view_seen: "Keyed hashes of the day's anonymous visitor identifiers (discarded after the day); never derived from an account.",
  view_event_key: 'Idempotency keys of page-view events (random, discarded after the day).',
  banner_generation: 'A counter of changes to announcements, for the banner island to know when to read them again.',
  job_run: 'When each scheduled job (retention, housekeeping) last ran and is due next.',
  recipient: 'The public register of recipients of personal data (/privacy/recipients): companies, not people.',
  recipient_change: 'The public log of changes to the register of recipients (its Atom feed); it never says who made a change.',
  sharing_purpose: 'Purposes proposed for sharing with a third party, and their notice periods: the same for everyone.',
  share:
    'One row per share run: the purpose, the fields, the filter and how many accounts it included; which accounts is in each one’s disclosure records.',
  kysely_migration: 'Which database migrations have run.',
  kysely_migration_lock: 'A lock used while migrations run.',
};

export function registryEntry(table: string): RegistryEntry | undefined {
  return PERSONAL_DATA.find((e) => e.table === table);
}

/** The columns of `entry` that the export includes. */
export function exportedColumns(e: RegistryEntry): string[] {
  return Object.entries(e.columns)
    .filter(([, rule]) => 'export' in rule)
    .map(([name]) => name);
}
