/**
 * Mail. The one way to send a message is `enqueueMail(trx, message)` inside the transaction of
 * the change that causes it (./outbox.ts); the delivery worker (./delivery.ts, started by the
 * server) sends the rows through SMTP or as `.eml` files (./transport.ts).
 * docs/decisions/0018-mail-outbox.md.
 */
export type { Message } from './message.ts';
export { enqueueMail } from './outbox.ts';
export {
  backoffMs,
  DEFAULT_DELIVERY,
  deliverDueMail,
  failedMail,
  MAIL_WORKER_INTERVAL_MS,
  startMailWorker,
  type DeliveryOptions,
  type DeliveryReport,
  type DeliverySettings,
  type FailedMail,
  type MailWorker,
} from './delivery.ts';
