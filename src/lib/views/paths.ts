/**
 * Page paths as the counter stores them: one spelling per page, so that `/features`,
 * `/features/` and `/features/index.html` are one page.
 *
 * A path is well-formed when it is what a browser's `location.pathname` holds for a page of
 * this site: it starts with one `/`, has at most MAX_PATH_LENGTH characters, only URL path
 * characters (anything else percent-encoded, and the encoding valid), no empty, `.` or `..`
 * segments, and no query or fragment. Anything else is malformed (400), never guessed at.
 */
export const MAX_PATH_LENGTH = 256;

// RFC 3986 pchar plus "/": unreserved, sub-delims, ":", "@", and percent-encoded octets.
const PATH_CHARS = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;

/** The stored spelling of `input`, or `null` when it is not a well-formed page path. */
export function normalizePagePath(input: unknown): string | null {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_PATH_LENGTH) return null;
  if (!input.startsWith('/') || !PATH_CHARS.test(input)) return null;
  try {
    decodeURIComponent(input);
  } catch {
    return null; // percent-encoding of invalid UTF-8
  }
  let path = input;
  if (path.endsWith('/index.html')) path = path.slice(0, -'index.html'.length);
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  const segments = path.slice(1).split('/');
  if (path !== '/' && segments.some((s) => s === '' || s === '.' || s === '..')) return null;
  // Percent-encoding is case-insensitive: one spelling (upper case, as RFC 3986 recommends).
  return path.replace(/%[0-9a-f]{2}/gi, (triplet) => triplet.toUpperCase());
}
