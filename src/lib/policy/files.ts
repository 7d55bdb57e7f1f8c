import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isCalendarDate } from './dates.ts';
import { FrontmatterError, parseFrontmatter, type FrontmatterValue } from './frontmatter.ts';
import { formatLock, LockError, parseLock, type PolicyLock } from './lock.ts';
import { makeVersion, type PolicyVersion, type PolicyVersionMeta } from './versions.ts';

/**
 * The policy folder on disk, read without Astro: `v1.md`, `v2.md`… plus the lock file.
 * The command line (`npm run policy`) reads it; so can the server (see `published.ts`).
 */

/** Where the versions live, relative to the project root. */
export const POLICY_DIR = 'src/content/policy';
export const LOCK_FILE = 'versions.lock.json';

/** Something wrong with the policy files, said so that an editor can fix it. */
export interface Problem {
  /** The file concerned (`v2.md`, `versions.lock.json`), when there is one. */
  file?: string;
  message: string;
  /** What to do about it. */
  fix: string;
}

const FILE_RE = /^v([1-9]\d*)\.md$/;
const KEYS = new Set(['effective', 'title', 'summary', 'material']);

/** Checks a file's frontmatter; returns its metadata or what is wrong with it. */
export function metaFromFrontmatter(
  version: number,
  data: Record<string, FrontmatterValue>,
): { meta: PolicyVersionMeta; errors: [] } | { meta: undefined; errors: string[] } {
  const errors: string[] = [];
  for (const key of Object.keys(data)) {
    if (!KEYS.has(key)) errors.push(`unknown field "${key}" (the fields are effective, title, summary and material)`);
  }
  const { effective, title, summary, material } = data;
  if (effective === undefined) errors.push('"effective:" is missing: add the date the version takes effect, e.g. effective: 2027-01-01');
  else if (!isCalendarDate(effective)) errors.push(`"effective:" must be a real date written YYYY-MM-DD, not ${JSON.stringify(effective)}`);
  if (typeof title !== 'string' || title.trim() === '') errors.push('"title:" is missing or empty');
  if (summary !== undefined && typeof summary !== 'string') errors.push('"summary:" must be text in double quotes');
  if (typeof material !== 'boolean') errors.push('"material:" must be true or false: is this a material change?');
  if (errors.length > 0) return { meta: undefined, errors };
  return {
    meta: {
      version,
      effective: effective as string,
      title: (title as string).trim(),
      summary: typeof summary === 'string' ? summary.trim() : undefined,
      material: material as boolean,
    },
    errors: [],
  };
}

/** Reads one version file's text. */
export function parseVersionFile(version: number, source: string): { version: PolicyVersion } | { errors: string[] } {
  let parsed;
  try {
    parsed = parseFrontmatter(source);
  } catch (error) {
    if (error instanceof FrontmatterError) return { errors: [`frontmatter, ${error.message}`] };
    throw error;
  }
  const result = metaFromFrontmatter(version, parsed.data);
  if (!result.meta) return { errors: result.errors };
  if (parsed.body.trim() === '') return { errors: ['the policy text is empty'] };
  return { version: makeVersion(result.meta, parsed.body) };
}

/** Every version file in `dir`, with what is wrong with any of them. */
export function readPolicyFolder(dir: string): { versions: PolicyVersion[]; problems: Problem[] } {
  const versions: PolicyVersion[] = [];
  const problems: Problem[] = [];
  if (!existsSync(dir)) {
    return { versions, problems: [{ message: `the policy folder ${dir} does not exist`, fix: 'run the command from the project folder' }] };
  }
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.md')) continue;
    const match = FILE_RE.exec(name);
    if (!match) {
      problems.push({
        file: name,
        message: 'a policy file must be named after its version number: v1.md, v2.md, v3.md…',
        fix: 'rename the file (or move it out of src/content/policy if it is not a version)',
      });
      continue;
    }
    const result = parseVersionFile(Number(match[1]), readFileSync(join(dir, name), 'utf8'));
    if ('errors' in result) {
      for (const error of result.errors)
        problems.push({ file: name, message: error, fix: 'correct the frontmatter at the top of the file (between the two "---" lines)' });
    } else {
      versions.push(result.version);
    }
  }
  versions.sort((a, b) => a.version - b.version);
  return { versions, problems };
}

/** The lock in `dir` (empty when there is no lock file yet). */
export function readLockFile(dir: string): { lock: PolicyLock; problems: Problem[] } {
  const path = join(dir, LOCK_FILE);
  if (!existsSync(path)) return { lock: { versions: [] }, problems: [] };
  try {
    return { lock: parseLock(readFileSync(path, 'utf8')), problems: [] };
  } catch (error) {
    if (!(error instanceof LockError)) throw error;
    return {
      lock: { versions: [] },
      problems: [
        {
          file: LOCK_FILE,
          message: error.message,
          fix: 'restore the lock file from version control (`git checkout -- src/content/policy/versions.lock.json`)',
        },
      ],
    };
  }
}

export function writeLockFile(dir: string, lock: PolicyLock): void {
  writeFileSync(join(dir, LOCK_FILE), formatLock(lock));
}
