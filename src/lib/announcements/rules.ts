import { AUDIENCES, LEVELS, type Audience, type Level } from './tables.ts';

/**
 * What an announcement may say and link to, and when it may run. Pure functions: the
 * actions call them through zod, the tests call them directly.
 *
 * Text is plain text: it is stored and rendered as typed (Astro escapes it), never
 * interpreted as HTML or Markdown. These rules keep it short and on one line, and keep the
 * link to a page of this site or an https address.
 */

export const MAX_TEXT_LENGTH = 280;
export const MAX_LINK_TEXT_LENGTH = 60;
export const MAX_LINK_URL_LENGTH = 500;

/** Lengths are counted in characters as a reader sees them (code points), as SQLite's length() does. */
export function characterCount(value: string): number {
  return [...value].length;
}

type Check<T> = { ok: true; value: T } | { ok: false; message: string };

// Control characters other than the line breaks and tabs that pasting may bring along.
const CONTROL = /(?![\t\n\r])\p{Cc}/u;
// Characters that reorder or hide text (bidirectional overrides, zero-width joiners aside).
const INVISIBLE = /[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]/;

/** One line of plain text: surrounding space trimmed, inner runs of white space (line breaks included) made one space. */
function oneLine(value: string): string {
  return value.normalize('NFC').replace(/\s+/g, ' ').trim();
}

function plainText(value: string, what: string, max: number): Check<string> {
  const text = oneLine(value);
  if (text === '') return { ok: false, message: `Write the ${what}.` };
  if (CONTROL.test(text) || INVISIBLE.test(text)) {
    return { ok: false, message: `The ${what} contains invisible control characters. Retype it rather than pasting it.` };
  }
  const count = characterCount(text);
  if (count > max) {
    return { ok: false, message: `Keep the ${what} to ${max} characters or fewer (it has ${count}).` };
  }
  return { ok: true, value: text };
}

export function checkText(value: string): Check<string> {
  return plainText(value, 'announcement text', MAX_TEXT_LENGTH);
}

export function checkLinkText(value: string): Check<string> {
  return plainText(value, 'link text', MAX_LINK_TEXT_LENGTH);
}

export const LINK_RULE = 'Use a path on this site that starts with / (like /privacy) or a full address that starts with https://.';

/**
 * A link an announcement may carry: a path on this site (`/privacy/versions#v2`) or an
 * absolute `https:` URL with a host. Anything else is refused, `javascript:`, `data:`,
 * `http:`, protocol-relative `//host` and `/\host` (which browsers treat as `//host`)
 * included. Returns the link as it will be written into the page.
 */
export function checkLinkUrl(value: string): Check<string> {
  const url = value.trim();
  if (url === '') return { ok: false, message: 'Add the address of the link.' };
  if (characterCount(url) > MAX_LINK_URL_LENGTH) {
    return { ok: false, message: `Keep the link to ${MAX_LINK_URL_LENGTH} characters or fewer.` };
  }
  if (/[\s\p{Cc}]/u.test(url) || INVISIBLE.test(url)) {
    return { ok: false, message: 'A link cannot contain spaces or control characters.' };
  }
  if (url.startsWith('/')) {
    if (url.startsWith('//') || url.startsWith('/\\'))
      return { ok: false, message: `That link would leave the site without saying so. ${LINK_RULE}` };
    if (url.includes('\\')) return { ok: false, message: `A link cannot contain a backslash. ${LINK_RULE}` };
    return { ok: true, value: url };
  }
  if (!/^https:\/\//i.test(url)) {
    return { ok: false, message: `That is not a link this site can show. ${LINK_RULE}` };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, message: `That address is not valid. ${LINK_RULE}` };
  }
  if (parsed.protocol !== 'https:' || !parsed.hostname) return { ok: false, message: `That address is not valid. ${LINK_RULE}` };
  if (parsed.username || parsed.password) return { ok: false, message: 'A link cannot contain a user name or password.' };
  return { ok: true, value: parsed.href };
}

export function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && (LEVELS as readonly string[]).includes(value);
}

export function isAudience(value: unknown): value is Audience {
  return typeof value === 'string' && (AUDIENCES as readonly string[]).includes(value);
}

/**
 * A time typed in a `datetime-local` field, read as UTC (`2027-01-01T09:30`, seconds
 * optional). Editors see "(UTC)" next to each field and the current UTC time.
 */
export function parseUtcDateTime(value: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s = '0'] = match;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  // Refuse overflowing fields (2026-02-30, 24:61) rather than rolling them over.
  const iso = date.toISOString();
  const typed = `${y}-${mo}-${d}T${h}:${mi}:${s.padStart(2, '0')}`;
  if (Number(y) < 2000 || iso.slice(0, 19) !== typed) return undefined;
  return date;
}

/** The value a `datetime-local` field shows for an instant, in UTC, to the minute. */
export function toUtcInputValue(at: Date | number): string {
  return new Date(at).toISOString().slice(0, 16);
}

const INSTANT = new Intl.DateTimeFormat('en-US', {
  dateStyle: 'medium',
  timeStyle: 'short',
  hourCycle: 'h23',
  timeZone: 'UTC',
});

/** `Jan 1, 2027, 09:30 UTC`: how the admin pages write an instant. */
export function formatInstant(at: Date | number | string): string {
  return `${INSTANT.format(new Date(at))} UTC`;
}

/** What an editor typed into the announcement form (every field as text, as a form sends it). */
export interface AnnouncementForm {
  text?: string | undefined;
  level?: string | undefined;
  audience?: string | undefined;
  linkUrl?: string | undefined;
  linkText?: string | undefined;
  dismissible?: boolean | undefined;
  startsAt?: string | undefined;
  endsAt?: string | undefined;
}

export type AnnouncementField = 'text' | 'level' | 'audience' | 'linkUrl' | 'linkText' | 'startsAt' | 'endsAt';

/** A valid announcement, ready to store. */
export interface AnnouncementInput {
  text: string;
  level: Level;
  audience: Audience;
  link: { url: string; text: string } | null;
  dismissible: boolean;
  startsAt: Date;
  endsAt: Date | null;
}

export type Validation = { ok: true; value: AnnouncementInput } | { ok: false; errors: Partial<Record<AnnouncementField, string>> };

/**
 * Checks a whole form. An empty start means "now"; an empty end means "until an editor
 * ends it". The start may be in the past (an announcement being edited has usually
 * started); the end must come after the start and after `now` (to stop an announcement now
 * there is "End now").
 */
export function validateAnnouncement(form: AnnouncementForm, now: Date): Validation {
  const errors: Partial<Record<AnnouncementField, string>> = {};

  const text = checkText(form.text ?? '');
  if (!text.ok) errors.text = text.message;

  const level = form.level ?? 'info';
  if (!isLevel(level)) errors.level = 'Choose Information or Important.';
  const audience = form.audience ?? '';
  if (!isAudience(audience)) errors.audience = 'Choose who sees it.';

  let link: AnnouncementInput['link'] = null;
  const linkUrl = form.linkUrl?.trim() ?? '';
  const linkText = form.linkText?.trim() ?? '';
  if (linkUrl !== '' || linkText !== '') {
    const url = checkLinkUrl(linkUrl);
    const words =
      linkText === ''
        ? ({ ok: false, message: 'Add the words to show for the link (or clear the link address).' } as const)
        : checkLinkText(linkText);
    if (!url.ok) errors.linkUrl = linkUrl === '' ? 'Add the address of the link (or clear the link text).' : url.message;
    if (!words.ok) errors.linkText = words.message;
    if (url.ok && words.ok) link = { url: url.value, text: words.value };
  }

  let startsAt = now;
  const startTyped = form.startsAt?.trim() ?? '';
  if (startTyped !== '') {
    const parsed = parseUtcDateTime(startTyped);
    if (!parsed) errors.startsAt = 'Enter the start as a date and time, like 2027-01-01 09:00.';
    else startsAt = parsed;
  }

  let endsAt: Date | null = null;
  const endTyped = form.endsAt?.trim() ?? '';
  if (endTyped !== '') {
    const parsed = parseUtcDateTime(endTyped);
    if (!parsed) errors.endsAt = 'Enter the end as a date and time, like 2027-01-31 18:00.';
    else if (parsed.getTime() <= now.getTime()) errors.endsAt = 'The end is in the past. To stop showing it now, use “End now”.';
    else if (!errors.startsAt && parsed.getTime() <= startsAt.getTime()) errors.endsAt = 'The end must come after the start.';
    else endsAt = parsed;
  }

  if (!text.ok || !isLevel(level) || !isAudience(audience) || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { text: text.value, level, audience, link, dismissible: form.dismissible ?? false, startsAt, endsAt } };
}

/** The text of a policy announcement an editor typed: empty means "the default text". */
export function checkPolicyText(value: string | undefined): Check<string | null> {
  if (value === undefined || oneLine(value) === '') return { ok: true, value: null };
  return checkText(value);
}
