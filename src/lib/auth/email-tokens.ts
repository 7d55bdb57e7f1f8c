import { writeTransaction, type DB } from '../db/index.ts';
import type { EmailTokenPurpose } from './tables.ts';
import { issueToken, parseToken, secretMatches } from './tokens.ts';

/** Ends the account's unused emailed links (of the given kinds; all when none are named). */
export async function discardUnusedLinks(db: DB, userId: number, purposes?: readonly EmailTokenPurpose[]): Promise<void> {
  let query = db.deleteFrom('email_token').where('user_id', '=', userId).where('used_at', 'is', null);
  if (purposes) query = query.where('purpose', 'in', [...purposes]);
  await query.execute();
}

/** How long each kind of emailed link works. */
export const EMAIL_TOKEN_TTL_MS: Record<EmailTokenPurpose, number> = {
  'verify-email': 60 * 60_000,
  'reset-password': 60 * 60_000,
  'change-email': 60 * 60_000,
  // An operator-created account's first password: its owner may not read mail within the hour.
  'set-password': 24 * 60 * 60_000,
};

export interface EmailTokenRow {
  id: string;
  userId: number;
  email: string;
}

export type TokenProblem = 'invalid' | 'expired' | 'used';

export type TokenOutcome = { ok: true; token: EmailTokenRow } | { ok: false; problem: TokenProblem };

/**
 * Issues a single-use link token; earlier unused tokens of the same purpose for the user
 * stop working, so only the newest link in the inbox is valid.
 */
export async function createEmailToken(
  db: DB,
  userId: number,
  purpose: EmailTokenPurpose,
  email: string,
  now = new Date(),
): Promise<string> {
  const { id, token, secretHash } = issueToken();
  const at = now.getTime();
  await writeTransaction(db, 'email-token', async (trx) => {
    await discardUnusedLinks(trx, userId, [purpose]);
    await trx
      .insertInto('email_token')
      .values({
        id,
        user_id: userId,
        purpose,
        secret_hash: secretHash,
        email,
        created_at: at,
        expires_at: at + EMAIL_TOKEN_TTL_MS[purpose],
      })
      .execute();
  });
  return token;
}

async function findToken(db: DB, token: string | null | undefined, purpose: EmailTokenPurpose, now: Date) {
  const parsed = parseToken(token);
  if (!parsed) return { problem: 'invalid' as const };
  const row = await db.selectFrom('email_token').selectAll().where('id', '=', parsed.id).where('purpose', '=', purpose).executeTakeFirst();
  if (!row || !secretMatches(parsed.secret, row.secret_hash)) return { problem: 'invalid' as const };
  if (row.used_at !== null) return { problem: 'used' as const };
  if (now.getTime() >= row.expires_at) return { problem: 'expired' as const };
  return { row };
}

/** Whether a token would be accepted now, without using it (for showing the form). */
export async function checkEmailToken(
  db: DB,
  token: string | null | undefined,
  purpose: EmailTokenPurpose,
  now = new Date(),
): Promise<TokenProblem | undefined> {
  return (await findToken(db, token, purpose, now)).problem;
}

/** Whether a token would be accepted now, and what it was issued for, without using it. */
export async function checkEmailTokenRow(
  db: DB,
  token: string | null | undefined,
  purpose: EmailTokenPurpose,
  now = new Date(),
): Promise<TokenOutcome> {
  const found = await findToken(db, token, purpose, now);
  if (!found.row) return { ok: false, problem: found.problem };
  return { ok: true, token: { id: found.row.id, userId: found.row.user_id, email: found.row.email } };
}

/**
 * Uses a token: marks it used (exactly once, even under concurrent requests) and returns what
 * it was issued for. `db` may be a transaction, so that using the token and acting on it commit
 * together.
 */
export async function consumeEmailToken(
  db: DB,
  token: string | null | undefined,
  purpose: EmailTokenPurpose,
  now = new Date(),
): Promise<TokenOutcome> {
  const found = await checkEmailTokenRow(db, token, purpose, now);
  if (!found.ok) return found;
  const { numUpdatedRows } = await db
    .updateTable('email_token')
    .set({ used_at: now.getTime() })
    .where('id', '=', found.token.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (numUpdatedRows !== 1n) return { ok: false, problem: 'used' };
  return found;
}
