import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/**
 * The visitor cookie: "a random alphanumeric identifier", in the policy's own words. It is
 * drawn here and nowhere else, carries nothing about the person, and is never stored: the
 * database holds only keyed hashes of it, with a key (the day's salt) that is deleted when
 * the day is over.
 */
export const VISITOR_ID_LENGTH = 24;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const VISITOR_ID_RE = new RegExp(`^[A-Za-z0-9]{${VISITOR_ID_LENGTH}}$`);
/** One year, as the policy's cookie notice allows. */
export const VISITOR_COOKIE_MAX_AGE = 365 * 24 * 60 * 60;

/** A new visitor identifier: 24 characters of [A-Za-z0-9], about 143 bits of randomness. */
export function newVisitorId(): string {
  let id = '';
  while (id.length < VISITOR_ID_LENGTH) {
    for (const byte of randomBytes(32)) {
      // 248 = 4 × 62: rejecting higher bytes keeps every character equally likely.
      if (byte < 248 && id.length < VISITOR_ID_LENGTH) id += ALPHABET[byte % 62];
    }
  }
  return id;
}

export function isVisitorId(value: unknown): value is string {
  return typeof value === 'string' && VISITOR_ID_RE.test(value);
}

/** The cookie's name: `__Host-` prefixed (Secure, host-only, Path=/) when the site is https. */
export function visitorCookieName(siteUrl: URL): string {
  return siteUrl.protocol === 'https:' ? '__Host-visitor' : 'visitor';
}

/** The `Set-Cookie` value that stores `id` for a year (HttpOnly, SameSite=Lax). */
export function visitorCookie(siteUrl: URL, id: string): string {
  const secure = siteUrl.protocol === 'https:' ? '; Secure' : '';
  return `${visitorCookieName(siteUrl)}=${id}; Max-Age=${VISITOR_COOKIE_MAX_AGE}; Path=/; HttpOnly; SameSite=Lax${secure}`;
}

/** The `Set-Cookie` value that deletes the cookie (a visitor who now sends Global Privacy Control). */
export function expiredVisitorCookie(siteUrl: URL): string {
  const secure = siteUrl.protocol === 'https:' ? '; Secure' : '';
  return `${visitorCookieName(siteUrl)}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax${secure}`;
}

/** The value of cookie `name` in a `Cookie` header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The day's salt as an HMAC key (made once per day: cheaper than passing the bytes each time). */
export function hashKey(salt: Uint8Array): KeyObject {
  return createSecretKey(salt);
}

/** HMAC-SHA-256 of the parts (joined unambiguously) under the day's salt. */
export function keyedHash(key: KeyObject | Uint8Array, ...parts: string[]): Buffer {
  let message = '';
  for (const part of parts) message += `${part.length}:${part}\n`;
  return createHmac('sha256', key).update(message).digest();
}

/**
 * Idempotency keys: new for each page load, chosen by the browser. Any 16 to 64 characters
 * of [A-Za-z0-9_-] are accepted. public/js/view-count.js sends the time in base 36 followed
 * by 24 random hex digits: keys that sort by time are appended to the end of the index
 * instead of landing all over it (many fewer pages written per commit).
 */
const EVENT_KEY_RE = /^[A-Za-z0-9_-]{16,64}$/;

export function isEventKey(value: unknown): value is string {
  return typeof value === 'string' && EVENT_KEY_RE.test(value);
}
