import { sharedRead, type DB } from '../db/index.ts';
import type { CalendarDate } from '../policy/dates.ts';
import { BANNER_COLUMNS, type AnnouncementFacts } from './banners.ts';
import type { PolicyOverride, PolicyVersionFact } from './policy.ts';

/**
 * What the banners are made of, read once and kept until it changes. The banner island is
 * rendered on every page view and these tables change a few times a year, so each view reads
 * one counter (`banner_generation`, moved forward by triggers on every change to the three
 * tables, from any connection: migration 0008) instead of three tables.
 *
 * Kept: the announcements that had not ended when they were read (later, the schedule
 * filters by the time of each request), the policy versions and the editors' overrides of
 * their announcements. Time never needs a reload: an announcement that ends, or a policy
 * window that opens, is decided from these facts at each request's `now`.
 */
export interface BannerSources {
  generation: number;
  /** When the announcements were read (epoch ms): they hold everything not ended by then. */
  readAt: number;
  announcements: AnnouncementFacts[];
  versions: PolicyVersionFact[];
  overrides: Map<CalendarDate, PolicyOverride>;
}

const kept = new WeakMap<DB, BannerSources>();

export async function bannerSources(db: DB, now: Date): Promise<BannerSources> {
  // The counter first: a change landing between it and the reads below leaves an older
  // counter with newer facts, which the next request reads again; never the other way round.
  // Shared by the renders that start while it is in flight (`sharedRead`): one read at a time.
  const { generation } = await sharedRead(db, 'banner_generation', () =>
    db.selectFrom('banner_generation').select('generation').where('id', '=', 1).executeTakeFirstOrThrow(),
  );
  const cached = kept.get(db);
  // A `now` before the reading (a preview of the past) needs announcements ended since.
  if (cached && cached.generation === generation && cached.readAt <= now.getTime()) return cached;
  const at = now.getTime();
  const announcements = await db
    .selectFrom('announcement')
    .select(BANNER_COLUMNS)
    .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', at)]))
    .execute();
  const versions = await db.selectFrom('policy_version').select(['effective_date', 'version', 'material']).execute();
  const overrides = await db.selectFrom('policy_announcement').select(['policy_effective_date', 'text', 'ended_at', 'revision']).execute();
  const sources: BannerSources = {
    generation,
    readAt: at,
    announcements,
    versions: versions.map((v) => ({ effective: v.effective_date, version: v.version, material: v.material })),
    overrides: new Map(overrides.map((r) => [r.policy_effective_date, { text: r.text, endedAt: r.ended_at, revision: r.revision }])),
  };
  if (!cached || cached.readAt <= at) kept.set(db, sources);
  return sources;
}
