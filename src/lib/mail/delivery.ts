import { checkpointWal, vacuumErased, type DB } from '../db/index.ts';
import { everyInterval, startWorker, type Schedule, type Worker } from '../jobs/worker.ts';
import type { Message } from './message.ts';
import { transmit } from './transport.ts';

/**
 * The delivery worker: sends what ./outbox.ts queued. It runs in every server process
 * (src/server/main.ts); with several processes on one database each message is still handled
 * by one worker at a time, because a worker takes messages only by claiming them:
 *
 * one conditional UPDATE sets a lease (`lease_until`) on up to `batchSize` due rows whose lease
 * is absent or over, and returns them. Another worker's UPDATE cannot take the same rows until
 * the lease ends. A worker that dies (kill -9, power) leaves its lease to run out; the rows are
 * then claimed again and sent again. That is the one way a message goes out twice, and the copy
 * has the same Message-ID (fixed when queued), so receivers can drop it.
 *
 * After a failed send the row waits `retryMs`, doubled per failure (capped at MAX_BACKOFF_MS);
 * after `maxAttempts` claims it is marked failed, and admins see it (failedMail).
 */

export interface DeliverySettings {
  /** How long a claim holds; must exceed the longest send (the SMTP timeouts of ./transport.ts). */
  leaseMs: number;
  /** The wait after the first failure; doubled after each further one. */
  retryMs: number;
  /** Claims before a message is given up on (marked failed). */
  maxAttempts: number;
  /** Rows claimed at once. */
  batchSize: number;
}

export const DEFAULT_DELIVERY: DeliverySettings = { leaseMs: 300_000, retryMs: 30_000, maxAttempts: 10, batchSize: 20 };

/** The longest wait between two attempts. */
export const MAX_BACKOFF_MS = 60 * 60_000;

/** The wait before attempt `attempts + 1`, after `attempts` failed ones. */
export function backoffMs(attempts: number, retryMs: number): number {
  return Math.min(retryMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}

export interface ClaimedMail {
  id: number;
  messageId: string;
  message: Message;
  attempts: number;
  forgetWhenSent: boolean;
}

/** Claims up to `batchSize` due messages for `leaseMs` (one statement); returns them, oldest first. */
export async function claimDueMail(db: DB, now: Date, { leaseMs, batchSize }: Pick<DeliverySettings, 'leaseMs' | 'batchSize'>) {
  const at = now.getTime();
  const rows = await db
    .updateTable('mail_outbox')
    .set((eb) => ({ lease_until: at + leaseMs, attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('mail_outbox')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', at)
        .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<=', at)]))
        .orderBy('id')
        .limit(batchSize),
    )
    // Repeated for the row itself: on a database that runs the subquery apart from the update
    // (PostgreSQL under read committed), a row another worker claimed meanwhile is skipped.
    .where('status', '=', 'pending')
    .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<=', at)]))
    .returning(['id', 'message_id', 'recipient', 'subject', 'body', 'attempts', 'forget_when_sent'])
    .execute();
  return rows
    .map((r): ClaimedMail => ({
      id: r.id,
      messageId: r.message_id,
      message: { to: r.recipient, subject: r.subject, text: r.body },
      attempts: r.attempts,
      forgetWhenSent: r.forget_when_sent,
    }))
    .sort((a, b) => a.id - b.id);
}

/** Marks a claimed message sent; one to forget is deleted instead. */
async function markSent(db: DB, mail: ClaimedMail, now: Date): Promise<void> {
  const id = mail.id;
  if (mail.forgetWhenSent) {
    await db.deleteFrom('mail_outbox').where('id', '=', id).where('status', '=', 'pending').execute();
    return;
  }
  await db
    .updateTable('mail_outbox')
    .set({ status: 'sent', finished_at: now.getTime(), lease_until: null, last_error: null })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}

/** Records a failed attempt: the row waits its backoff, or is marked failed after the last attempt. */
async function markFailedAttempt(db: DB, mail: ClaimedMail, error: unknown, now: Date, settings: DeliverySettings) {
  const reason = (error instanceof Error ? error.message : String(error)).slice(0, 500);
  const givenUp = mail.attempts >= settings.maxAttempts;
  await db
    .updateTable('mail_outbox')
    .set(
      givenUp
        ? { status: 'failed', finished_at: now.getTime(), lease_until: null, last_error: reason }
        : { next_attempt_at: now.getTime() + backoffMs(mail.attempts, settings.retryMs), lease_until: null, last_error: reason },
    )
    .where('id', '=', mail.id)
    .where('status', '=', 'pending')
    .execute();
  return givenUp;
}

export interface DeliveryOptions extends Partial<DeliverySettings> {
  /** The transport (default: SMTP or .eml files, ./transport.ts). */
  send?: (message: Message, messageId: string) => Promise<void>;
  /** The clock (injected in tests). */
  now?: () => Date;
}

export interface DeliveryReport {
  sent: number;
  retrying: number;
  failed: number;
}

/**
 * Sends every due message: claims a batch, sends its messages one by one, marks each, and
 * claims the next batch until none is due. A failing message never stops the others.
 */
export async function deliverDueMail(db: DB, { send = transmit, now = () => new Date(), ...given }: DeliveryOptions = {}) {
  const settings: DeliverySettings = { ...DEFAULT_DELIVERY, ...given };
  const report: DeliveryReport = { sent: 0, retrying: 0, failed: 0 };
  let forgotten = 0;
  for (;;) {
    const batch = await claimDueMail(db, now(), settings);
    if (batch.length === 0) return report;
    for (const mail of batch) {
      try {
        await send(mail.message, mail.messageId);
      } catch (error) {
        const givenUp = await markFailedAttempt(db, mail, error, now(), settings);
        if (givenUp) {
          report.failed++;
          console.error(`mail: gave up on "${mail.message.subject}" ${mail.messageId} after ${mail.attempts} attempts`);
        } else report.retrying++;
        continue;
      }
      await markSent(db, mail, now());
      report.sent++;
      if (mail.forgetWhenSent) forgotten++;
    }
    // The deleted rows' bytes leave the log too (SQLite), and their dead versions the table
    // (PostgreSQL), as after the erasure itself. The worker runs apart from any request: it
    // waits for the vacuum.
    if (forgotten > 0) {
      if (!(await checkpointWal(db)))
        console.error('mail: the database log could not be emptied after sending a message to an erased address; the next checkpoint will');
      await vacuumErased(db, ['mail_outbox']).catch((error: unknown) =>
        console.error(
          'mail: the sent messages to erased addresses could not be vacuumed now; autovacuum will remove them:',
          error instanceof Error ? error.message : error,
        ),
      );
    }
    forgotten = 0;
  }
}

/** How often the server's worker looks for due messages. */
export const MAIL_WORKER_INTERVAL_MS = 1_000;

/** Sends what is due now (runOnce: what each tick does), and stops. */
export type MailWorker = Worker<void>;

/**
 * Starts the worker: a run now, then one every MAIL_WORKER_INTERVAL_MS (`schedule`, injected in
 * tests). Runs never overlap. A run that fails as a whole (the database is busy) is retried at
 * the next tick; what it had claimed is claimed again once the lease runs out.
 */
export function startMailWorker(
  db: DB,
  { schedule = everyInterval(MAIL_WORKER_INTERVAL_MS), ...options }: DeliveryOptions & { schedule?: Schedule } = {},
): MailWorker {
  const worker = startWorker(
    () =>
      deliverDueMail(db, options)
        .then(() => undefined)
        .catch((error: unknown) => console.error(`mail worker: ${error instanceof Error ? error.message : String(error)}`)),
    schedule,
    undefined,
  );
  void worker.runOnce();
  return worker;
}

export interface FailedMail {
  id: number;
  messageId: string;
  recipient: string;
  subject: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  failedAt: Date;
}

/** The messages given up on, newest first (at most `limit`), for the admins' page. */
export async function failedMail(db: DB, limit = 50): Promise<FailedMail[]> {
  const rows = await db
    .selectFrom('mail_outbox')
    .select(['id', 'message_id', 'recipient', 'subject', 'attempts', 'last_error', 'created_at', 'finished_at'])
    .where('status', '=', 'failed')
    .orderBy('finished_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    messageId: r.message_id,
    recipient: r.recipient,
    subject: r.subject,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: new Date(r.created_at),
    failedAt: new Date(r.finished_at ?? r.created_at),
  }));
}
