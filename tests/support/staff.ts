// Helpers for the staff and audit unit tests (tests/unit/staff-*.test.ts, audit-*.test.ts): a
// migrated in-memory database, accounts with a profile, and a temporary outbox.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { updateProfile, type ProfileValues } from '../../src/lib/accounts/index.ts';
import { createAccount, normalizeEmail, type Role } from '../../src/lib/auth/index.ts';
import { migrate, openDatabase, type OpenDatabase } from '../../src/lib/db/index.ts';
import { readOutbox, type Mail } from './outbox.ts';

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

export type { Mail };

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
