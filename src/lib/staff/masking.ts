import { DATA_FIELDS } from '../accounts/history.ts';

/**
 * The personal fields support can see on an account's record, masked by default: enough to
 * recognise the person on the phone ("your address starts with j, at example.com?"), not
 * enough to learn anything. Revealing one takes a reason and is audited (lookup.ts).
 */
export const STAFF_FIELDS = ['email', 'display_name', 'full_name', 'company', 'job_title', 'phone'] as const;
export type StaffField = (typeof STAFF_FIELDS)[number];

export function isStaffField(value: string): value is StaffField {
  return (STAFF_FIELDS as readonly string[]).includes(value);
}

export function staffFieldLabel(field: StaffField): string {
  return DATA_FIELDS[field];
}

const HIDDEN = '•••';

/** The first character of a text (a whole character, emoji included), or the mask alone. */
function firstCharacter(value: string): string {
  const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
  for (const { segment } of segmenter.segment(value.trim())) return segment;
  return '';
}

/** `jane.doe@example.com` → `j•••@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return HIDDEN;
  return `${firstCharacter(email.slice(0, at))}${HIDDEN}${email.slice(at)}`;
}

/**
 * An address found by what support typed (`jan` → `jan•••@example.com`): the typed beginning
 * of the local part, which support knows already, then the mask. Otherwise as maskEmail.
 */
export function maskEmailFoundBy(email: string, typed: string): string {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at).normalize('NFC').toLowerCase();
  if (at < 1 || typed.includes('@') || typed.length < 2 || !local.startsWith(typed) || local === typed) return maskEmail(email);
  return `${typed}${HIDDEN}${email.slice(at)}`;
}

/** `+1 617 555 0142` → `•••• 42`: the last two digits. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.length >= 4 ? `•••• ${digits.slice(-2)}` : '••••';
}

/** `Sam Sample` → `S•••`: the first letter only. */
export function maskText(value: string): string {
  return `${firstCharacter(value)}${HIDDEN}`;
}

/** A field's masked form; null stays null (a field that is not filled in). */
export function maskField(field: StaffField, value: string | null): string | null {
  if (value === null || value === '') return null;
  switch (field) {
    case 'email':
      return maskEmail(value);
    case 'phone':
      return maskPhone(value);
    default:
      return maskText(value);
  }
}
