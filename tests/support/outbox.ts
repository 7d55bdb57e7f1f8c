import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DB } from '../../src/lib/db/index.ts';

/** One message the server wrote to its outbox (MAIL_OUTBOX_DIR), body decoded. */
export interface Mail {
  file: string;
  to: string;
  subject: string;
  text: string;
}

/** Decodes a quoted-printable body (nodemailer's encoding for long lines or non-ASCII). */
function decodeQuotedPrintable(body: string): string {
  const joined = body.replace(/=\r?\n/g, '');
  return Buffer.from(
    joined.replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');
}

/** The messages in an outbox folder, oldest first (file names start with the time sent). */
export function readOutbox(dir: string): Mail[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
  } catch {
    return [];
  }
  return files.sort().map((file) => {
    const raw = readFileSync(join(dir, file), 'utf8');
    const split = raw.indexOf('\n\n');
    const head = raw.slice(0, split);
    const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(head)?.[1] ?? '';
    return { file, to: header('To'), subject: header('Subject'), text: decodeQuotedPrintable(raw.slice(split + 2)) };
  });
}

/** The messages to `address` (any case), optionally only those whose subject matches. */
export function mailsIn(dir: string, address: string, subject?: RegExp): Mail[] {
  return readOutbox(dir).filter((m) => m.to.toLowerCase() === address.toLowerCase() && (!subject || subject.test(m.subject)));
}

/** The newest message to `address` whose subject matches, waiting briefly for it to be written. */
export async function waitForMail(dir: string, address: string, subject: RegExp, timeoutMs = 20_000): Promise<Mail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = mailsIn(dir, address, subject).at(-1);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no message to ${address} matching ${subject} in ${dir}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The path and query of the first link in a message (mail links use SITE_URL, not the test server). */
export function linkPath(mail: Pick<Mail, 'subject' | 'text'>): string {
  const link = /https?:\/\/\S+/.exec(mail.text)?.[0];
  if (!link) throw new Error(`no link in "${mail.subject}"`);
  const url = new URL(link);
  return url.pathname + url.search;
}

/**
 * Points the mail module at a new temporary outbox (config() reads the environment on first
 * use, once per test file). Call at the top of the file.
 */
export function temporaryOutbox(): { dir: string; mails: () => Mail[]; clear: () => void; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ct-mail-'));
  process.env.MAIL_OUTBOX_DIR = dir;
  delete process.env.SMTP_URL;
  return {
    dir,
    mails: () => readOutbox(dir),
    clear: () => {
      rmSync(dir, { recursive: true, force: true });
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The token of the link in a message. */
export function linkToken(mail: Mail): string | undefined {
  return /token=([a-z2-7]+\.[a-z2-7]+)/.exec(mail.text)?.[1];
}

/**
 * The messages queued in a database's mail outbox (src/lib/mail), oldest first, read on its
 * connection: what in-process tests of domain code look at (the transports are tested with the
 * delivery worker, tests/unit/mail-outbox.test.ts).
 */
export async function queuedMail(database: { db: DB }): Promise<Mail[]> {
  const rows = await database.db
    .selectFrom('mail_outbox')
    .select(['message_id as file', 'recipient as to', 'subject', 'body as text'])
    .orderBy('id')
    .execute();
  return rows.map((m) => ({ ...m }));
}
