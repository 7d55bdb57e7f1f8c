import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { Database, DB } from '../db/index.ts';
import { sendMail } from '../mail/index.ts';
import { hit, LIMITS } from '../rate-limit/index.ts';
import { versionInEffectAt } from '../policy/versions.ts';
import { checkEmailTokenRow, consumeEmailToken, createEmailToken, type TokenProblem } from './email-tokens.ts';
import { alreadyRegisteredMessage, verifyEmailMessage } from './emails.ts';
import { checkNewPassword, hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { createSession, invalidateUserSessions } from './sessions.ts';
import { ROLES, type Role } from './tables.ts';

export const MAX_EMAIL_LENGTH = 254;
const emailSchema = z.email({ pattern: z.regexes.html5Email }).max(MAX_EMAIL_LENGTH);

export interface NormalizedEmail {
  /** As the user typed it, trimmed. */
  email: string;
  /** The form compared for uniqueness and sign-in. */
  normalized: string;
}

/** Trims and validates an address; undefined when it is not one. */
export function normalizeEmail(input: string): NormalizedEmail | undefined {
  const email = input.trim().normalize('NFC');
  if (!emailSchema.safeParse(email).success) return undefined;
  return { email, normalized: email.toLowerCase() };
}

function iso(now: Date) {
  return now.toISOString();
}

/** Builds an absolute link on the public origin (never on the request's Host header). */
export function siteLink(siteUrl: URL, path: string, params: Record<string, string> = {}): string {
  const url = new URL(path, siteUrl);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

export async function findUserByEmail(db: DB, email: string) {
  const normalized = normalizeEmail(email)?.normalized;
  if (!normalized) return undefined;
  return db.selectFrom('user').selectAll().where('email_normalized', '=', normalized).executeTakeFirst();
}

/** The policy version in effect at `now`, as recorded in the database at start-up. */
export async function policyVersionInEffect(db: DB, now = new Date()) {
  const rows = await db.selectFrom('policy_version').select(['effective_date', 'title', 'version']).execute();
  return versionInEffectAt(
    rows.map((r) => ({ ...r, effective: r.effective_date })),
    now,
  );
}

export async function sendVerificationEmail(db: DB, siteUrl: URL, userId: number, email: string, now = new Date()) {
  const token = await createEmailToken(db, userId, 'verify-email', email, now);
  await sendMail(verifyEmailMessage(email, siteLink(siteUrl, '/verify-email', { token })));
}

export interface Registration {
  email: NormalizedEmail;
  password: string;
  /** The policy version the form showed, and the exact words of the agreement checkbox. */
  policyEffectiveDate: string;
  agreementWording: string;
}

export type RegistrationOutcome = { kind: 'created'; userId: number } | { kind: 'already-registered' } | { kind: 'weak-password'; reason: string };

/**
 * Registers an account, or, when the address already has one, emails its owner instead. Both
 * paths look the same to the person registering (the caller shows one response) and take the
 * same time (the password is hashed either way), so the form cannot be used to find out who
 * has an account. The password rules are checked here, once (the caller counts its rate limits
 * first: the strength estimate is the costly part of a refusal).
 *
 * The owner is told of such attempts at most once a day (LIMITS.mailAlreadyRegistered), so
 * registrations with someone's address cannot flood their inbox; further attempts are answered
 * the same and send nothing. That budget is the message's own: it never delays another kind.
 */
export async function registerAccount(db: DB, siteUrl: URL, registration: Registration, now = new Date()): Promise<RegistrationOutcome> {
  const verdict = checkNewPassword(registration.password, [registration.email.email]);
  if (!verdict.ok) return { kind: 'weak-password', reason: verdict.reason };
  const passwordHash = await hashPassword(registration.password);
  const existing = await findUserByEmail(db, registration.email.normalized);
  if (existing) {
    if ((await hit(db, LIMITS.mailAlreadyRegistered, registration.email.normalized, now)).allowed) {
      await sendMail(alreadyRegisteredMessage(existing.email, siteLink(siteUrl, '/login'), siteLink(siteUrl, '/forgot-password')));
    }
    return { kind: 'already-registered' };
  }
  const userId = await db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('user')
      .values({
        email: registration.email.email,
        email_normalized: registration.email.normalized,
        password_hash: passwordHash,
        created_at: iso(now),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('policy_agreement')
      .values({
        user_id: id,
        policy_effective_date: registration.policyEffectiveDate,
        agreed_at: iso(now),
        context: 'registration',
        wording: registration.agreementWording,
      })
      .execute();
    return id;
  });
  await sendVerificationEmail(db, siteUrl, userId, registration.email.email, now);
  return { kind: 'created', userId };
}

export type SignInOutcome = { ok: true; userId: number; token: string } | { ok: false };

/**
 * Checks an email and password and starts a new session. Unknown address, no password set and
 * wrong password all fail the same way and take the same time.
 */
export async function signIn(db: DB, email: string, password: string, userAgent: string | null, now = new Date()): Promise<SignInOutcome> {
  const user = await findUserByEmail(db, email);
  if (!user?.password_hash) {
    await verifyAgainstDummy(password);
    return { ok: false };
  }
  if (!(await verifyPassword(user.password_hash, password))) return { ok: false };
  const update: { last_sign_in_at: string; password_hash?: string } = { last_sign_in_at: iso(now) };
  if (needsRehash(user.password_hash)) update.password_hash = await hashPassword(password);
  await db.updateTable('user').set(update).where('id', '=', user.id).execute();
  const { token } = await createSession(db, user.id, userAgent, now);
  return { ok: true, userId: user.id, token };
}

export type PasswordSetOutcome = { ok: true; userId: number } | { ok: false; problem: TokenProblem } | { ok: false; passwordProblem: string };

/**
 * Sets a new password through an emailed link (reset, or an operator-created account's first
 * password). The link proves the owner reads the mailbox, so the address counts as verified.
 * Every session of the account ends: whoever knew the old password is signed out. The rules are
 * checked once, before hashing, with the account's address as context.
 */
export async function setPasswordWithToken(
  db: DB,
  token: string,
  purpose: 'reset-password' | 'set-password',
  newPassword: string,
  now = new Date(),
): Promise<PasswordSetOutcome> {
  // The link is checked (not used) first: the rules need the account's address.
  const link = await checkEmailTokenRow(db, token, purpose, now);
  if (!link.ok) return link;
  const owner = await db.selectFrom('user').select('email').where('id', '=', link.token.userId).executeTakeFirst();
  if (!owner) return { ok: false, problem: 'invalid' };
  const verdict = checkNewPassword(newPassword, [owner.email]);
  // The link stays usable.
  if (!verdict.ok) return { ok: false, passwordProblem: verdict.reason };
  const passwordHash = await hashPassword(newPassword);
  return db.transaction().execute(async (trx) => {
    const used = await consumeEmailToken(trx, token, purpose, now);
    if (!used.ok) return used;
    const user = await trx.selectFrom('user').select(['id', 'email', 'email_verified_at']).where('id', '=', used.token.userId).executeTakeFirstOrThrow();
    if (user.email !== owner.email) {
      // The address changed while the password was hashed: check again against the new one.
      const again = checkNewPassword(newPassword, [user.email]);
      if (!again.ok) throw new PasswordRuleError(again.reason);
    }
    await trx
      .updateTable('user')
      .set({ password_hash: passwordHash, email_verified_at: user.email_verified_at ?? iso(now) })
      .where('id', '=', user.id)
      .execute();
    await invalidateUserSessions(trx, user.id);
    if (user.email_verified_at === null) {
      // This link is the first proof that the owner reads the mailbox: whoever registered the
      // address before them (anyone can type any address) loses every other way in, such as a
      // pending change of address to a mailbox of theirs.
      await endOutstandingLinks(trx, user.id);
    }
    return { ok: true as const, userId: user.id };
  }).catch((error: unknown) => {
    if (error instanceof PasswordRuleError) return { ok: false as const, passwordProblem: error.message };
    throw error;
  });
}

class PasswordRuleError extends Error {}

/** Marks the address of the token's account verified (if it is still the account's address). */
export async function verifyEmail(db: DB, token: string, now = new Date()): Promise<{ ok: true } | { ok: false; problem: TokenProblem }> {
  return db.transaction().execute(async (trx) => {
    const used = await consumeEmailToken(trx, token, 'verify-email', now);
    if (!used.ok) return used;
    await trx
      .updateTable('user')
      .set({ email_verified_at: iso(now) })
      .where('id', '=', used.token.userId)
      .where('email', '=', used.token.email)
      .where('email_verified_at', 'is', null)
      .execute();
    return { ok: true as const };
  });
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Creates a verified account for the operator's command-line tool. */
export async function createAccount(
  db: DB,
  email: NormalizedEmail,
  roles: Role[],
  passwordHash: string | null,
  now = new Date(),
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('user')
      .values({ email: email.email, email_normalized: email.normalized, password_hash: passwordHash, email_verified_at: iso(now), created_at: iso(now) })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const role of roles) await trx.insertInto('user_role').values({ user_id: id, role, granted_at: iso(now) }).execute();
    return id;
  });
}

/** Every emailed link of the account that has not been used yet stops working. */
async function endOutstandingLinks(db: DB, userId: number): Promise<void> {
  await db.deleteFrom('email_token').where('user_id', '=', userId).where('used_at', 'is', null).execute();
}

export type OperatorAddOutcome =
  | { kind: 'created'; userId: number }
  /** The address had an account nobody had proven; it is now its real owner's (see addAccountForOwner). */
  | { kind: 'taken-over'; userId: number; email: string }
  | { kind: 'exists'; email: string };

/**
 * The operator's `npm run user -- add`: creates a verified account with `roles`, or, when the
 * address already has an account whose address was never verified (anyone may register any
 * address, with a password of their own), takes that account over for the address's real
 * owner: its password becomes `passwordHash` (null: none until the owner sets one through a
 * link), its address counts as verified, and every session and every outstanding emailed link
 * ends, so that whoever registered it is locked out. A verified account is left alone
 * (`exists`). The check and the change are one transaction; the caller tells the owner.
 */
export async function addAccountForOwner(
  db: DB,
  email: NormalizedEmail,
  roles: Role[],
  passwordHash: string | null,
  now = new Date(),
): Promise<OperatorAddOutcome> {
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('user').select(['id', 'email', 'email_verified_at']).where('email_normalized', '=', email.normalized).executeTakeFirst();
    let userId: number;
    if (!existing) {
      ({ id: userId } = await trx
        .insertInto('user')
        .values({ email: email.email, email_normalized: email.normalized, password_hash: passwordHash, email_verified_at: iso(now), created_at: iso(now) })
        .returning('id')
        .executeTakeFirstOrThrow());
    } else {
      if (existing.email_verified_at !== null) return { kind: 'exists' as const, email: existing.email };
      userId = existing.id;
      await trx.updateTable('user').set({ password_hash: passwordHash, email_verified_at: iso(now) }).where('id', '=', userId).execute();
      await invalidateUserSessions(trx, userId);
      await endOutstandingLinks(trx, userId);
    }
    for (const role of roles) {
      await trx.insertInto('user_role').values({ user_id: userId, role, granted_at: iso(now) }).onConflict((oc) => oc.doNothing()).execute();
    }
    return existing ? { kind: 'taken-over' as const, userId, email: existing.email } : { kind: 'created' as const, userId };
  });
}

export type RoleGrant = 'granted' | 'already-held' | 'unverified' | 'no-account';

/**
 * Gives account `userId` the role `role`, only if its address is verified: anyone can register
 * someone else's address with a password of their own, so a role on an address nobody has
 * proven would let a stranger sign in as staff. The check and the insert are one statement.
 */
export async function grantRole(db: DB, userId: number, role: Role, now = new Date()): Promise<RoleGrant> {
  const result = await db
    .insertInto('user_role')
    .columns(['user_id', 'role', 'granted_at'])
    .expression((eb) =>
      eb
        .selectFrom('user')
        .select((s) => ['user.id', s.val(role).as('role'), s.val(iso(now)).as('granted_at')])
        .where('user.id', '=', userId)
        .where('user.email_verified_at', 'is not', null),
    )
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0n) > 0) return 'granted';
  const user = await db.selectFrom('user').select('email_verified_at').where('id', '=', userId).executeTakeFirst();
  if (!user) return 'no-account';
  return user.email_verified_at === null ? 'unverified' : 'already-held';
}

/**
 * The rule that there is always at least one admin: whether taking the admin role from account
 * `userId`, or deleting the account, would leave none. Every path that removes an admin role or
 * an account asks this before the removal, in the transaction that removes (hence the type):
 * SQLite runs write transactions one at a time and fails one whose earlier reads another has
 * since changed, so two admins removed at the same moment cannot both pass on the same count.
 */
export async function isLastAdmin(trx: Transaction<Database>, userId: number): Promise<boolean> {
  const admins = await trx.selectFrom('user_role').select('user_id').where('role', '=', 'admin').limit(2).execute();
  return admins.length === 1 && admins[0]!.user_id === userId;
}

export type RoleRevocation = 'revoked' | 'not-held' | 'last-admin';

/** Takes `role` away from account `userId`, unless it is the last admin role (see isLastAdmin). */
export async function revokeRole(trx: Transaction<Database>, userId: number, role: Role): Promise<RoleRevocation> {
  if (role === 'admin' && (await isLastAdmin(trx, userId))) return 'last-admin';
  const result = await trx.deleteFrom('user_role').where('user_id', '=', userId).where('role', '=', role).executeTakeFirst();
  return result.numDeletedRows > 0n ? 'revoked' : 'not-held';
}
