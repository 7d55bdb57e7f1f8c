/**
 * Dismissed announcements are remembered in one cookie, in the reader's browser only: a
 * list of tokens `<key>r<revision>` such as `a12r3` (announcement 12, revision 3) or
 * `p20270101r0` (the announcement of the policy version effective 2027-01-01) or
 * `n20270101r0` (a signed-in reader's notice that this version awaits their "I have read
 * it", put aside for now; it does not record an agreement). It holds no
 * personal data and is not tied to an account.
 *
 * An edit that changes what readers see bumps the revision, so the token no longer matches
 * and the announcement shows again. The cookie keeps the most recent MAX_DISMISSED tokens.
 */

/** The cookie's name on plain http; on https it is `__Host-` prefixed (dismissCookieName). */
export const DISMISS_COOKIE = 'ct-dismissed';
export const MAX_DISMISSED = 50;
export const DISMISS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

const TOKEN = /^(a[1-9]\d{0,9}|[pn]\d{8})r(\d{1,9})$/;

export function announcementKey(id: number): string {
  return `a${id}`;
}

export function policyKey(effective: string): string {
  return `p${effective.replaceAll('-', '')}`;
}

/** The key of the policy notice for the version effective on `effective` (see above). */
export function noticeKey(effective: string): string {
  return `n${effective.replaceAll('-', '')}`;
}

export function dismissToken(key: string, revision: number): string {
  return `${key}r${revision}`;
}

export function isDismissToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN.test(value);
}

function keyOf(token: string): string {
  return TOKEN.exec(token)![1]!;
}

/** The valid tokens in a cookie value, oldest first; anything else in it is ignored. */
export function parseDismissed(cookie: string | undefined | null): string[] {
  if (!cookie || cookie.length > 4096) return [];
  const tokens: string[] = [];
  for (const part of cookie.split('.')) {
    if (!isDismissToken(part)) continue;
    const i = tokens.findIndex((t) => keyOf(t) === keyOf(part));
    if (i >= 0) tokens.splice(i, 1);
    tokens.push(part);
  }
  return tokens.slice(-MAX_DISMISSED);
}

/** Adds a token, replacing an earlier revision of the same announcement, keeping the newest MAX_DISMISSED. */
export function addDismissed(tokens: readonly string[], token: string): string[] {
  if (!isDismissToken(token)) throw new RangeError(`not a dismiss token: ${JSON.stringify(token)}`);
  const key = keyOf(token);
  return [...tokens.filter((t) => keyOf(t) !== key), token].slice(-MAX_DISMISSED);
}

export function serializeDismissed(tokens: readonly string[]): string {
  return tokens.join('.');
}

/**
 * The cookie's name: `__Host-ct-dismissed` when the site is served over https (as the session
 * cookie is), so that the browser accepts it only Secure, for the whole site, from this host
 * alone (a sibling subdomain cannot plant one); `ct-dismissed` on plain http (local use).
 */
export function dismissCookieName(siteUrl: URL): string {
  return siteUrl.protocol === 'https:' ? `__Host-${DISMISS_COOKIE}` : DISMISS_COOKIE;
}

/** Cookie attributes: the whole site, a year, same-site navigations only; Secure on https. */
export function dismissCookieOptions(siteUrl: URL) {
  return {
    path: '/',
    sameSite: 'lax' as const,
    // Only the server reads and writes it (the dismiss endpoint and the banner island).
    httpOnly: true,
    secure: siteUrl.protocol === 'https:',
    maxAge: DISMISS_MAX_AGE_SECONDS,
  };
}
