import type { Generated } from 'kysely';

/**
 * The mail capability's table (migration 0011): the outbox. Each row is one message, written in
 * the transaction of the change that causes it (enqueueMail), sent by the delivery worker.
 * Personal data: the recipient's address and the body (which may hold a single-use link) until
 * the row is pruned, 7 days after it was sent or 30 after it was given up on (./retention.ts).
 */
export const MAIL_STATUSES = ['pending', 'sent', 'failed'] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

export interface MailOutboxTable {
  id: Generated<number>;
  /** The Message-ID header, angle brackets included; fixed when the row is written. */
  message_id: string;
  recipient: string;
  subject: string;
  body: string;
  status: MailStatus;
  /** Epoch ms. */
  created_at: number;
  /** How many times a worker has claimed it to send it. */
  attempts: Generated<number>;
  /** Epoch ms before which it is not tried (the backoff after a failure). */
  next_attempt_at: number;
  /** Epoch ms until which a worker holds it; null when no one does. */
  lease_until: number | null;
  /** Why the last attempt failed (the transport's message, never the body). */
  last_error: string | null;
  /** Epoch ms when it was sent or given up on. */
  finished_at: number | null;
  /**
   * 1 for a message to the address of an account that was erased (the deletion confirmation):
   * its row is deleted, and the database's log emptied, as soon as it is sent, so the address
   * is not kept the 7 days of sent mail.
   */
  forget_when_sent: Generated<boolean>;
}
