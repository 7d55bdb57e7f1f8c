// Helpers for the staff and audit unit tests (tests/unit/staff-*.test.ts, audit-*.test.ts): a
// test database with the first policy version recorded, accounts with a profile, and a
// temporary outbox.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProfileValues } from '../../src/lib/accounts/index.ts';
import type { Role } from '../../src/lib/auth/index.ts';
import { testDatabase, type OpenDatabase } from './db.ts';
import { readOutbox, type Mail } from './outbox.ts';
import { publishedVersions } from './policy-versions.ts';
import { createUser } from './users.ts';

/** A test database (see testDatabase) with the first published policy version recorded. */
export function staffDatabase(): OpenDatabase {
  const first = publishedVersions()[0]!;
  return testDatabase({
    seed: ({ db }) =>
      db
        .insertInto('policy_version')
        .values({ effective_date: first.effective, version: first.version, title: 'Privacy Policy', content_sha256: 'a'.repeat(64), material: 0, recorded_at: '2026-01-01T00:00:00Z' })
        .execute(),
  });
}

/** A verified account without a password, with the given roles and profile; returns its id. */
export async function account(database: OpenDatabase, email: string, roles: Role[] = [], profile: Partial<ProfileValues> = {}, now = new Date()): Promise<number> {
  return (await createUser(database.db, { email, roles, profile, now, password: null, agreed: false })).id;
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
