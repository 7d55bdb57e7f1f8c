// The published policy versions as the tests see them, read from the lock file (the same
// list the build publishes). Tests that depend on which version is in effect take it from
// here and from the clock, never from a date written in the test: the next scheduled
// version must not be able to break the suite on the day it takes effect.
import { join } from 'node:path';
import { POLICY_DIR, readLockFile } from '../../src/lib/policy/files.ts';
import { upcomingAt, versionInEffectAt } from '../../src/lib/policy/versions.ts';
import { root } from './site.ts';

export interface PublishedVersion {
  version: number;
  effective: string;
  material: boolean;
}

/** Every published version, oldest first. */
export function publishedVersions(): PublishedVersion[] {
  const { lock, problems } = readLockFile(join(root, POLICY_DIR));
  if (problems.length > 0) throw new Error(`the policy lock file has problems: ${problems.map((p) => p.message).join('; ')}`);
  return lock.versions.map(({ version, effective, material }) => ({ version, effective, material }));
}

/** The version in effect at `now` (the first version is in effect since 2009). */
export function versionInEffect(now = new Date()): PublishedVersion {
  const found = versionInEffectAt(publishedVersions(), now);
  if (!found) throw new Error('no policy version is in effect');
  return found;
}

/** The next version to take effect after `now`, if one is published. */
export function nextVersion(now = new Date()): PublishedVersion | undefined {
  return upcomingAt(publishedVersions(), now)[0];
}

/** The newest published version, in effect or not. */
export function newestVersion(): PublishedVersion {
  return publishedVersions().at(-1)!;
}
