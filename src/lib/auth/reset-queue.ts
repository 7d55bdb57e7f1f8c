import type { DB } from '../db/index.ts';
import { sendMail, type Message } from '../mail/index.ts';
import { findUserByEmail } from './email-address.ts';
import { siteLink } from './site-links.ts';
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
export async function deliverPasswordResets(
  db: DB,
  siteUrl: URL,
  { send = sendMail, now = () => new Date() }: ResetDelivery = {},
): Promise<number> {
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
    if (at.getTime() - row.requested_at > RESET_REQUEST_STALE_MS) continue;
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

/** A request not handled within this long is dropped unsent (a reset link's lifetime). */
export const RESET_REQUEST_STALE_MS = 60 * 60_000;

/** How often the server's worker looks at the queue. */
export const RESET_WORKER_INTERVAL_MS = 1_000;

export interface ResetWorker {
  /** Handles what is queued now (what each tick does); resolves when done. */
  runOnce(): Promise<void>;
  /** Stops the ticks and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Starts the worker. It runs on its own clock (`schedule`: by default every
 * RESET_WORKER_INTERVAL_MS), never woken by a request: were the request to start the work,
 * the token and the mail of a known address would run while that request's response is
 * being written, and its time would tell again (`npm run bench` measured 24 ms against 16 ms
 * that way). Tests inject `schedule` to run it when they choose.
 */
export function startResetWorker(
  db: DB,
  siteUrl: URL,
  { schedule = every(RESET_WORKER_INTERVAL_MS), ...delivery }: ResetDelivery & { schedule?: (tick: () => void) => () => void } = {},
): ResetWorker {
  let running: Promise<void> | undefined;
  let stopped = false;
  const runOnce = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    running ??= deliverPasswordResets(db, siteUrl, delivery)
      .then(() => undefined)
      .catch((error: unknown) => console.error(`password reset worker: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const cancel = schedule(() => void runOnce());
  return {
    runOnce,
    async stop() {
      stopped = true;
      cancel();
      await running;
    },
  };
}

function every(ms: number): (tick: () => void) => () => void {
  return (tick) => {
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  };
}
