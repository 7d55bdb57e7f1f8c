import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkPolicy, lockPolicy, scaffoldVersion, type CheckResult } from '../../src/lib/policy/check.ts';
import { LOCK_FILE, readLockFile, readPolicyFolder } from '../../src/lib/policy/files.ts';
import { formatFrontmatterLine } from '../../src/lib/policy/frontmatter.ts';
import { formatLock, lockEntryFor, parseLock } from '../../src/lib/policy/lock.ts';
import { SUMMARY_PLACEHOLDER } from '../../src/lib/policy/versions.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ct-policy-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Meta {
  effective: string;
  title?: string;
  summary?: string;
  material?: boolean;
}

function writeVersion(n: number, meta: Meta, body: string): void {
  const lines = ['---', formatFrontmatterLine('effective', meta.effective), formatFrontmatterLine('title', meta.title ?? 'Privacy Policy')];
  if (meta.summary !== undefined) lines.push(formatFrontmatterLine('summary', meta.summary));
  lines.push(formatFrontmatterLine('material', meta.material ?? false), '---', '', body, '');
  writeFileSync(join(dir, `v${n}.md`), lines.join('\n'));
}

/** Locks every version currently in the folder as published on `publishedOn`. */
function lockAll(publishedOn: string): void {
  const { versions } = readPolicyFolder(dir);
  writeFileSync(join(dir, LOCK_FILE), formatLock({ versions: versions.map((v) => lockEntryFor(v, publishedOn)) }));
}

/** A valid folder: v1 (2009) and a material v2 published 37 days ahead. */
function validFolder(): void {
  writeVersion(1, { effective: '2009-01-01' }, 'The first text.');
  writeVersion(2, { effective: '2027-01-01', summary: 'Says what the site does.', material: true }, '## Heading\n\nThe second text.');
  lockAll('2026-11-25');
}

const messages = (result: CheckResult) => result.problems.map((p) => `${p.file ?? ''}: ${p.message}`);

describe('checkPolicy', () => {
  it('passes a valid folder and says what is coming', () => {
    validFolder();
    const result = checkPolicy({ dir, today: '2026-11-25' });
    expect(messages(result)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.notes.join('\n')).toContain('version 2 is published and takes effect on January 1, 2027');
  });

  it('fails when the text of a published version changed, and says how to undo it', () => {
    validFolder();
    writeVersion(1, { effective: '2009-01-01' }, 'The first text, quietly edited.');
    const result = checkPolicy({ dir, today: '2026-11-25' });
    expect(result.ok).toBe(false);
    expect(messages(result)).toEqual([
      'v1.md: the text of version 1 (published on 2026-11-25) has changed; a published version never changes',
    ]);
    expect(result.problems[0]!.fix).toContain('git checkout -- src/content/policy/v1.md');
    expect(result.problems[0]!.fix).toContain('npm run policy -- new');
  });

  it('ignores line-ending and surrounding blank-line differences (same canonical text)', () => {
    validFolder();
    const path = join(dir, 'v1.md');
    writeFileSync(path, `${readFileSync(path, 'utf8').replace(/\n/g, '\r\n')}\n\n`);
    expect(checkPolicy({ dir, today: '2026-11-25' }).ok).toBe(true);
  });

  it('fails when the frontmatter of a published version changed', () => {
    validFolder();
    writeVersion(
      2,
      { effective: '2027-02-01', title: 'Our Privacy Policy', summary: 'Says what the site does.', material: true },
      '## Heading\n\nThe second text.',
    );
    const result = checkPolicy({ dir, today: '2026-11-25' });
    expect(messages(result)).toEqual([
      'v2.md: the effective date (2027-01-01 → 2027-02-01), title ("Privacy Policy" → "Our Privacy Policy") of version 2 (published on 2026-11-25) changed; a published version never changes',
    ]);
  });

  it('fails when a published version was deleted', () => {
    validFolder();
    unlinkSync(join(dir, 'v2.md'));
    expect(messages(checkPolicy({ dir, today: '2026-11-25' }))).toEqual([
      'v2.md: version 2 (published on 2026-11-25) is missing: v2.md was deleted or renamed',
    ]);
  });

  it('fails when effective dates are not strictly increasing', () => {
    validFolder();
    writeVersion(3, { effective: '2027-01-01', summary: 'Same day as version 2.' }, 'A third text.');
    const result = checkPolicy({ dir, today: '2026-11-25' });
    expect(messages(result)).toEqual([
      'v3.md: version 3 takes effect on 2027-01-01, which is not after version 2 (2027-01-01): effective dates must be strictly increasing',
    ]);
    expect(result.problems[0]!.fix).toBe('give version 3 an effective date after 2027-01-01');
  });

  it('fails when an earlier date follows a later one', () => {
    writeVersion(1, { effective: '2020-01-01' }, 'One.');
    writeVersion(2, { effective: '2019-06-01', summary: 'Two.' }, 'Two.');
    expect(messages(checkPolicy({ dir, today: '2018-01-01' }))).toContainEqual(
      'v2.md: version 2 takes effect on 2019-06-01, which is not after version 1 (2020-01-01): effective dates must be strictly increasing',
    );
  });

  it('fails when a version after the first has no summary', () => {
    validFolder();
    writeVersion(3, { effective: '2027-06-01' }, 'A third text.');
    const result = checkPolicy({ dir, today: '2026-11-25' });
    expect(messages(result)).toEqual(['v3.md: version 3 has no summary of changes']);
    expect(result.problems[0]!.fix).toContain('summary:');
  });

  it('fails while the summary is still the placeholder', () => {
    validFolder();
    writeVersion(3, { effective: '2027-06-01', summary: SUMMARY_PLACEHOLDER }, 'A third text.');
    expect(messages(checkPolicy({ dir, today: '2026-11-25' }))).toEqual([
      `v3.md: the summary of changes of version 3 is still the placeholder ("${SUMMARY_PLACEHOLDER}")`,
    ]);
  });

  it('fails when a new version repeats the previous text', () => {
    validFolder();
    writeVersion(3, { effective: '2027-06-01', summary: 'Nothing really.' }, '## Heading\n\nThe second text.');
    expect(messages(checkPolicy({ dir, today: '2026-11-25' }))).toEqual(['v3.md: version 3 has exactly the same text as version 2']);
  });

  it('fails when version numbers have a gap', () => {
    validFolder();
    writeVersion(4, { effective: '2027-06-01', summary: 'Skipped a number.' }, 'A fourth text.');
    expect(messages(checkPolicy({ dir, today: '2026-11-25' }))[0]).toMatch(/^v4\.md: version 4 follows version 2/);
  });

  it('fails on a badly named file and on broken frontmatter, saying what to write', () => {
    validFolder();
    writeFileSync(join(dir, 'draft.md'), '---\neffective: 2027-06-01\n---\nText');
    writeFileSync(join(dir, 'v3.md'), '---\neffective: 2027-13-01\ntitle: Privacy: the sequel\nmaterial: maybe\n---\nText');
    const result = messages(checkPolicy({ dir, today: '2026-11-25' }));
    expect(result).toContainEqual('draft.md: a policy file must be named after its version number: v1.md, v2.md, v3.md…');
    expect(result).toContainEqual('v3.md: frontmatter, line 3: put this value in double quotes: "Privacy: the sequel"');
  });

  it('fails when a draft material version takes effect in fewer than 30 days', () => {
    validFolder();
    writeVersion(3, { effective: '2027-02-01', summary: 'A material change.', material: true }, 'A third text.');
    // 2027-02-01 is 31 days after 2027-01-01: still publishable in time…
    expect(checkPolicy({ dir, today: '2027-01-01' }).ok).toBe(true);
    expect(checkPolicy({ dir, today: '2027-01-02' }).ok).toBe(true);
    // …until 29 days before.
    const late = checkPolicy({ dir, today: '2027-01-03' });
    expect(messages(late)).toEqual([
      "v3.md: version 3 is a material change taking effect on 2027-02-01, in 29 day(s), but it is not published yet and material changes need 30 days' notice",
    ]);
    expect(late.problems[0]!.fix).toBe(
      'change "effective:" in v3.md to 2027-02-02 or later, then publish it with `npm run policy -- lock`',
    );
  });

  it('takes the notice period as an option', () => {
    validFolder();
    writeVersion(3, { effective: '2027-02-01', summary: 'A material change.', material: true }, 'A third text.');
    expect(checkPolicy({ dir, today: '2027-01-03', noticeDays: 14 }).ok).toBe(true);
    expect(checkPolicy({ dir, today: '2027-01-03', noticeDays: 60 }).ok).toBe(false);
    expect(() => checkPolicy({ dir, noticeDays: -1 })).toThrow(RangeError);
  });

  it('lets a non-material draft be published up to its effective date', () => {
    validFolder();
    writeVersion(3, { effective: '2027-02-01', summary: 'Typo fixes.', material: false }, 'A third text.');
    expect(checkPolicy({ dir, today: '2027-02-01' }).ok).toBe(true);
    expect(messages(checkPolicy({ dir, today: '2027-02-02' }))).toEqual([
      'v3.md: version 3 should have taken effect on 2027-02-01 but it was never published',
    ]);
  });

  it('fails when the lock records a material version published with less than 30 days notice', () => {
    writeVersion(1, { effective: '2009-01-01' }, 'One.');
    writeVersion(2, { effective: '2027-01-01', summary: 'Material.', material: true }, 'Two.');
    lockAll('2026-12-10');
    expect(messages(checkPolicy({ dir, today: '2026-12-10' }))).toEqual([
      `${LOCK_FILE}: version 2 is a material change published on 2026-12-10, only 22 day(s) before it takes effect on 2027-01-01; material changes need 30 days' notice`,
    ]);
  });

  it('fails when the lock records a version published after it took effect (except the first)', () => {
    writeVersion(1, { effective: '2009-01-01' }, 'One.');
    writeVersion(2, { effective: '2027-01-01', summary: 'Minor.' }, 'Two.');
    lockAll('2027-01-05');
    expect(messages(checkPolicy({ dir, today: '2027-01-05' }))).toEqual([
      `${LOCK_FILE}: version 2 was published on 2027-01-05, after it took effect on 2027-01-01`,
    ]);
  });

  it('fails on a damaged lock file', () => {
    validFolder();
    writeFileSync(join(dir, LOCK_FILE), '{ "versions": [ { "version": 1 } ] }');
    expect(messages(checkPolicy({ dir, today: '2026-11-25' }))[0]).toMatch(
      /^versions\.lock\.json: versions\.lock\.json: versions\[0\]\.effective/,
    );
  });
});

describe('lockPolicy', () => {
  it('publishes drafts that pass, dated today, and keeps earlier entries', () => {
    validFolder();
    writeVersion(3, { effective: '2027-06-01', summary: 'A material change.', material: true }, 'A third text.');
    const { check, locked } = lockPolicy({ dir, today: '2027-01-10' });
    expect(check.ok).toBe(true);
    expect(locked.map((e) => [e.version, e.publishedOn])).toEqual([[3, '2027-01-10']]);
    const { lock } = readLockFile(dir);
    expect(lock.versions.map((e) => [e.version, e.publishedOn])).toEqual([
      [1, '2026-11-25'],
      [2, '2026-11-25'],
      [3, '2027-01-10'],
    ]);
    expect(lockPolicy({ dir, today: '2027-01-11' }).locked).toEqual([]);
  });

  it('publishes nothing when the check fails', () => {
    validFolder();
    writeVersion(3, { effective: '2027-01-20', summary: 'Too soon.', material: true }, 'A third text.');
    const before = readFileSync(join(dir, LOCK_FILE), 'utf8');
    const { check, locked } = lockPolicy({ dir, today: '2027-01-10' });
    expect(check.ok).toBe(false);
    expect(locked).toEqual([]);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(before);
  });

  it('writes a lock file that reads back the same', () => {
    validFolder();
    const text = readFileSync(join(dir, LOCK_FILE), 'utf8');
    expect(formatLock(parseLock(text))).toBe(text);
  });
});

describe('scaffoldVersion', () => {
  it('starts the next version from the latest, with a placeholder summary the check rejects', () => {
    validFolder();
    const result = scaffoldVersion({ dir, today: '2027-01-10' });
    expect(result).toMatchObject({ ok: true, file: 'v3.md', version: 3, effective: '2027-03-01' });
    const text = readFileSync(join(dir, 'v3.md'), 'utf8');
    expect(text).toContain('effective: 2027-03-01');
    expect(text).toContain('material: true');
    expect(text).toContain('## Heading\n\nThe second text.');
    const check = checkPolicy({ dir, today: '2027-01-10' });
    expect(messages(check).sort()).toEqual(
      [
        'v3.md: version 3 has exactly the same text as version 2',
        `v3.md: the summary of changes of version 3 is still the placeholder ("${SUMMARY_PLACEHOLDER}")`,
      ].sort(),
    );
  });

  it('refuses to start another version while one is a draft', () => {
    validFolder();
    expect(scaffoldVersion({ dir, today: '2027-01-10' }).ok).toBe(true);
    const again = scaffoldVersion({ dir, today: '2027-01-10' });
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.problem.message).toBe('v3.md is already a draft (not yet published)');
  });

  it('takes an effective date, and never proposes one before the latest version', () => {
    validFolder();
    expect(scaffoldVersion({ dir, today: '2026-11-25', effective: '2027-05-01' })).toMatchObject({ ok: true, effective: '2027-05-01' });
    rmSync(join(dir, 'v3.md'));
    // Today + 30 days is before version 2's date: the proposal moves past it.
    expect(scaffoldVersion({ dir, today: '2026-11-01' })).toMatchObject({ ok: true, effective: '2027-02-01' });
  });
});
