import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { config } from '../config/index.ts';

export interface Message {
  to: string;
  subject: string;
  text: string;
}

let transporter: Transporter | undefined;

/**
 * Sends a message: through SMTP when SMTP_URL is set, otherwise written as an `.eml` file
 * in MAIL_OUTBOX_DIR (open it with any mail program). One line is logged per message,
 * naming the subject and where it went, never the recipient or the body (links in mail
 * carry secrets).
 */
export async function sendMail(message: Message): Promise<void> {
  const { smtpUrl, mailOutboxDir, mailFrom } = config();
  const envelope = { from: mailFrom, to: message.to, subject: message.subject, text: message.text };
  if (smtpUrl) {
    transporter ??= nodemailer.createTransport(smtpUrl);
    await transporter.sendMail(envelope);
    console.log(`mail: sent "${message.subject}" through SMTP`);
    return;
  }
  transporter ??= nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const info = await transporter.sendMail(envelope);
  mkdirSync(mailOutboxDir, { recursive: true });
  const file = join(mailOutboxDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`);
  writeFileSync(file, info.message as Buffer);
  console.log(`mail: wrote "${message.subject}" to ${file}`);
}
