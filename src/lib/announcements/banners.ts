import type { Selectable } from 'kysely';
import { announcementKey, dismissToken, policyKey } from './dismissed.ts';
import type { PolicyAnnouncement } from './policy.ts';
import { isActiveAt, reaches } from './schedule.ts';
import type { AnnouncementTable, Level, Reader } from './tables.ts';

/**
 * A banner as the island (and the editors' preview) renders it: nothing about who is
 * reading, only what to show.
 */
export interface Banner {
  kind: 'announcement' | 'policy';
  /** `a12`, `p20270101`: stable per announcement. */
  key: string;
  /** `a12r3`: what the dismiss cookie records (changes with each visible edit). */
  token: string;
  level: Level;
  text: string;
  link: { url: string; text: string } | null;
  dismissible: boolean;
  startsAt: number;
}

/** At most this many banners show at once: the important, then the newest. */
export const MAX_BANNERS = 3;

/** The columns of an announcement a banner needs (what the island reads, src/lib/announcements/sources.ts). */
export const BANNER_COLUMNS = [
  'id',
  'text',
  'level',
  'audience',
  'link_url',
  'link_text',
  'dismissible',
  'starts_at',
  'ends_at',
  'revision',
] as const;
export type AnnouncementFacts = Pick<Selectable<AnnouncementTable>, (typeof BANNER_COLUMNS)[number]>;

export function announcementBanner(row: AnnouncementFacts): Banner {
  const key = announcementKey(row.id);
  return {
    kind: 'announcement',
    key,
    token: dismissToken(key, row.revision),
    level: row.level,
    text: row.text,
    link: row.link_url !== null && row.link_text !== null ? { url: row.link_url, text: row.link_text } : null,
    dismissible: row.dismissible,
    startsAt: row.starts_at,
  };
}

/** Policy announcements reach everyone and can always be dismissed. */
export function policyBanner(announcement: PolicyAnnouncement): Banner {
  const key = policyKey(announcement.effective);
  return {
    kind: 'policy',
    key,
    token: dismissToken(key, announcement.revision),
    level: announcement.level,
    text: announcement.text,
    link: announcement.link,
    dismissible: true,
    startsAt: announcement.windowStart,
  };
}

function order(a: Banner, b: Banner): number {
  if (a.level !== b.level) return a.level === 'important' ? -1 : 1;
  if (a.kind !== b.kind) return a.kind === 'policy' ? -1 : 1;
  if (a.startsAt !== b.startsAt) return b.startsAt - a.startsAt;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * What one reader sees at `now`: the active announcements for their audience and the
 * active policy announcements, minus those they dismissed (unless an editor made them
 * non-dismissible, or changed them since), important first, at most MAX_BANNERS.
 */
export function selectBanners(input: {
  now: Date;
  reader: Reader;
  announcements: readonly AnnouncementFacts[];
  policy: readonly PolicyAnnouncement[];
  dismissed?: readonly string[];
  /**
   * Keys of policy announcements that say what the reader's own policy notice already says
   * (the versions it covers): left out, so that nothing is said twice.
   */
  covered?: readonly string[];
  limit?: number;
}): Banner[] {
  const dismissed = new Set(input.dismissed ?? []);
  const covered = new Set(input.covered ?? []);
  const candidates = [
    ...input.announcements
      .filter((a) => reaches(a.audience, input.reader) && isActiveAt({ startsAt: a.starts_at, endsAt: a.ends_at }, input.now))
      .map(announcementBanner),
    ...input.policy
      .filter((p) => p.status === 'active')
      .map(policyBanner)
      .filter((b) => !covered.has(b.key)),
  ];
  return candidates
    .filter((b) => !(b.dismissible && dismissed.has(b.token)))
    .sort(order)
    .slice(0, input.limit ?? MAX_BANNERS);
}
