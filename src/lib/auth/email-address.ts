import { z } from 'zod';
import type { DB } from '../db/index.ts';

/**
 * Email addresses: the check and normal form every form and tool uses (the address as typed,
 * and the lower-cased form compared for uniqueness and sign-in), and the account an address
 * belongs to.
 */

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

export async function findUserByEmail(db: DB, email: string) {
  const normalized = normalizeEmail(email)?.normalized;
  if (!normalized) return undefined;
  return db.selectFrom('user').selectAll().where('email_normalized', '=', normalized).executeTakeFirst();
}
