// Accounts for the tests, made straight in a database: the unit tests' own, the HTTP tests'
// site, or the e2e server's (shared in WAL mode). Used by Vitest and Playwright alike, so no
// test framework is imported here.
import { updateProfile, type ProfileValues } from '../../src/lib/accounts/index.ts';
import { createAccount, createSession, hashPassword, normalizeEmail, type Role } from '../../src/lib/auth/index.ts';
import { acknowledgeStaffDocuments } from '../../src/lib/sharing/staff-currency.ts';
import { publishedVersions } from './policy-versions.ts';
import { withDatabase, type DatabaseAt, type DB } from './site-db.ts';

/** The password of every account the tests make (strong enough for the password rules). */
export const PASSWORD = 'correct horse battery staple';

/** The browser the tests' sessions say they come from, unless a test names another. */
export const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

let counter = 0;
/** A new address for each use, so tests never depend on each other's accounts. */
export function uniqueEmail(label: string): string {
  return `${label}-${process.pid}-${++counter}@example.com`;
}

/** A text no other test writes (an announcement's, a ticket's), starting with `label`. */
export function uniqueText(label: string): string {
  return `${label} ${process.pid}-${++counter}`;
}

export interface UserOptions {
  /** The address; by default a new one made from `label`. */
  email?: string;
  /** What the new address starts with (default 'user'). */
  label?: string;
  roles?: Role[];
  /** The account's password (default PASSWORD); null: an account without one. */
  password?: string | null;
  /** Whether the address is confirmed (default true). */
  verified?: boolean;
  /**
   * Whether the account agreed to the first published policy version at registration, as a
   * registered user would have (default true).
   */
  agreed?: boolean;
  /**
   * For an account with a role: whether it has acknowledged the current staff handbook and the
   * policy in effect (default true), as staff must before using the tools with personal data.
   */
  acknowledged?: boolean;
  /** Profile fields to fill in, saved the way the account page saves them. */
  profile?: Partial<ProfileValues>;
  now?: Date;
}

export interface NewUser {
  id: number;
  email: string;
}

const hashes = new Map<string, Promise<string>>();
/** One hash per password for the whole run: hashing is deliberately slow. */
function hashOf(password: string): Promise<string> {
  if (!hashes.has(password)) hashes.set(password, hashPassword(password));
  return hashes.get(password)!;
}

const isDatabaseAt = (at: DatabaseAt | DB): at is DatabaseAt => typeof at === 'string' || 'databasePath' in at;

/** Runs `fn` on `at`: a database already open, or a site's, opened for the call. */
function using<T>(at: DatabaseAt | DB, fn: (db: DB) => Promise<T>): Promise<T> {
  return isDatabaseAt(at) ? withDatabase(at, fn) : fn(at);
}

/** Creates an account in the database at `at` (or in `at`, an open database); returns its id and address. */
export async function createUser(at: DatabaseAt | DB, options: UserOptions = {}): Promise<NewUser> {
  const { roles = [], password = PASSWORD, verified = true, agreed = true, acknowledged = true, profile, now = new Date() } = options;
  const email = options.email ?? uniqueEmail(options.label ?? 'user');
  const passwordHash = password === null ? null : await hashOf(password);
  return using(at, async (db) => {
    const id = await createAccount(db, normalizeEmail(email)!, roles, passwordHash, now);
    if (!verified) await db.updateTable('user').set({ email_verified_at: null }).where('id', '=', id).execute();
    if (agreed) {
      await db
        .insertInto('policy_agreement')
        .values({
          user_id: id,
          policy_effective_date: publishedVersions()[0]!.effective,
          agreed_at: now.toISOString(),
          context: 'registration',
          wording: 'I agree.',
        })
        .execute();
    }
    if (roles.length > 0 && acknowledged) await acknowledgeStaffDocuments(db, id, now);
    if (profile && Object.keys(profile).length > 0) await updateProfile(db, id, profile, now);
    return { id, email };
  });
}

/** Starts a session for account `userId`, as the sign-in form would; returns the session cookie's value. */
export async function startSession(at: DatabaseAt | DB, userId: number, userAgent: string | null = USER_AGENT): Promise<string> {
  return using(at, async (db) => (await createSession(db, userId, userAgent)).token);
}
