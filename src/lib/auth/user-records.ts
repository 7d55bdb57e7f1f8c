import type { Insertable } from 'kysely';
import type { DB } from '../db/index.ts';
import type { NormalizedEmail } from './email-address.ts';
import type { PolicyAgreementTable } from './tables.ts';

/**
 * The writes to the account's own rows (`user`, `policy_agreement`) that other capabilities
 * need: the profile page changes the display name, password and address through these, so
 * that only src/lib/auth writes auth's tables (docs/architecture.md).
 */

export async function setPasswordHash(db: DB, userId: number, passwordHash: string): Promise<void> {
  await db.updateTable('user').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}

/** Makes `email` the account's sign-in address, verified at `verifiedAt` (the link proved the mailbox). */
export async function setSignInAddress(db: DB, userId: number, email: NormalizedEmail, verifiedAt: Date): Promise<void> {
  await db
    .updateTable('user')
    .set({ email: email.email, email_normalized: email.normalized, email_verified_at: verifiedAt.toISOString() })
    .where('id', '=', userId)
    .execute();
}

export async function setDisplayName(db: DB, userId: number, displayName: string | null): Promise<void> {
  await db.updateTable('user').set({ display_name: displayName }).where('id', '=', userId).execute();
}

/** Records that the user agreed to (or acknowledged) a policy version. */
export async function recordPolicyAgreement(db: DB, agreement: Omit<Insertable<PolicyAgreementTable>, 'id'>): Promise<void> {
  await db.insertInto('policy_agreement').values(agreement).execute();
}

/**
 * Deletes accounts outright, with their sessions, links and roles (ON DELETE CASCADE). Only
 * for throwaway accounts a tool made itself (the benchmark); a person's account is erased
 * through src/lib/accounts/deletion.ts, which also covers the profile and leaves a record.
 */
export async function removeThrowawayAccounts(db: DB, userIds: readonly number[]): Promise<void> {
  if (userIds.length > 0)
    await db
      .deleteFrom('user')
      .where('id', 'in', [...userIds])
      .execute();
}
