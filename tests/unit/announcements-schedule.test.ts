import { describe, expect, it } from 'vitest';
import {
  MAX_BANNERS,
  reaches,
  readerOf,
  selectBanners,
  statusAt,
  type AnnouncementFacts,
  type Audience,
  type PolicyAnnouncement,
  type Reader,
} from '../../src/lib/announcements/index.ts';

const at = (iso: string) => new Date(iso);
const ms = (iso: string) => new Date(iso).getTime();

describe('statusAt: the schedule, with an injected clock', () => {
  const schedule = { startsAt: ms('2026-12-01T09:00:00Z'), endsAt: ms('2026-12-08T09:00:00Z') };

  it('is scheduled before the start, active from the start (inclusive) to the end (exclusive), then ended', () => {
    expect(statusAt(schedule, at('2026-12-01T08:59:59.999Z'))).toBe('scheduled');
    expect(statusAt(schedule, at('2026-12-01T09:00:00.000Z'))).toBe('active');
    expect(statusAt(schedule, at('2026-12-08T08:59:59.999Z'))).toBe('active');
    expect(statusAt(schedule, at('2026-12-08T09:00:00.000Z'))).toBe('ended');
  });

  it('without an end, stays active', () => {
    expect(statusAt({ startsAt: schedule.startsAt, endsAt: null }, at('2099-01-01T00:00:00Z'))).toBe('active');
  });

  it('a scheduled announcement ended before its start never shows', () => {
    const cancelled = { startsAt: ms('2026-12-10T00:00:00Z'), endsAt: ms('2026-12-01T00:00:00Z') };
    for (const when of ['2026-11-30T00:00:00Z', '2026-12-05T00:00:00Z', '2026-12-11T00:00:00Z'])
      expect(statusAt(cancelled, at(when))).toBe('ended');
  });

  it('refuses an invalid instant', () => {
    expect(() => statusAt(schedule, new Date('nope'))).toThrow(RangeError);
  });
});

describe('audiences', () => {
  it.each<[Audience, Reader, boolean]>([
    ['everyone', 'signed-in', true],
    ['everyone', 'signed-out', true],
    ['signed-in', 'signed-in', true],
    ['signed-in', 'signed-out', false],
    ['signed-out', 'signed-in', false],
    ['signed-out', 'signed-out', true],
  ])('an announcement for %s reaches a %s reader: %s', (audience, reader, expected) => {
    expect(reaches(audience, reader)).toBe(expected);
  });

  it('a request with a user is a signed-in reader', () => {
    expect(readerOf({ id: 1 })).toBe('signed-in');
    expect(readerOf(null)).toBe('signed-out');
  });
});

function announcement(id: number, overrides: Partial<AnnouncementFacts> = {}): AnnouncementFacts {
  return {
    id,
    text: `Announcement ${id}`,
    level: 'info',
    audience: 'everyone',
    link_url: null,
    link_text: null,
    dismissible: true,
    starts_at: ms('2026-12-01T00:00:00Z'),
    ends_at: null,
    revision: 1,
    ...overrides,
  };
}

const NOW = at('2026-12-02T12:00:00Z');

describe('selectBanners: what one reader sees', () => {
  it('shows active announcements for the reader’s audience only', () => {
    const all = [
      announcement(1, { audience: 'everyone' }),
      announcement(2, { audience: 'signed-in' }),
      announcement(3, { audience: 'signed-out' }),
      announcement(4, { starts_at: ms('2026-12-03T00:00:00Z') }),
      announcement(5, { ends_at: ms('2026-12-02T11:59:59Z') }),
    ];
    const keys = (reader: Reader) =>
      selectBanners({ now: NOW, reader, announcements: all, policy: [], limit: 10 })
        .map((b) => b.key)
        .sort();
    expect(keys('signed-in')).toEqual(['a1', 'a2']);
    expect(keys('signed-out')).toEqual(['a1', 'a3']);
    // The scheduled one appears at its start.
    expect(
      selectBanners({ now: at('2026-12-03T00:00:00Z'), reader: 'signed-out', announcements: all, policy: [], limit: 10 }).map((b) => b.key),
    ).toContain('a4');
  });

  it('leaves out dismissed announcements until they change', () => {
    const dismissed = ['a1r1', 'a2r1', 'a3r1'];
    const result = selectBanners({
      now: NOW,
      reader: 'signed-in',
      announcements: [announcement(1), announcement(2, { revision: 2 }), announcement(3, { dismissible: false })],
      policy: [],
      dismissed,
    });
    // 1: dismissed. 2: edited since (revision 2). 3: made non-dismissible, so it shows.
    expect(result.map((b) => b.token).sort()).toEqual(['a2r2', 'a3r1']);
    expect(result.find((b) => b.key === 'a3')?.dismissible).toBe(false);
  });

  it(`puts important ones first, then policy notices, then the newest, at most ${MAX_BANNERS}`, () => {
    const policy: PolicyAnnouncement = {
      effective: '2027-01-01',
      previous: '2009-01-01',
      version: 2,
      level: 'info',
      windowStart: ms('2026-12-02T00:00:00Z'),
      windowEnd: ms('2027-01-31T00:00:00Z'),
      endedAt: null,
      text: 'Policy',
      customText: null,
      link: { url: '/privacy/changes/2009-01-01...2027-01-01', text: 'See what changes' },
      revision: 0,
      status: 'active',
    };
    const result = selectBanners({
      now: NOW,
      reader: 'signed-out',
      announcements: [
        announcement(1, { starts_at: ms('2026-11-01T00:00:00Z') }),
        announcement(2, { starts_at: ms('2026-12-01T00:00:00Z') }),
        announcement(3, { level: 'important', starts_at: ms('2026-10-01T00:00:00Z') }),
      ],
      policy: [policy, { ...policy, effective: '2028-01-01', status: 'scheduled' }],
    });
    expect(result.map((b) => b.key)).toEqual(['a3', 'p20270101', 'a2']);

    // A reader whose own policy notice covers that version is not told it twice; the slot
    // goes to the next announcement.
    const covered = selectBanners({
      now: NOW,
      reader: 'signed-in',
      announcements: [
        announcement(1, { starts_at: ms('2026-11-01T00:00:00Z') }),
        announcement(2, { starts_at: ms('2026-12-01T00:00:00Z') }),
        announcement(3, { level: 'important', starts_at: ms('2026-10-01T00:00:00Z') }),
      ],
      policy: [policy],
      covered: ['p20270101'],
    });
    expect(covered.map((b) => b.key)).toEqual(['a3', 'a2', 'a1']);
  });

  it('carries the link and plain text through untouched', () => {
    const [banner] = selectBanners({
      now: NOW,
      reader: 'signed-in',
      announcements: [announcement(9, { text: '<img src=x onerror=alert(1)>', link_url: '/privacy', link_text: 'Read' })],
      policy: [],
    });
    expect(banner).toMatchObject({
      kind: 'announcement',
      text: '<img src=x onerror=alert(1)>',
      link: { url: '/privacy', text: 'Read' },
      token: 'a9r1',
    });
  });
});
