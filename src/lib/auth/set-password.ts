import type { DB } from '../db/index.ts';
import { checkEmailTokenRow, consumeEmailToken, discardUnusedLinks, type TokenProblem } from './email-tokens.ts';
import { checkNewPassword, hashPassword } from './passwords.ts';
import { invalidateUserSessions } from './sessions.ts';

/** Setting a password through an emailed link: a reset, or the first password of an operator-created account. */

export type PasswordSetOutcome =
  { ok: true; userId: number } | { ok: false; problem: TokenProblem } | { ok: false; passwordProblem: string };

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
  return db
    .transaction()
    .execute(async (trx) => {
      const used = await consumeEmailToken(trx, token, purpose, now);
      if (!used.ok) return used;
      const user = await trx
        .selectFrom('user')
        .select(['id', 'email', 'email_verified_at'])
        .where('id', '=', used.token.userId)
        .executeTakeFirstOrThrow();
      if (user.email !== owner.email) {
        // The address changed while the password was hashed: check again against the new one.
        const again = checkNewPassword(newPassword, [user.email]);
        if (!again.ok) throw new PasswordRuleError(again.reason);
      }
      await trx
        .updateTable('user')
        .set({ password_hash: passwordHash, email_verified_at: user.email_verified_at ?? now.toISOString() })
        .where('id', '=', user.id)
        .execute();
      await invalidateUserSessions(trx, user.id);
      if (user.email_verified_at === null) {
        // This link is the first proof that the owner reads the mailbox: whoever registered the
        // address before them (anyone can type any address) loses every other way in, such as a
        // pending change of address to a mailbox of theirs.
        await discardUnusedLinks(trx, user.id);
      }
      return { ok: true as const, userId: user.id };
    })
    .catch((error: unknown) => {
      if (error instanceof PasswordRuleError) return { ok: false as const, passwordProblem: error.message };
      throw error;
    });
}

class PasswordRuleError extends Error {}
