import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDays, daysBetween, firstOfNextMonth, formatDate, isCalendarDate, utcDateOf, type CalendarDate } from './dates.ts';
import { parseFrontmatter, formatFrontmatterLine } from './frontmatter.ts';
import { LOCK_FILE, readLockFile, readPolicyFolder, writeLockFile, type Problem } from './files.ts';
import { lockEntryFor, lockProblems, type LockEntry, type PolicyLock } from './lock.ts';
import { sequenceProblems, SUMMARY_PLACEHOLDER, type PolicyVersion } from './versions.ts';

/**
 * The editors' workflow as functions (the command line in `src/cli/policy.ts` only parses
 * arguments and prints): `checkPolicy`, `lockPolicy` and `scaffoldVersion`.
 *
 * Rules, in plain words (docs/policy-editors.md says the same for editors):
 * - a version is *published* once it is in the lock file; the site shows only published
 *   versions, and a published version never changes;
 * - versions are numbered without gaps, their effective dates strictly increase, and every
 *   version after the first has a real summary of changes and a new text;
 * - every version after the first is published on or before its effective date, and a
 *   material one at least `noticeDays` (default 30) days before it;
 * - a draft (not yet locked) is fine until it is too late to publish it in time.
 */

export const DEFAULT_NOTICE_DAYS = 30;

export interface CheckOptions {
  /** The policy folder (`src/content/policy`). */
  dir: string;
  /** Today, as a UTC date or an instant (default: now). */
  today?: CalendarDate | Date;
  /** The minimum notice for a material change, in days (default 30). */
  noticeDays?: number;
}

export interface CheckResult {
  ok: boolean;
  problems: Problem[];
  /** Things worth knowing that are not problems (drafts, what is upcoming). */
  notes: string[];
  versions: PolicyVersion[];
  lock: PolicyLock;
  /** Versions not in the lock yet. */
  drafts: PolicyVersion[];
  today: CalendarDate;
  noticeDays: number;
}

function resolveToday(today: CalendarDate | Date | undefined): CalendarDate {
  if (today === undefined) return utcDateOf(new Date());
  if (today instanceof Date) return utcDateOf(today);
  if (!isCalendarDate(today)) throw new RangeError(`today must be a date YYYY-MM-DD, not ${JSON.stringify(today)}`);
  return today;
}

function resolveNoticeDays(noticeDays: number | undefined): number {
  const days = noticeDays ?? DEFAULT_NOTICE_DAYS;
  if (!Number.isInteger(days) || days < 0)
    throw new RangeError(`the notice period must be a whole number of days, not ${String(noticeDays)}`);
  return days;
}

const file = (n: number) => `v${n}.md`;

/** Runs every rule on the policy folder. Reads only; never writes. */
export function checkPolicy(options: CheckOptions): CheckResult {
  const today = resolveToday(options.today);
  const noticeDays = resolveNoticeDays(options.noticeDays);
  const { versions, problems } = readPolicyFolder(options.dir);
  const lockRead = readLockFile(options.dir);
  problems.push(...lockRead.problems);
  const lock = lockRead.lock;
  const notes: string[] = [];

  for (const p of [...sequenceProblems(versions), ...lockProblems(versions, lock)]) {
    problems.push({ file: file(p.version), message: p.message, fix: p.fix });
  }

  const lockedNumbers = new Set(lock.versions.map((e) => e.version));
  const lastLocked = Math.max(0, ...lockedNumbers);
  const drafts = versions.filter((v) => !lockedNumbers.has(v.version));

  // Published versions: published on or before their effective date, with notice if material.
  for (const entry of lock.versions) {
    if (entry.version === 1) continue; // the first version predates this record
    const notice = daysBetween(entry.publishedOn, entry.effective);
    if (notice < 0) {
      problems.push({
        file: LOCK_FILE,
        message: `version ${entry.version} was published on ${entry.publishedOn}, after it took effect on ${entry.effective}`,
        fix: 'a version must be published before it takes effect: restore the lock file from version control',
      });
    } else if (entry.material && notice < noticeDays) {
      problems.push({
        file: LOCK_FILE,
        message: `version ${entry.version} is a material change published on ${entry.publishedOn}, only ${notice} day(s) before it takes effect on ${entry.effective}; material changes need ${noticeDays} days' notice`,
        fix: 'restore the lock file from version control; a new material version must take effect at least that long after it is locked',
      });
    }
  }

  // Drafts: after every published version, and still publishable in time.
  for (const draft of drafts) {
    if (draft.version < lastLocked) {
      problems.push({
        file: file(draft.version),
        message: `version ${draft.version} is not published but version ${lastLocked} is: versions are published in order`,
        fix: `restore v${draft.version}.md and the lock file from version control`,
      });
      continue;
    }
    const required = draft.material ? noticeDays : 0;
    const daysLeft = daysBetween(today, draft.effective);
    const earliest = addDays(today, required);
    // The first version predates this record of publication: it may be locked late.
    if (draft.version !== 1 && daysLeft < required) {
      problems.push({
        file: file(draft.version),
        message: draft.material
          ? `version ${draft.version} is a material change taking effect on ${draft.effective}, in ${daysLeft} day(s), but it is not published yet and material changes need ${noticeDays} days' notice`
          : `version ${draft.version} should have taken effect on ${draft.effective} but it was never published`,
        fix: `change "effective:" in ${file(draft.version)} to ${earliest} or later, then publish it with \`npm run policy -- lock\``,
      });
    } else if (draft.version === 1) {
      notes.push(
        `${file(1)} (the first version, effective ${formatDate(draft.effective)}) is not in the lock file yet: publish it with \`npm run policy -- lock\`.`,
      );
    } else {
      notes.push(
        `${file(draft.version)} is a draft taking effect on ${formatDate(draft.effective)}. It is not on the website until you publish it with \`npm run policy -- lock\`` +
          (draft.material
            ? `, which you must do by ${addDays(draft.effective, -noticeDays)} (${noticeDays} days' notice for a material change).`
            : ', on or before that date.'),
      );
    }
  }

  for (const entry of lock.versions) {
    if (entry.effective > today) notes.push(`version ${entry.version} is published and takes effect on ${formatDate(entry.effective)}.`);
  }

  return { ok: problems.length === 0, problems, notes, versions, lock, drafts, today, noticeDays };
}

export interface LockResult {
  check: CheckResult;
  /** The versions added to the lock (none when the check failed or there was nothing to publish). */
  locked: LockEntry[];
}

/** Publishes every draft (adds it to the lock, dated today), provided the check passes. */
export function lockPolicy(options: CheckOptions): LockResult {
  const check = checkPolicy(options);
  if (!check.ok || check.drafts.length === 0) return { check, locked: [] };
  const locked = check.drafts.map((v) => lockEntryFor(v, check.today));
  writeLockFile(options.dir, { versions: [...check.lock.versions, ...locked] });
  return { check, locked };
}

export interface ScaffoldOptions extends CheckOptions {
  /** The new version's effective date (default: the first of the month after the notice period). */
  effective?: CalendarDate;
}

export type ScaffoldResult =
  { ok: true; file: string; path: string; version: number; effective: CalendarDate } | { ok: false; problem: Problem };

/**
 * Writes `v<N+1>.md`: the latest version's text with frontmatter to fill in (a placeholder
 * summary the check rejects until it is replaced, `material: true` until someone decides
 * otherwise).
 */
export function scaffoldVersion(options: ScaffoldOptions): ScaffoldResult {
  const today = resolveToday(options.today);
  const noticeDays = resolveNoticeDays(options.noticeDays);
  const { versions, problems } = readPolicyFolder(options.dir);
  if (problems.length > 0) {
    return {
      ok: false,
      problem: { message: 'the policy files have problems; fix them first', fix: 'run `npm run policy -- check` to see them' },
    };
  }
  const { lock } = readLockFile(options.dir);
  const latest = versions.at(-1);
  if (!latest) return { ok: false, problem: { message: 'there is no version to start from', fix: 'add v1.md by hand' } };
  if (!lock.versions.some((e) => e.version === latest.version)) {
    return {
      ok: false,
      problem: {
        file: file(latest.version),
        message: `${file(latest.version)} is already a draft (not yet published)`,
        fix: `edit ${file(latest.version)} instead, or delete it to start again`,
      },
    };
  }
  let effective = options.effective;
  if (effective === undefined) {
    effective = firstOfNextMonth(addDays(today, noticeDays));
    while (effective <= latest.effective) effective = firstOfNextMonth(effective);
  } else if (!isCalendarDate(effective)) {
    return {
      ok: false,
      problem: { message: `${JSON.stringify(effective)} is not a date`, fix: 'write the date as YYYY-MM-DD, e.g. --effective=2027-03-01' },
    };
  }
  const version = latest.version + 1;
  const name = file(version);
  const path = join(options.dir, name);
  if (existsSync(path))
    return { ok: false, problem: { file: name, message: `${name} already exists`, fix: 'edit it, or delete it to start again' } };
  // Keep the latest version's body exactly as written (its frontmatter is replaced).
  const body = parseFrontmatter(readFileSync(join(options.dir, file(latest.version)), 'utf8')).body.replace(/^\n+/, '');
  const text = [
    '---',
    '# The next version of the privacy policy. Fill in every line, edit the text below,',
    '# then run `npm run policy -- check`. See docs/policy-editors.md.',
    `# effective: the date it takes effect (00:00 UTC). A material change needs ${noticeDays} days' notice.`,
    formatFrontmatterLine('effective', effective),
    formatFrontmatterLine('title', latest.title),
    '# summary: one or two sentences saying what changed and why (shown in the archive and the feed).',
    formatFrontmatterLine('summary', SUMMARY_PLACEHOLDER),
    '# material: true if the change affects what we collect, how we use or share it, or your rights.',
    formatFrontmatterLine('material', true),
    '---',
    '',
    body,
  ].join('\n');
  writeFileSync(path, text);
  return { ok: true, file: name, path, version, effective };
}
