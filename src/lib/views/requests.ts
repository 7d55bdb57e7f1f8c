import { isbot } from 'isbot';

/**
 * Which view events are real page views. The headers are read, never stored.
 *
 * - Crawlers, link checkers, HTTP libraries and headless browsers: `isbot` on the
 *   User-Agent; a request without one is not a browser either.
 * - Prefetches and prerenders: `Sec-Purpose: prefetch` / `prefetch;prerender` (and the older
 *   `Purpose: prefetch`). The beacon script also waits for a prerendered page to be shown
 *   (`prerenderingchange`), so a prerender that is then viewed counts once, when viewed.
 */
export type Countability = 'countable' | 'bot' | 'prefetch';

export interface CountabilityHeaders {
  userAgent?: string | null | undefined;
  secPurpose?: string | null | undefined;
  purpose?: string | null | undefined;
}

const PREFETCH_RE = /\b(?:prefetch|prerender)\b/i;

// A few browsers send most requests: remember their verdicts (isbot is one large regex).
const verdicts = new Map<string, boolean>();

function isBot(userAgent: string): boolean {
  let verdict = verdicts.get(userAgent);
  if (verdict === undefined) {
    verdict = isbot(userAgent);
    if (verdicts.size >= 1000) verdicts.clear();
    verdicts.set(userAgent, verdict);
  }
  return verdict;
}

export function countability({ userAgent, secPurpose, purpose }: CountabilityHeaders): Countability {
  if ((secPurpose && PREFETCH_RE.test(secPurpose)) || (purpose && PREFETCH_RE.test(purpose))) return 'prefetch';
  if (!userAgent || isBot(userAgent)) return 'bot';
  return 'countable';
}
