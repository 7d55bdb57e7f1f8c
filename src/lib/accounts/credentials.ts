import { normalizeEmail, type NormalizedEmail } from '../auth/email-address.ts';
import { siteLink } from '../auth/site-links.ts';
import { consumeEmailToken, createEmailToken, discardUnusedLinks, type TokenProblem } from '../auth/email-tokens.ts';
import { setPasswordHash, setSignInAddress } from '../auth/user-records.ts';
import { checkNewPassword, hashPassword, verifyAgainstDummy, verifyPassword } from '../auth/passwords.ts';
import { invalidateUserSessions } from '../auth/sessions.ts';
import { writeTransaction, type DB } from '../db/index.ts';
import { enqueueMail } from '../mail/index.ts';
import { confirmNewEmailMessage, emailChangedMessage, emailTakenMessage, passwordChangedMessage } from './emails.ts';
import { recordChanges } from './history.ts';

/**
 * Changes that need the current password (re-authentication): password and email address.
 * Deletion re-authenticates the same way (deletion.ts).
 */

/** Checks the user's current password; the same time is spent when there is none to check. */
export async function verifyCurrentPassword(db: DB, userId: number, password: string): Promise<boolean> {
  const row = await db.selectFrom('user').select('password_hash').where('id', '=', userId).executeTakeFirst();
  if (!row?.password_hash) return verifyAgainstDummy(password);
  return verifyPassword(row.password_hash, password);
}

export type PasswordChangeOutcome =
  { ok: true; signedOut: number } | { ok: false; problem: 'wrong-password' } | { ok: false; problem: 'rule'; reason: string };

/**
 * Sets a new password after checking the current one and the rules (with the address as
 * context). Unused reset links stop working; with `signOutOthers`, every other session ends.
 * The owner is told by email.
 */
export async function changePassword(
  db: DB,
  userId: number,
  currentSessionId: string,
  currentPassword: string,
  newPassword: string,
  signOutOthers: boolean,
  now = new Date(),
): Promise<PasswordChangeOutcome> {
  if (!(await verifyCurrentPassword(db, userId, currentPassword))) return { ok: false, problem: 'wrong-password' };
  const user = await db.selectFrom('user').select(['email']).where('id', '=', userId).executeTakeFirstOrThrow();
  const verdict = checkNewPassword(newPassword, [user.email]);
  if (!verdict.ok) return { ok: false, problem: 'rule', reason: verdict.reason };
  const passwordHash = await hashPassword(newPassword);
  const signedOut = await writeTransaction(db, 'user', async (trx) => {
    await setPasswordHash(trx, userId, passwordHash);
    await discardUnusedLinks(trx, userId, ['reset-password', 'set-password']);
    await recordChanges(trx, userId, ['password'], 'you', now);
    await enqueueMail(trx, passwordChangedMessage(user.email, now, signOutOthers), now);
    return signOutOthers ? invalidateUserSessions(trx, userId, currentSessionId) : 0;
  });
  return { ok: true, signedOut };
}

export type EmailChangeRequestOutcome = { ok: true; to: string } | { ok: false; problem: 'wrong-password' | 'same-address' };

/**
 * Starts a change of address: the new address gets a single-use link; nothing changes until
 * it is opened. When the new address already has an account, its owner is told instead and
 * no link is sent — but a pending change is recorded all the same, so that the requester
 * cannot tell the two cases apart (the link they never get is the only difference).
 */
export async function requestEmailChange(
  db: DB,
  siteUrl: URL,
  userId: number,
  currentPassword: string,
  newEmail: NormalizedEmail,
  now = new Date(),
): Promise<EmailChangeRequestOutcome> {
  if (!(await verifyCurrentPassword(db, userId, currentPassword))) return { ok: false, problem: 'wrong-password' };
  const user = await db.selectFrom('user').select(['email', 'email_normalized']).where('id', '=', userId).executeTakeFirstOrThrow();
  if (user.email_normalized === newEmail.normalized) return { ok: false, problem: 'same-address' };
  await writeTransaction(db, 'user', async (trx) => {
    const taken = await trx.selectFrom('user').select('id').where('email_normalized', '=', newEmail.normalized).executeTakeFirst();
    const token = await createEmailToken(trx, userId, 'change-email', newEmail.email, now);
    const message = taken
      ? emailTakenMessage(newEmail.email)
      : confirmNewEmailMessage(newEmail.email, siteLink(siteUrl, '/account/confirm-email', { token }));
    await enqueueMail(trx, message, now);
  });
  return { ok: true, to: newEmail.email };
}

export interface PendingEmailChange {
  email: string;
  requestedAt: Date;
  expiresAt: Date;
}

export async function pendingEmailChange(db: DB, userId: number, now = new Date()): Promise<PendingEmailChange | undefined> {
  const row = await db
    .selectFrom('email_token')
    .select(['email', 'created_at', 'expires_at'])
    .where('user_id', '=', userId)
    .where('purpose', '=', 'change-email')
    .where('used_at', 'is', null)
    .where('expires_at', '>', now.getTime())
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return row ? { email: row.email, requestedAt: new Date(row.created_at), expiresAt: new Date(row.expires_at) } : undefined;
}

export async function cancelEmailChange(db: DB, userId: number): Promise<void> {
  await discardUnusedLinks(db, userId, ['change-email']);
}

export type EmailChangeOutcome = { ok: true; userId: number; email: string } | { ok: false; problem: TokenProblem | 'taken' };

/**
 * Completes a change of address from the emailed link: the new address becomes the sign-in
 * address, verified (the link proves the mailbox). Other unused links of the account stop
 * working, since they went to the old address. The old address is told.
 */
export async function confirmEmailChange(db: DB, token: string, now = new Date()): Promise<EmailChangeOutcome> {
  const outcome = await writeTransaction(db, 'user', async (trx) => {
    const used = await consumeEmailToken(trx, token, 'change-email', now);
    if (!used.ok) return used;
    const normalized = normalizeEmail(used.token.email);
    if (!normalized) return { ok: false as const, problem: 'invalid' as const };
    const taken = await trx.selectFrom('user').select('id').where('email_normalized', '=', normalized.normalized).executeTakeFirst();
    if (taken) throw new AddressTaken();
    const before = await trx.selectFrom('user').select(['email']).where('id', '=', used.token.userId).executeTakeFirstOrThrow();
    await setSignInAddress(trx, used.token.userId, normalized, now);
    await discardUnusedLinks(trx, used.token.userId);
    await recordChanges(trx, used.token.userId, ['email'], 'you', now);
    await enqueueMail(trx, emailChangedMessage(before.email, normalized.email, now), now);
    return { ok: true as const, userId: used.token.userId, email: normalized.email };
  }).catch((error: unknown) => {
    // Roll back the token's use too: the link stays usable if the address is freed.
    if (error instanceof AddressTaken) return { ok: false as const, problem: 'taken' as const };
    throw error;
  });
  return outcome;
}

class AddressTaken extends Error {}
