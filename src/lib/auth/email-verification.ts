import { writeTransaction, type DB } from '../db/index.ts';
import { enqueueMail } from '../mail/index.ts';
import { checkEmailTokenRow, consumeEmailToken, createEmailToken, type TokenProblem } from './email-tokens.ts';
import { verifyEmailMessage } from './emails.ts';
import { siteLink } from './site-links.ts';

/** Verifying an account's address: emailing the link, and marking the address verified when it is used. */

/** Issues a verification link for `email` and queues the message, in `trx` (the change that calls for it). */
export async function queueVerificationEmail(trx: DB, siteUrl: URL, userId: number, email: string, now = new Date()) {
  const token = await createEmailToken(trx, userId, 'verify-email', email, now);
  await enqueueMail(trx, verifyEmailMessage(email, siteLink(siteUrl, '/verify-email', { token })), now);
}

/** A new verification link on the account holder's request: the link and its message in one transaction. */
export async function resendVerificationEmail(db: DB, siteUrl: URL, userId: number, email: string, now = new Date()) {
  await writeTransaction(db, 'user', (trx) => queueVerificationEmail(trx, siteUrl, userId, email, now));
}

export type VerifyEmailOutcome = { ok: true } | { ok: false; problem: TokenProblem | 'sign-in' };

/**
 * Marks the address of the token's account verified (if it is still the account's address),
 * only for the account's own session: the link proves the mailbox, the session proves the
 * password. Otherwise the real owner of an address that a stranger registered would, by
 * confirming the welcome mail, verify the stranger's account and password (and a role could
 * then be granted to it); that owner resets the password instead, which takes the account over.
 * 'sign-in': not signed in as that account; the link stays unused.
 */
export async function verifyEmail(db: DB, token: string, signedInUserId: number | null, now = new Date()): Promise<VerifyEmailOutcome> {
  return db.transaction().execute(async (trx) => {
    const found = await checkEmailTokenRow(trx, token, 'verify-email', now);
    if (found.ok && found.token.userId !== signedInUserId) return { ok: false as const, problem: 'sign-in' as const };
    const used = await consumeEmailToken(trx, token, 'verify-email', now);
    if (!used.ok) return used;
    await trx
      .updateTable('user')
      .set({ email_verified_at: now.toISOString() })
      .where('id', '=', used.token.userId)
      .where('email', '=', used.token.email)
      .where('email_verified_at', 'is', null)
      .execute();
    return { ok: true as const };
  });
}
