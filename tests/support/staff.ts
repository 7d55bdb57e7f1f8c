// Helpers for the staff and audit unit tests (tests/unit/staff-*.test.ts, audit-*.test.ts): a
// migrated in-memory database, accounts with a profile, and a temporary outbox.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { updateProfile, type ProfileValues } from '../../src/lib/accounts/index.ts';
import { createAccount, normalizeEmail, type Role } from '../../src/lib/auth/index.ts';
import { migrate, openDatabase, type OpenDatabase } from '../../src/lib/db/index.ts';

/** A migrated in-memory database with the first policy version recorded. */
export async function freshDatabase(): Promise<OpenDatabase> {
  const database = openDatabase(':memory:');
  await migrate(database.db);
  await database.db
    .insertInto('policy_version')
    .values({ effective_date: '2009-01-01', version: 1, title: 'Privacy Policy', content_sha256: 'a'.repeat(64), material: 0, recorded_at: '2026-01-01T00:00:00Z' })
    .execute();
  return database;
}

/** A verified account with the given roles and profile; returns its id. */
export async function account(database: OpenDatabase, email: string, roles: Role[] = [], profile: Partial<ProfileValues> = {}, now = new Date()): Promise<number> {
  const id = await createAccount(database.db, normalizeEmail(email)!, roles, null, now);
  if (Object.keys(profile).length > 0) await updateProfile(database.db, id, profile, now);
  return id;
}

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/**
 * Points the mail module at a new temporary outbox (config() reads the environment on first
 * use, once per test file). Call at the top of the file.
 */
export function temporaryOutbox(): { dir: string; mails: () => Mail[]; clear: () => void; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ct-staff-mail-'));
  process.env.MAIL_OUTBOX_DIR = dir;
  delete process.env.SMTP_URL;
  return {
    dir,
    mails: () => readOutboxDir(dir),
    clear: () => {
      rmSync(dir, { recursive: true, force: true });
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The messages in `dir`, oldest first, with quoted-printable bodies decoded. */
export function readOutboxDir(dir: string): Mail[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
  } catch {
    return [];
  }
  return files.sort().map((f) => {
    const raw = readFileSync(join(dir, f), 'utf8');
    const split = raw.indexOf('\n\n');
    const head = raw.slice(0, split);
    const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(head)?.[1] ?? '';
    const qp = raw.slice(split + 2).replace(/=\r?\n/g, '');
    const text = Buffer.from(
      qp.replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      'latin1',
    ).toString('utf8');
    return { to: header('To'), subject: header('Subject'), text };
  });
}

/** The token of the link in a message. */
export function linkToken(mail: Mail): string | undefined {
  return /token=([a-z2-7]+\.[a-z2-7]+)/.exec(mail.text)?.[1];
}
