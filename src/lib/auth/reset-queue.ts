import type { DB } from '../db/index.ts';
import { sendMail, type Message } from '../mail/index.ts';
import { findUserByEmail, siteLink } from './accounts.ts';
import { createEmailToken } from './email-tokens.ts';
import { resetPasswordMessage } from './emails.ts';

/**
 * Password reset requests go through a small queue, so that the request says nothing about who
 * has an account, not even by its time: the request path writes one row whatever the address
 * (requestPasswordReset) and returns; a worker in the server process (startResetWorker, started
 * by src/server/main.ts) takes the rows and, for addresses that have an account, writes the
 * token and sends the message.
 *
 * (The general form of this, a mail outbox written in the request's transaction, is for a later
 * change; this queue is the minimal honest version for resets.)
 */

/** Records a reset request for `email` (normalized), known or not. The same work either way. */
export async function requestPasswordReset(db: DB, email: string, now = new Date()): Promise<void> {
  await db.insertInto('password_reset_request').values({ email, requested_at: now.getTime() }).execute();
  wakeResetWorker();
}

export interface ResetDelivery {
  /** Sends a message (default: sendMail). */
  send?: (message: Message) => Promise<void>;
  now?: () => Date;
}

/**
 * Handles every queued request, oldest first: each row is taken (deleted) in one statement, so
 * two workers never handle the same one. A request older than a reset link's lifetime is dropped.
 * Returns how many rows were taken.
 */
export async function deliverPasswordResets(db: DB, siteUrl: URL, { send = sendMail, now = () => new Date() }: ResetDelivery = {}): Promise<number> {
  let taken = 0;
  for (;;) {
    const row = await db
      .deleteFrom('password_reset_request')
      .where('id', '=', (eb) => eb.selectFrom('password_reset_request').select((e) => e.fn.min('id').as('id')))
      .returning(['email', 'requested_at'])
      .executeTakeFirst();
    if (!row) return taken;
    taken++;
    const at = now();
    if (at.getTime() - row.requested_at > STALE_MS) continue;
    const user = await findUserByEmail(db, row.email);
    if (!user) continue;
    try {
      const token = await createEmailToken(db, user.id, 'reset-password', user.email, at);
      await send(resetPasswordMessage(user.email, siteLink(siteUrl, '/reset-password', { token })));
    } catch (error) {
      // One message that cannot be sent must not stop the others; the owner can ask again.
      console.error(`password reset: could not send a message: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

const STALE_MS = 60 * 60_000;

// The worker and the request path live in different copies of this module (the server's and
// the Astro bundle's): the wake-up goes through globalThis, as the database does (src/lib/db).
const WAKE = Symbol.for('customertrackr.reset-worker');
type Registry = { [WAKE]?: () => void };

function wakeResetWorker(): void {
  (globalThis as Registry)[WAKE]?.();
}

export interface ResetWorker {
  /** Handles what is queued now (also what the timer and each request do); resolves when done. */
  runOnce(): Promise<void>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Starts the worker: it runs when a request is queued in this process, and every `intervalMs`
 * for rows that another process (or a crash) left behind.
 */
export function startResetWorker(db: DB, siteUrl: URL, { intervalMs = 5_000, ...delivery }: ResetDelivery & { intervalMs?: number } = {}): ResetWorker {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const runOnce = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await deliverPasswordResets(db, siteUrl, delivery);
        } catch (error) {
          console.error(`password reset worker: ${error instanceof Error ? error.message : String(error)}`);
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => void runOnce(), intervalMs);
  timer.unref();
  (globalThis as Registry)[WAKE] = () => setImmediate(() => void runOnce());
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      delete (globalThis as Registry)[WAKE];
      await running;
    },
  };
}
