import type { CalendarDate } from './dates.ts';
import { readLockFile, readPolicyFolder } from './files.ts';
import { lockProblems, type PolicyLock } from './lock.ts';
import { sequenceProblems, type PolicyVersion } from './versions.ts';

/**
 * What the website shows: the published versions (those in the lock), plus, in the
 * development server only, drafts marked as such so that editors can preview them.
 */
export interface SiteVersion extends PolicyVersion {
  /** The UTC date it was published (locked); `null` for a draft. */
  publishedOn: CalendarDate | null;
  draft: boolean;
}

export class PolicyIntegrityError extends Error {
  override name = 'PolicyIntegrityError';
}

/**
 * The versions the site may show. Throws when a published version changed or the
 * published sequence is broken, so that such a build fails rather than shipping a changed
 * policy (`npm run policy -- check` says the same thing with more help).
 */
export function publishedVersions(
  versions: readonly PolicyVersion[],
  lock: PolicyLock,
  options: { includeDrafts?: boolean } = {},
): SiteVersion[] {
  const broken = lockProblems(versions, lock);
  const published: SiteVersion[] = [];
  for (const version of versions) {
    const entry = lock.versions.find((e) => e.version === version.version);
    if (entry) published.push({ ...version, publishedOn: entry.publishedOn, draft: false });
  }
  broken.push(...sequenceProblems(published));
  if (broken.length > 0) {
    throw new PolicyIntegrityError(
      `the published privacy policy versions are inconsistent (run \`npm run policy -- check\`):\n${broken.map((p) => `- ${p.message}`).join('\n')}`,
    );
  }
  if (options.includeDrafts) {
    const last = published.at(-1)?.version ?? 0;
    for (const version of versions) {
      if (version.version > last) published.push({ ...version, publishedOn: null, draft: true });
    }
  }
  return published.sort((a, b) => a.version - b.version);
}

/** The published versions read straight from the policy folder (no Astro, no build). */
export function loadPublishedVersions(dir: string): SiteVersion[] {
  const { versions, problems } = readPolicyFolder(dir);
  const lockRead = readLockFile(dir);
  // A draft with a broken frontmatter does not matter here; a published version that cannot
  // be read shows up below as "missing" from `lockProblems`.
  const all = [...problems.filter((p) => p.file === undefined), ...lockRead.problems];
  if (all.length > 0) {
    throw new PolicyIntegrityError(
      `cannot read the policy folder ${dir}:\n${all.map((p) => `- ${p.file ?? ''}: ${p.message}`).join('\n')}`,
    );
  }
  return publishedVersions(versions, lockRead.lock);
}
