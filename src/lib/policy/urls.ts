import { isCalendarDate, type CalendarDate } from './dates.ts';

/** Every URL of the policy, in one place (pages, feed, index, server and tests use these). */
export const POLICY_PATH = '/privacy';
export const VERSIONS_PATH = '/privacy/versions';
export const FEED_PATH = '/privacy/feed.xml';
export const INDEX_PATH = '/privacy/versions.json';

/** The permanent page of the version effective on `effective`. */
export function versionPath(effective: CalendarDate): string {
  return `${POLICY_PATH}/${effective}`;
}

/** The exact text of a version, whose SHA-256 /privacy/versions.json publishes. */
export function versionTextPath(effective: CalendarDate): string {
  return `${POLICY_PATH}/${effective}.txt`;
}

/** What changed from one version to the next. */
export function changesPath(from: CalendarDate, to: CalendarDate): string {
  return `${POLICY_PATH}/changes/${from}...${to}`;
}

/** The `<from>...<to>` part of a changes URL, or `undefined` when it is not one. */
export function parseChangesRange(range: string): { from: CalendarDate; to: CalendarDate } | undefined {
  const [from, to, ...rest] = range.split('...');
  if (rest.length > 0 || !isCalendarDate(from) || !isCalendarDate(to)) return undefined;
  return { from, to };
}

/**
 * Pages prerendered "as of" a future effective date live under this prefix. They are not
 * public: the server answers /privacy/… with them once that date has come (see
 * request-time.ts) and answers the prefix itself with 404.
 */
export const AS_OF_ROOT = '/privacy/as-of';
export const AS_OF_MANIFEST_PATH = `${AS_OF_ROOT}/manifest.json`;

export function asOfPrefix(date: CalendarDate): string {
  return `${AS_OF_ROOT}/${date}`;
}

/** The public path a page is served at: `/privacy/as-of/2027-01-01/versions` → `/privacy/versions`. */
export function publicPolicyPath(pathname: string): string {
  const match = /^\/privacy\/as-of\/\d{4}-\d{2}-\d{2}(\/.*)?$/.exec(pathname);
  if (!match) return pathname;
  const rest = (match[1] ?? '').replace(/\/index\.html$|\/$/, '');
  return `/privacy${rest}`;
}

/** Content types the static server must use for policy files whose extension says too little. */
export const POLICY_CONTENT_TYPES: Record<string, string> = {
  [FEED_PATH]: 'application/atom+xml; charset=utf-8',
};
