import { createHash } from 'node:crypto';
import { effectiveInstant, type CalendarDate } from './dates.ts';

/**
 * One version of the privacy policy, as the domain sees it (no Astro, no files).
 *
 * Versions are numbered 1, 2, 3… by their file names (`v1.md`, `v2.md`…); each is
 * permanently named on the site by its effective date.
 */
export interface PolicyVersionMeta {
  /** 1 for the first version, then 2, 3… without gaps. */
  version: number;
  /** The date it takes effect, at 00:00 UTC. Strictly increasing with `version`. */
  effective: CalendarDate;
  title: string;
  /** What changed since the previous version; required for every version after the first. */
  summary?: string | undefined;
  /** Whether the change is material (needs the full notice period, see `check.ts`). */
  material: boolean;
}

export interface PolicyVersion extends PolicyVersionMeta {
  /** The Markdown text, canonicalised (see `canonicalText`). */
  text: string;
  /** SHA-256 (hex) of `text` as UTF-8: what the lock file and /privacy/versions.json publish. */
  sha256: string;
}

/** What a version is at a given instant. */
export type PolicyStatus = 'previous' | 'in-effect' | 'upcoming';

/**
 * The text that is hashed, diffed and published as `/privacy/<date>.txt`: the Markdown body
 * with line endings normalised to LF, leading and trailing blank space removed, and one
 * final newline. Astro's own loader trims the body the same way, so the site and the
 * command line compute the same hash from the same file.
 */
export function canonicalText(body: string): string {
  return `${body.replace(/\r\n?/g, '\n').trim()}\n`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Builds a version from its metadata and Markdown body. */
export function makeVersion(meta: PolicyVersionMeta, body: string): PolicyVersion {
  const text = canonicalText(body);
  return { ...meta, text, sha256: sha256Hex(text) };
}

/** A copy sorted by effective date, oldest first. */
export function byEffectiveDate<T extends { effective: CalendarDate }>(versions: readonly T[]): T[] {
  return [...versions].sort((a, b) => (a.effective < b.effective ? -1 : a.effective > b.effective ? 1 : 0));
}

/**
 * The version in effect at `instant`: the one with the latest effective date at or before
 * it. A version is in effect from 00:00:00.000 UTC of its effective date, so at exactly
 * that instant the new version applies and one millisecond earlier the previous one does.
 * Before the first version's date there is none (`undefined`); after the last version's
 * date, the last version stays in effect.
 */
export function versionInEffectAt<T extends { effective: CalendarDate }>(versions: readonly T[], instant: Date): T | undefined {
  const at = instant.getTime();
  if (Number.isNaN(at)) throw new RangeError('versionInEffectAt: not a valid instant');
  let found: T | undefined;
  for (const version of byEffectiveDate(versions)) {
    if (effectiveInstant(version.effective).getTime() <= at) found = version;
    else break;
  }
  return found;
}

/** Whether `version` is previous, in effect or upcoming at `instant`. */
export function statusAt<T extends { effective: CalendarDate }>(versions: readonly T[], version: T, instant: Date): PolicyStatus {
  if (effectiveInstant(version.effective).getTime() > instant.getTime()) return 'upcoming';
  return versionInEffectAt(versions, instant)?.effective === version.effective ? 'in-effect' : 'previous';
}

/** Versions not yet in effect at `instant`, soonest first. */
export function upcomingAt<T extends { effective: CalendarDate }>(versions: readonly T[], instant: Date): T[] {
  return byEffectiveDate(versions).filter((v) => effectiveInstant(v.effective).getTime() > instant.getTime());
}

/** The version just before / after `version` in effective-date order. */
export function neighbours<T extends { effective: CalendarDate }>(
  versions: readonly T[],
  version: T,
): { previous: T | undefined; next: T | undefined } {
  const sorted = byEffectiveDate(versions);
  const i = sorted.findIndex((v) => v.effective === version.effective);
  return { previous: i > 0 ? sorted[i - 1] : undefined, next: i >= 0 ? sorted[i + 1] : undefined };
}

/** The summary placeholder `npm run policy -- new` writes; the check rejects it. */
export const SUMMARY_PLACEHOLDER = 'REPLACE THIS: in one or two sentences, say what changed and why';

export function isPlaceholderSummary(summary: string | undefined): boolean {
  return summary !== undefined && /^\s*REPLACE THIS\b/i.test(summary);
}

/**
 * Rules the set of versions must follow whatever the lock says: numbered without gaps,
 * effective dates strictly increasing, a real summary after the first, a new text each
 * time. Returns one plain-English message per broken rule (empty when all hold).
 */
export function sequenceProblems(versions: readonly PolicyVersion[]): { version: number; message: string; fix: string }[] {
  const problems: { version: number; message: string; fix: string }[] = [];
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  sorted.forEach((v, i) => {
    if (v.version !== i + 1) {
      problems.push({
        version: v.version,
        message: `version ${v.version} follows version ${i === 0 ? '(none)' : sorted[i - 1]!.version}: versions must be numbered 1, 2, 3… without gaps`,
        fix: `rename the file so that the versions are numbered without gaps (expected v${i + 1}.md)`,
      });
    }
    const previous = sorted[i - 1];
    if (previous && v.effective <= previous.effective) {
      problems.push({
        version: v.version,
        message: `version ${v.version} takes effect on ${v.effective}, which is not after version ${previous.version} (${previous.effective}): effective dates must be strictly increasing`,
        fix: `give version ${v.version} an effective date after ${previous.effective}`,
      });
    }
    if (i > 0 && (v.summary === undefined || v.summary.trim() === '')) {
      problems.push({
        version: v.version,
        message: `version ${v.version} has no summary of changes`,
        fix: 'add a line `summary: "…"` to its frontmatter that says in one or two sentences what changed',
      });
    } else if (isPlaceholderSummary(v.summary)) {
      problems.push({
        version: v.version,
        message: `the summary of changes of version ${v.version} is still the placeholder ("${v.summary}")`,
        fix: 'replace the `summary:` line with one or two sentences that say what changed and why',
      });
    }
    if (previous && v.sha256 === previous.sha256) {
      problems.push({
        version: v.version,
        message: `version ${v.version} has exactly the same text as version ${previous.version}`,
        fix: `edit the text of version ${v.version} (a new version exists to change the text), or delete it`,
      });
    }
  });
  return problems;
}
