import type { DB } from '../db/index.ts';
import { sendMail } from '../mail/index.ts';
import { consumeEmailToken, createEmailToken, type TokenProblem } from './email-tokens.ts';
import { verifyEmailMessage } from './emails.ts';
import { siteLink } from './site-links.ts';

/** Verifying an account's address: emailing the link, and marking the address verified when it is used. */

export async function sendVerificationEmail(db: DB, siteUrl: URL, userId: number, email: string, now = new Date()) {
  const token = await createEmailToken(db, userId, 'verify-email', email, now);
  await sendMail(verifyEmailMessage(email, siteLink(siteUrl, '/verify-email', { token })));
}

/** Marks the address of the token's account verified (if it is still the account's address). */
export async function verifyEmail(db: DB, token: string, now = new Date()): Promise<{ ok: true } | { ok: false; problem: TokenProblem }> {
  return db.transaction().execute(async (trx) => {
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
