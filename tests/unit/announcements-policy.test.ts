import { describe, expect, it } from 'vitest';
import { defaultPolicyText, policyAnnouncements, policyBanner, type PolicyOverride } from '../../src/lib/announcements/index.ts';

const VERSIONS = [
  { effective: '2009-01-01', version: 1, material: false },
  { effective: '2027-01-01', version: 2, material: true },
  { effective: '2027-06-01', version: 3, material: false },
];
const none = new Map<string, PolicyOverride>();
const at = (iso: string) => new Date(iso);

function statusOf(version: string, when: string, days = 30, overrides = none) {
  return policyAnnouncements(VERSIONS, overrides, days, at(when)).find((a) => a.effective === version)?.status;
}

describe('policy versions announce themselves', () => {
  it('only versions that follow another, linking to what changed', () => {
    const list = policyAnnouncements(VERSIONS, none, 30, at('2026-12-15T00:00:00Z'));
    expect(list.map((a) => a.effective)).toEqual(['2027-01-01', '2027-06-01']);
    expect(list[0]).toMatchObject({
      previous: '2009-01-01',
      version: 2,
      level: 'important',
      link: { url: '/privacy/changes/2009-01-01...2027-01-01', text: 'See what changes' },
      revision: 0,
      customText: null,
    });
    expect(list[1]).toMatchObject({ previous: '2027-01-01', level: 'info', link: { url: '/privacy/changes/2027-01-01...2027-06-01' } });
  });

  it('from 30 days before the effective date (00:00 UTC) to 30 days after, by default', () => {
    expect(statusOf('2027-01-01', '2026-12-01T23:59:59.999Z')).toBe('scheduled');
    expect(statusOf('2027-01-01', '2026-12-02T00:00:00.000Z')).toBe('active');
    expect(statusOf('2027-01-01', '2027-01-01T00:00:00.000Z')).toBe('active');
    expect(statusOf('2027-01-01', '2027-01-30T23:59:59.999Z')).toBe('active');
    expect(statusOf('2027-01-01', '2027-01-31T00:00:00.000Z')).toBe('ended');
  });

  it('with a configured window', () => {
    expect(statusOf('2027-01-01', '2026-11-25T00:00:00Z', 30)).toBe('scheduled');
    expect(statusOf('2027-01-01', '2026-11-25T00:00:00Z', 45)).toBe('active');
    expect(statusOf('2027-01-01', '2027-02-10T00:00:00Z', 45)).toBe('active');
    expect(statusOf('2027-01-01', '2027-02-15T00:00:00Z', 45)).toBe('ended');
    // 0 turns policy announcements off.
    for (const when of ['2026-12-31T23:59:59Z', '2027-01-01T00:00:00Z', '2027-01-01T12:00:00Z'])
      expect(statusOf('2027-01-01', when, 0)).not.toBe('active');
  });

  it('says "changes" before the date and "changed" after it', () => {
    expect(defaultPolicyText('2027-01-01', at('2026-12-31T23:59:59Z'))).toMatch(/^Our privacy policy changes on January 1, 2027\./);
    expect(defaultPolicyText('2027-01-01', at('2027-01-01T00:00:00Z'))).toMatch(/^Our privacy policy changed on January 1, 2027\./);
    const after = policyAnnouncements(VERSIONS, none, 30, at('2027-01-05T00:00:00Z'))[0]!;
    expect(after.link.text).toBe('See what changed');
    // The tense changes, the dismiss token does not: a reader who dismissed it is not asked again.
    expect(policyBanner(after).token).toBe('p20270101r0');
  });

  it('an editor’s text replaces the default; ending early ends it; a new text shows again to those who dismissed', () => {
    const overrides = new Map<string, PolicyOverride>([
      ['2027-01-01', { text: 'We are updating our privacy policy.', endedAt: null, revision: 1 }],
    ]);
    const [edited] = policyAnnouncements(VERSIONS, overrides, 30, at('2026-12-15T00:00:00Z'));
    expect(edited).toMatchObject({
      text: 'We are updating our privacy policy.',
      customText: 'We are updating our privacy policy.',
      status: 'active',
    });
    expect(policyBanner(edited!).token).toBe('p20270101r1');

    const ended = new Map<string, PolicyOverride>([
      ['2027-01-01', { text: null, endedAt: at('2026-12-10T00:00:00Z').getTime(), revision: 0 }],
    ]);
    expect(statusOf('2027-01-01', '2026-12-09T23:59:59Z', 30, ended)).toBe('active');
    expect(statusOf('2027-01-01', '2026-12-10T00:00:00Z', 30, ended)).toBe('ended');
  });

  it('refuses a negative window', () => {
    expect(() => policyAnnouncements(VERSIONS, none, -1, at('2026-12-15T00:00:00Z'))).toThrow(RangeError);
  });
});
