import { normalizeEmail, type NormalizedEmail } from '../auth/email-address.ts';

/**
 * The form support fills in to record a deletion request received by email: the requester's
 * address, when the request arrived (UTC), and the ticket reference; every problem is reported
 * on its field.
 */

export const MAX_TICKET_LENGTH = 100;

export interface DeletionRequestInput {
  email?: string | null | undefined;
  /** `YYYY-MM-DDTHH:MM` in UTC (a datetime-local field); empty: now. */
  receivedAt?: string | null | undefined;
  ticket?: string | null | undefined;
}

export interface DeletionRequestForm {
  email: NormalizedEmail;
  receivedAt: Date;
  ticket: string;
}

export type FormCheck =
  { ok: true; value: DeletionRequestForm } | { ok: false; errors: Partial<Record<keyof DeletionRequestInput, string>> };

const UTC_MINUTE = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const CONTROL = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}]/u;

/** Checks the form; every problem is reported on its field. */
export function checkDeletionRequestForm(input: DeletionRequestInput, now = new Date()): FormCheck {
  const errors: Partial<Record<keyof DeletionRequestInput, string>> = {};
  const email = normalizeEmail(input.email ?? '');
  if (!email) errors.email = 'Enter the address the request came from, like name@example.com.';

  let receivedAt = now;
  const typed = input.receivedAt?.trim() ?? '';
  if (typed !== '') {
    const match = UTC_MINUTE.exec(typed);
    const at = match ? new Date(`${match[1]}T${match[2]}:${match[3]}:${match[4] ?? '00'}.000Z`) : undefined;
    if (!at || Number.isNaN(at.getTime()) || at.toISOString().slice(0, 16) !== typed.slice(0, 16)) {
      errors.receivedAt = 'Enter the date and time like 2026-11-25T14:30 (UTC), or leave it empty for now.';
    } else if (at.getTime() > now.getTime() + 5 * 60_000) {
      errors.receivedAt = 'That is in the future: enter when the request arrived (UTC).';
    } else {
      receivedAt = at;
    }
  }

  const ticket = (input.ticket ?? '').normalize('NFC').trim();
  if (ticket === '') errors.ticket = 'Enter the ticket reference of the request, as your support system shows it.';
  else if ([...ticket].length > MAX_TICKET_LENGTH) errors.ticket = `Use at most ${MAX_TICKET_LENGTH} characters.`;
  else if (CONTROL.test(ticket)) errors.ticket = 'Remove the invisible or control characters.';

  if (!email || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { email, receivedAt, ticket } };
}
