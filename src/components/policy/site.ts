/**
 * The Astro side of the policy: turns the `policy` content collection into domain versions
 * (src/lib/policy), keeping only the published ones (those in the lock file) — plus drafts
 * in the development server, marked as such, so that editors can preview them.
 *
 * Building fails if a published version's text or frontmatter no longer matches the lock
 * file: a published version never changes.
 */
import { getCollection, type CollectionEntry } from 'astro:content';
import lockJson from '../../content/policy/versions.lock.json';
import { effectiveInstant, type CalendarDate } from '../../lib/policy/dates.ts';
import { validateLock } from '../../lib/policy/lock.ts';
import { publishedVersions, type SiteVersion } from '../../lib/policy/published.ts';
import { byEffectiveDate, makeVersion } from '../../lib/policy/versions.ts';

export type PolicyEntry = CollectionEntry<'policy'>;

export interface PolicySite {
  /** Oldest first. */
  versions: SiteVersion[];
  entryOf(version: SiteVersion): PolicyEntry;
  byDate(effective: CalendarDate): SiteVersion | undefined;
}

/**
 * The instant the pages at the usual URLs describe. The build renders them once, as of
 * this moment (pages for upcoming dates are rendered as of those dates, see
 * src/pages/privacy/as-of); the development server renders each request as of now.
 */
const BUILD_TIME = new Date();

export function renderTime(): Date {
  return import.meta.env.DEV ? new Date() : BUILD_TIME;
}

/** The instant a page rendered "as of" an effective date describes. */
export function asOfInstant(date: CalendarDate): Date {
  return effectiveInstant(date);
}

export async function loadPolicy(): Promise<PolicySite> {
  const entries = await getCollection('policy');
  const byNumber = new Map<number, PolicyEntry>();
  const versions = entries.map((entry) => {
    const match = /^v([1-9]\d*)$/.exec(entry.id);
    if (!match) throw new Error(`src/content/policy/${entry.id}.md: a policy file must be named v1.md, v2.md…`);
    const number = Number(match[1]);
    byNumber.set(number, entry);
    const { effective, title, summary, material } = entry.data;
    return makeVersion({ version: number, effective, title, summary, material }, entry.body ?? '');
  });
  const site = byEffectiveDate(publishedVersions(versions, validateLock(lockJson), { includeDrafts: import.meta.env.DEV }));
  return {
    versions: site,
    entryOf(version) {
      const entry = byNumber.get(version.version);
      if (!entry) throw new Error(`no entry for policy version ${version.version}`);
      return entry;
    },
    byDate: (effective) => site.find((v) => v.effective === effective),
  };
}

/** Consecutive pairs of versions (each change page). */
export function consecutivePairs<T>(versions: readonly T[]): [T, T][] {
  return versions.slice(1).map((v, i) => [versions[i]!, v]);
}

/** About how many minutes a text takes to read (230 words a minute), at least 1. */
export function readingMinutes(text: string): number {
  return Math.max(1, Math.round(text.split(/\s+/).filter(Boolean).length / 230));
}
