import type { DB } from '../db/index.ts';
import { findUserByEmail } from './email-address.ts';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { createSession } from './sessions.ts';

/** Signing in with an address and a password. */

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
  const update: { last_sign_in_at: string; password_hash?: string } = { last_sign_in_at: now.toISOString() };
  if (needsRehash(user.password_hash)) update.password_hash = await hashPassword(password);
  await db.updateTable('user').set(update).where('id', '=', user.id).execute();
  const { token } = await createSession(db, user.id, userAgent, now);
  return { ok: true, userId: user.id, token };
}
