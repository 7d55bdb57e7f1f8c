// Helpers for the staff and audit unit tests (tests/unit/staff-*.test.ts, audit-*.test.ts): a
// test database with the first policy version recorded, and accounts with a profile. (Their
// temporary outbox is outbox.ts's.)
import type { ProfileValues } from '../../src/lib/accounts/index.ts';
import type { Role } from '../../src/lib/auth/index.ts';
import { testDatabase, type OpenDatabase } from './db.ts';
import { publishedVersions } from './policy-versions.ts';
import { createUser } from './users.ts';

/** A test database (see testDatabase) with the first published policy version recorded. */
export function staffDatabase(): OpenDatabase {
  const first = publishedVersions()[0]!;
  return testDatabase({
    seed: ({ db }) =>
      db
        .insertInto('policy_version')
        .values({
          effective_date: first.effective,
          version: first.version,
          title: 'Privacy Policy',
          content_sha256: 'a'.repeat(64),
          material: false,
          recorded_at: '2026-01-01T00:00:00Z',
        })
        .execute(),
  });
}

/** A verified account without a password, with the given roles and profile; returns its id. */
export async function account(
  database: OpenDatabase,
  email: string,
  roles: Role[] = [],
  profile: Partial<ProfileValues> = {},
  now = new Date(),
): Promise<number> {
  return (await createUser(database.db, { email, roles, profile, now, password: null, agreed: false })).id;
}
