import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { config } from '../config/index.ts';
import type { Message } from './message.ts';

/**
 * The transports: SMTP when SMTP_URL is set, otherwise an `.eml` file in MAIL_OUTBOX_DIR (open it
 * with any mail program). Only the delivery worker (./delivery.ts) calls this; everything else
 * writes to the outbox (./outbox.ts). One line is logged per message, naming the subject and
 * where it went, never the recipient or the body (links in mail carry secrets).
 */

let smtp: { url: string; transporter: Transporter } | undefined;

/**
 * Every send ends well within the outbox lease (MAIL_LEASE_SECONDS, at least 60 s), so that a
 * message is not claimed by a second worker while the first is still talking to the server.
 */
const SMTP_TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 };
let files: Transporter | undefined;

/** Sends `message` with the Message-ID `messageId`; resolves once the SMTP server accepted it (or the file is written). */
export async function transmit(message: Message, messageId: string): Promise<void> {
  const { smtpUrl, mailOutboxDir, mailFrom } = config();
  const mail = { from: mailFrom, to: message.to, subject: message.subject, text: message.text, messageId };
  if (smtpUrl) {
    if (smtp?.url !== smtpUrl) smtp = { url: smtpUrl, transporter: nodemailer.createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS }) };
    await smtp.transporter.sendMail(mail);
    console.log(`mail: sent "${message.subject}" through SMTP`);
    return;
  }
  files ??= nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const info = await files.sendMail(mail);
  mkdirSync(mailOutboxDir, { recursive: true });
  const file = join(mailOutboxDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`);
  writeFileSync(file, info.message as Buffer);
  console.log(`mail: wrote "${message.subject}" to ${file}`);
}
