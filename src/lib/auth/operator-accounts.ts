import { isUniqueViolation, writeTransaction, type DB } from '../db/index.ts';
import { enqueueMail } from '../mail/index.ts';
import type { NormalizedEmail } from './email-address.ts';
import { discardUnusedLinks } from './email-tokens.ts';
import { accountTakenOverMessage } from './emails.ts';
import { siteLink } from './site-links.ts';
import { invalidateUserSessions } from './sessions.ts';
import type { Role } from './tables.ts';

/**
 * Accounts the operator makes with the command-line tool (`npm run user -- add`): created
 * verified, with roles, or taken over from whoever registered the address without proving it.
 */

/** Inserts a verified account (the operator vouches for the address) and returns its id. */
async function insertVerifiedUser(db: DB, email: NormalizedEmail, passwordHash: string | null, now: Date): Promise<number> {
  const { id } = await db
    .insertInto('user')
    .values({
      email: email.email,
      email_normalized: email.normalized,
      password_hash: passwordHash,
      email_verified_at: now.toISOString(),
      created_at: now.toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

/** Creates a verified account for the operator's command-line tool. */
export async function createAccount(
  db: DB,
  email: NormalizedEmail,
  roles: Role[],
  passwordHash: string | null,
  now = new Date(),
): Promise<number> {
  return writeTransaction(db, 'user', async (trx) => {
    const id = await insertVerifiedUser(trx, email, passwordHash, now);
    for (const role of roles) await trx.insertInto('user_role').values({ user_id: id, role, granted_at: now.toISOString() }).execute();
    return id;
  });
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
 * ends, so that whoever registered it is locked out; the owner is told by email (queued in the
 * same transaction). A verified account is left alone (`exists`).
 *
 * Whether the address has an account is the unique key's answer, not a lookup before: the
 * account is created, and only when that insert violates `user.email_normalized` is the
 * existing account looked at, under the write lock, and taken over or left alone.
 */
export async function addAccountForOwner(
  db: DB,
  siteUrl: URL,
  email: NormalizedEmail,
  roles: Role[],
  passwordHash: string | null,
  now = new Date(),
): Promise<OperatorAddOutcome> {
  try {
    return { kind: 'created', userId: await createAccount(db, email, roles, passwordHash, now) };
  } catch (error) {
    if (!isUniqueViolation(error, 'user.email_normalized')) throw error;
  }
  return writeTransaction(db, 'user', async (trx) => {
    const existing = await trx
      .selectFrom('user')
      .select(['id', 'email', 'email_verified_at'])
      .where('email_normalized', '=', email.normalized)
      .executeTakeFirst();
    let userId: number;
    if (!existing) {
      // Deleted since the insert above was refused: the address is free again.
      userId = await insertVerifiedUser(trx, email, passwordHash, now);
    } else {
      if (existing.email_verified_at !== null) return { kind: 'exists' as const, email: existing.email };
      userId = existing.id;
      await trx
        .updateTable('user')
        .set({ password_hash: passwordHash, email_verified_at: now.toISOString() })
        .where('id', '=', userId)
        .execute();
      await invalidateUserSessions(trx, userId);
      await discardUnusedLinks(trx, userId);
      await enqueueMail(
        trx,
        accountTakenOverMessage(existing.email, siteLink(siteUrl, '/login'), siteLink(siteUrl, '/forgot-password')),
        now,
      );
    }
    for (const role of roles) {
      await trx
        .insertInto('user_role')
        .values({ user_id: userId, role, granted_at: now.toISOString() })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    return existing ? { kind: 'taken-over' as const, userId, email: existing.email } : { kind: 'created' as const, userId };
  });
}
