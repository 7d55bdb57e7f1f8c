import { isCalendarDate, type CalendarDate } from './dates.ts';
import type { PolicyVersion } from './versions.ts';

/**
 * The lock file (`src/content/policy/versions.lock.json`) is the record of publication.
 *
 * A version is *published* once it is in the lock: from then on the website shows it, and
 * neither its text nor its effective date, title, summary or material flag may change
 * (a change is a new version). `publishedOn` is the UTC date it was locked, from which the
 * notice period of a material change is counted. Only `npm run policy -- lock` writes it.
 */
export interface LockEntry {
  version: number;
  effective: CalendarDate;
  title: string;
  summary: string | null;
  material: boolean;
  /** SHA-256 (hex) of the canonical text; the same value /privacy/versions.json publishes. */
  sha256: string;
  publishedOn: CalendarDate;
}

export interface PolicyLock {
  versions: LockEntry[];
}

export const LOCK_COMMENT =
  'Written by `npm run policy -- lock`: the published versions of the privacy policy. Do not edit by hand; a published version never changes.';

export class LockError extends Error {
  override name = 'LockError';
}

function fail(message: string): never {
  throw new LockError(`versions.lock.json: ${message}`);
}

/** Parses and validates the lock file's JSON. */
export function parseLock(json: string): PolicyLock {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    fail(`not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return validateLock(raw);
}

/** Validates the lock file's content, already parsed (e.g. imported as JSON by the build). */
export function validateLock(raw: unknown): PolicyLock {
  if (typeof raw !== 'object' || raw === null || !Array.isArray((raw as { versions?: unknown }).versions)) {
    fail('expected an object with a "versions" list');
  }
  const versions = (raw as { versions: unknown[] }).versions.map((item, i): LockEntry => {
    const at = `versions[${i}]`;
    if (typeof item !== 'object' || item === null) fail(`${at} is not an object`);
    const e = item as Record<string, unknown>;
    if (typeof e.version !== 'number' || !Number.isInteger(e.version) || e.version < 1) fail(`${at}.version must be a whole number from 1`);
    if (!isCalendarDate(e.effective)) fail(`${at}.effective must be a date YYYY-MM-DD`);
    if (typeof e.title !== 'string') fail(`${at}.title must be text`);
    if (e.summary !== null && typeof e.summary !== 'string') fail(`${at}.summary must be text or null`);
    if (typeof e.material !== 'boolean') fail(`${at}.material must be true or false`);
    if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) fail(`${at}.sha256 must be 64 hex digits`);
    if (!isCalendarDate(e.publishedOn)) fail(`${at}.publishedOn must be a date YYYY-MM-DD`);
    return {
      version: e.version,
      effective: e.effective,
      title: e.title,
      summary: e.summary,
      material: e.material,
      sha256: e.sha256,
      publishedOn: e.publishedOn,
    };
  });
  const seen = new Set<number>();
  for (const entry of versions) {
    if (seen.has(entry.version)) fail(`version ${entry.version} is listed twice`);
    seen.add(entry.version);
  }
  return { versions: versions.sort((a, b) => a.version - b.version) };
}

/** The lock file's text: stable key order, one entry per version, a trailing newline. */
export function formatLock(lock: PolicyLock): string {
  const versions = [...lock.versions]
    .sort((a, b) => a.version - b.version)
    .map((e) => ({
      version: e.version,
      effective: e.effective,
      title: e.title,
      summary: e.summary,
      material: e.material,
      sha256: e.sha256,
      publishedOn: e.publishedOn,
    }));
  return `${JSON.stringify({ comment: LOCK_COMMENT, versions }, null, 2)}\n`;
}

/** The lock entry recording `version` as published on `publishedOn`. */
export function lockEntryFor(version: PolicyVersion, publishedOn: CalendarDate): LockEntry {
  return {
    version: version.version,
    effective: version.effective,
    title: version.title,
    summary: version.summary ?? null,
    material: version.material,
    sha256: version.sha256,
    publishedOn,
  };
}

export interface LockProblem {
  version: number;
  message: string;
  fix: string;
}

/**
 * How the versions on disk differ from what was published: a published version whose file
 * is gone, or whose text or frontmatter changed.
 */
export function lockProblems(versions: readonly PolicyVersion[], lock: PolicyLock): LockProblem[] {
  const problems: LockProblem[] = [];
  const undo = (n: number) =>
    `undo the edits to v${n}.md (for example \`git checkout -- src/content/policy/v${n}.md\`) and make the change in a new version instead: \`npm run policy -- new\``;
  for (const entry of lock.versions) {
    const current = versions.find((v) => v.version === entry.version);
    const name = `version ${entry.version} (published on ${entry.publishedOn})`;
    if (!current) {
      problems.push({
        version: entry.version,
        message: `${name} is missing: v${entry.version}.md was deleted or renamed`,
        fix: `restore v${entry.version}.md (for example \`git checkout -- src/content/policy/v${entry.version}.md\`); published versions are never removed`,
      });
      continue;
    }
    if (current.sha256 !== entry.sha256) {
      problems.push({
        version: entry.version,
        message: `the text of ${name} has changed; a published version never changes`,
        fix: undo(entry.version),
      });
    }
    const changed: string[] = [];
    if (current.effective !== entry.effective) changed.push(`effective date (${entry.effective} → ${current.effective})`);
    if (current.title !== entry.title) changed.push(`title (${JSON.stringify(entry.title)} → ${JSON.stringify(current.title)})`);
    if ((current.summary ?? null) !== entry.summary) changed.push('summary');
    if (current.material !== entry.material) changed.push(`material flag (${entry.material} → ${current.material})`);
    if (changed.length > 0) {
      problems.push({
        version: entry.version,
        message: `the ${changed.join(', ')} of ${name} changed; a published version never changes`,
        fix: undo(entry.version),
      });
    }
  }
  return problems;
}
