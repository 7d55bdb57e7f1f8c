import { writeTransaction, type DB } from '../db/index.ts';
import { everyInterval, startWorker, type Schedule, type Worker } from '../jobs/worker.ts';
import { enqueueMail } from '../mail/index.ts';
import { findUserByEmail } from './email-address.ts';
import { siteLink } from './site-links.ts';
import { createEmailToken } from './email-tokens.ts';
import { resetPasswordMessage } from './emails.ts';

/**
 * Password reset requests go through a small queue, so that the request says nothing about who
 * has an account, not even by its time: the request path writes one row whatever the address
 * (requestPasswordReset) and returns; a worker in the server process (startResetWorker, started
 * by src/server/main.ts) takes the rows and, for addresses that have an account, writes the
 * token and queues the message in the mail outbox (src/lib/mail), in one transaction. The mail
 * worker sends it like every other message. (The request path cannot queue the message itself:
 * only known addresses get one, and the extra work would show in its time.)
 */

/** Records a reset request for `email` (normalized), known or not. The same work either way. */
export async function requestPasswordReset(db: DB, email: string, now = new Date()): Promise<void> {
  await db.insertInto('password_reset_request').values({ email, requested_at: now.getTime() }).execute();
}

export interface ResetDelivery {
  now?: () => Date;
}

/**
 * Handles every queued request, oldest first, each in one transaction: the row is taken
 * (deleted), and for an address with an account a reset link is issued and its message queued.
 * Two workers never handle the same row (the delete decides). A request older than a reset
 * link's lifetime is dropped. Returns how many rows were taken.
 */
export async function queuePasswordResets(db: DB, siteUrl: URL, { now = () => new Date() }: ResetDelivery = {}): Promise<number> {
  let taken = 0;
  for (;;) {
    const took = await writeTransaction(db, 'password-reset-queue', async (trx) => {
      const row = await trx
        .deleteFrom('password_reset_request')
        .where('id', '=', (eb) => eb.selectFrom('password_reset_request').select((e) => e.fn.min('id').as('id')))
        .returning(['email', 'requested_at'])
        .executeTakeFirst();
      if (!row) return false;
      const at = now();
      if (at.getTime() - row.requested_at > RESET_REQUEST_STALE_MS) return true;
      const user = await findUserByEmail(trx, row.email);
      if (!user) return true;
      const token = await createEmailToken(trx, user.id, 'reset-password', user.email, at);
      await enqueueMail(trx, resetPasswordMessage(user.email, siteLink(siteUrl, '/reset-password', { token })), at);
      return true;
    });
    if (!took) return taken;
    taken++;
  }
}

/** A request not handled within this long is dropped unsent (a reset link's lifetime). */
export const RESET_REQUEST_STALE_MS = 60 * 60_000;

/** How often the server's worker looks at the queue. */
export const RESET_WORKER_INTERVAL_MS = 1_000;

/** Handles what is queued now (runOnce: what each tick does), and stops. */
export type ResetWorker = Worker<void>;

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
  { schedule = everyInterval(RESET_WORKER_INTERVAL_MS), ...delivery }: ResetDelivery & { schedule?: Schedule } = {},
): ResetWorker {
  return startWorker(
    () =>
      queuePasswordResets(db, siteUrl, delivery)
        .then(() => undefined)
        .catch((error: unknown) => console.error(`password reset worker: ${error instanceof Error ? error.message : String(error)}`)),
    schedule,
    undefined,
  );
}
