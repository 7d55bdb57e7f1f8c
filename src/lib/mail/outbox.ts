import { randomUUID } from 'node:crypto';
import { config } from '../config/index.ts';
import type { DB } from '../db/index.ts';
import type { Message } from './message.ts';

/**
 * The transactional outbox: the one way the site sends mail (docs/decisions/0018-mail-outbox.md).
 *
 * A change that should tell someone something calls `enqueueMail` with its own transaction:
 * the message is a row committed (or rolled back) with the change. No request waits for a mail
 * server or fails because of one; the delivery worker (./delivery.ts) sends the rows later.
 */

export type { Message } from './message.ts';

/** The domain part of Message-IDs: the sender's (MAIL_FROM), as RFC 5322 suggests. */
function messageIdDomain(): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(config().mailFrom)?.[1];
  return domain ?? 'customertrackr.invalid';
}

/**
 * Writes `message` to the outbox in `trx` (the transaction of the change that causes it; a plain
 * connection also works, for a message that is the whole change). Returns its Message-ID, which
 * every copy sent carries. The message is sent at the worker's next look, at most a second or so
 * after the commit.
 */
export async function enqueueMail(
  trx: DB,
  message: Message,
  now = new Date(),
  { forgetWhenSent = false }: { forgetWhenSent?: boolean } = {},
): Promise<string> {
  const messageId = `<${randomUUID()}@${messageIdDomain()}>`;
  await trx
    .insertInto('mail_outbox')
    .values({
      message_id: messageId,
      recipient: message.to,
      subject: message.subject,
      body: message.text,
      status: 'pending',
      created_at: now.getTime(),
      next_attempt_at: now.getTime(),
      lease_until: null,
      last_error: null,
      finished_at: null,
      forget_when_sent: forgetWhenSent,
    })
    .execute();
  return messageId;
}
