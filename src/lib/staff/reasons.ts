import { MAX_REASON_LENGTH } from '../audit/log.ts';

/**
 * The reason staff give for revealing a field or acting on an account without the holder's
 * confirmation. It is stored in the audit log and shown to the account holder on /account.
 */
export const MIN_REASON_LENGTH = 10;
export { MAX_REASON_LENGTH };

export type ReasonVerdict = { ok: true; value: string } | { ok: false; message: string };

// Control characters and invisible formatting (bidirectional overrides) would make the log
// read differently from what it holds; line breaks are folded to spaces.
const FORBIDDEN = /[\p{Cc}\p{Co}\p{Cn}\p{Cs}]|(?![\u200c\u200d])\p{Cf}/u;

export function checkReason(input: string | null | undefined): ReasonVerdict {
  const value = (input ?? '').normalize('NFC').replace(/\s+/g, ' ').trim();
  const length = [...value].length;
  if (length === 0) return { ok: false, message: 'Give the reason: the account holder can read it on their account page.' };
  if (length < MIN_REASON_LENGTH)
    return { ok: false, message: `Give a reason of at least ${MIN_REASON_LENGTH} characters (this has ${length}).` };
  if (length > MAX_REASON_LENGTH)
    return { ok: false, message: `Keep the reason to ${MAX_REASON_LENGTH} characters or fewer (this has ${length}).` };
  if (FORBIDDEN.test(value)) return { ok: false, message: 'Remove the invisible or control characters from the reason.' };
  return { ok: true, value };
}
