import { effectiveInstant, isCalendarDate, type CalendarDate } from './dates.ts';
import type { SiteVersion } from './published.ts';
import type { PolicyVersionRecord } from './sync.ts';
import { byEffectiveDate } from './versions.ts';
import { changesPath, FEED_PATH, POLICY_PATH, versionPath, versionTextPath } from './urls.ts';

/** One entry of /privacy/versions.json. */
export interface PolicyIndexEntry {
  version: number;
  /** `YYYY-MM-DD`; the version is in effect from `effectiveAt`. */
  effective: CalendarDate;
  effectiveAt: string;
  title: string;
  /** What changed since the previous version (`null` for the first). */
  summary: string | null;
  material: boolean;
  /** The date the version was published (added to the record of published versions). */
  publishedOn: CalendarDate;
  /** The version's permanent page. */
  url: string;
  /** The exact text, in Markdown; `sha256` is the SHA-256 of these bytes. */
  textUrl: string;
  sha256: string;
  /** What changed since the previous version (`null` for the first). */
  changesUrl: string | null;
}

export interface PolicyIndex {
  title: string;
  /** The page that always shows the version in effect. */
  url: string;
  feed: string;
  versions: PolicyIndexEntry[];
}

/** The machine-readable index of the published versions (drafts are left out). */
export function buildPolicyIndex(versions: readonly SiteVersion[], site: URL): PolicyIndex {
  const published = byEffectiveDate(versions.filter((v) => !v.draft));
  const abs = (path: string) => new URL(path, site).href;
  return {
    title: 'CustomerTrackr Privacy Policy',
    url: abs(POLICY_PATH),
    feed: abs(FEED_PATH),
    versions: published.map((v, i) => {
      const previous = published[i - 1];
      return {
        version: v.version,
        effective: v.effective,
        effectiveAt: effectiveInstant(v.effective).toISOString(),
        title: v.title,
        summary: v.summary ?? null,
        material: v.material,
        publishedOn: v.publishedOn ?? v.effective,
        url: abs(versionPath(v.effective)),
        textUrl: abs(versionTextPath(v.effective)),
        sha256: v.sha256,
        changesUrl: previous ? abs(changesPath(previous.effective, v.effective)) : null,
      };
    }),
  };
}

/**
 * Reads the versions back from /privacy/versions.json (as the server does from the build,
 * to sync them into the database). Throws on anything unexpected.
 */
export function parsePolicyIndex(json: string): PolicyVersionRecord[] {
  const raw: unknown = JSON.parse(json);
  const list = (raw as { versions?: unknown }).versions;
  if (!Array.isArray(list)) throw new Error('versions.json: expected a "versions" list');
  return list.map((item: unknown, i) => {
    const e = item as Record<string, unknown>;
    if (
      typeof e !== 'object' ||
      e === null ||
      typeof e.version !== 'number' ||
      !isCalendarDate(e.effective) ||
      typeof e.title !== 'string' ||
      typeof e.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(e.sha256) ||
      typeof e.material !== 'boolean'
    ) {
      throw new Error(`versions.json: entry ${i} is malformed`);
    }
    return { version: e.version, effective: e.effective, title: e.title, sha256: e.sha256, material: e.material };
  });
}
