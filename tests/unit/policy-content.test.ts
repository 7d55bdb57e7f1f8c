import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkPolicy } from '../../src/lib/policy/check.ts';
import { POLICY_DIR, readLockFile, readPolicyFolder } from '../../src/lib/policy/files.ts';
import { buildPolicyIndex, parsePolicyIndex } from '../../src/lib/policy/index-json.ts';
import { loadPublishedVersions, PolicyIntegrityError, publishedVersions } from '../../src/lib/policy/published.ts';
import { makeVersion, versionInEffectAt } from '../../src/lib/policy/versions.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = join(root, POLICY_DIR);
// The policy as published in 2009, byte for byte (a copy of shared/seed/privacy-policy-2009.txt,
// which is not part of the repository, so that the test runs wherever it is cloned).
const seed = join(root, 'tests/fixtures/privacy-policy-2009.txt');
const SEED_SHA256 = 'd6cfe44afd9adb0a4b79d245e858ee6ee108fad57322bcf348380f0afc8f3635';

describe('the committed policy', () => {
  it('passes the editors check today', () => {
    const result = checkPolicy({ dir });
    expect(result.problems).toEqual([]);
    expect(result.drafts).toEqual([]);
  });

  it('publishes the 2009 policy word for word, with only the scraping artifact repaired', () => {
    const original = readFileSync(seed, 'utf8');
    expect(createHash('sha256').update(original).digest('hex')).toBe(SEED_SHA256);
    const v1 = readPolicyFolder(dir).versions.find((v) => v.version === 1)!;
    const expected = original.replace('Our layout-u-3-4 goal', 'Our primary goal').split('\n');
    expect(v1.effective).toBe('2009-01-01');
    expect(v1.text.trimEnd().split('\n\n')).toEqual(expected);
    expect(v1.text).not.toContain('layout-u-3-4');
  });

  it('has the 2009 version in effect before the second one, and the second after', () => {
    const versions = loadPublishedVersions(dir);
    expect(versions.map((v) => v.effective).slice(0, 2)).toEqual(['2009-01-01', '2027-01-01']);
    expect(versionInEffectAt(versions, new Date('2026-12-31T23:59:59.999Z'))?.version).toBe(1);
    expect(versionInEffectAt(versions, new Date('2027-01-01T00:00:00.000Z'))?.version).toBe(2);
    const lock = readLockFile(dir).lock;
    for (const v of versions) expect(lock.versions.find((e) => e.version === v.version)?.sha256).toBe(v.sha256);
  });
});

describe('published versions and the JSON index', () => {
  const v1 = makeVersion({ version: 1, effective: '2009-01-01', title: 'Privacy Policy', material: false }, 'One.');
  const v2 = makeVersion({ version: 2, effective: '2027-01-01', title: 'Privacy Policy', summary: 'Two.', material: true }, 'Two.');
  const lock = {
    versions: [
      {
        version: 1,
        effective: '2009-01-01',
        title: 'Privacy Policy',
        summary: null,
        material: false,
        sha256: v1.sha256,
        publishedOn: '2026-11-25',
      },
    ],
  };

  it('shows only locked versions, and drafts only when asked (the development server)', () => {
    expect(publishedVersions([v1, v2], lock).map((v) => v.version)).toEqual([1]);
    expect(publishedVersions([v1, v2], lock, { includeDrafts: true }).map((v) => [v.version, v.draft, v.publishedOn])).toEqual([
      [1, false, '2026-11-25'],
      [2, true, null],
    ]);
  });

  it('refuses to build a site from a changed published version', () => {
    const edited = makeVersion({ version: 1, effective: '2009-01-01', title: 'Privacy Policy', material: false }, 'One, edited.');
    expect(() => publishedVersions([edited], lock)).toThrow(PolicyIntegrityError);
  });

  it('indexes each version with its URL and hash, and reads back what the database needs', () => {
    const site = publishedVersions([v1, v2], {
      versions: [
        ...lock.versions,
        { ...lock.versions[0]!, version: 2, effective: '2027-01-01', summary: 'Two.', material: true, sha256: v2.sha256 },
      ],
    });
    const index = buildPolicyIndex(site, new URL('https://customertrackr.example'));
    expect(index.versions[1]).toEqual({
      version: 2,
      effective: '2027-01-01',
      effectiveAt: '2027-01-01T00:00:00.000Z',
      title: 'Privacy Policy',
      summary: 'Two.',
      material: true,
      publishedOn: '2026-11-25',
      url: 'https://customertrackr.example/privacy/2027-01-01',
      textUrl: 'https://customertrackr.example/privacy/2027-01-01.txt',
      sha256: v2.sha256,
      changesUrl: 'https://customertrackr.example/privacy/changes/2009-01-01...2027-01-01',
    });
    expect(parsePolicyIndex(JSON.stringify(index))).toEqual([
      { version: 1, effective: '2009-01-01', title: 'Privacy Policy', sha256: v1.sha256, material: false },
      { version: 2, effective: '2027-01-01', title: 'Privacy Policy', sha256: v2.sha256, material: true },
    ]);
    expect(() => parsePolicyIndex('{"versions":[{"version":1}]}')).toThrow(/malformed/);
  });
});
