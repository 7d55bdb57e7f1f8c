import { addDays, effectiveInstant, formatDate, type CalendarDate } from '../policy/dates.ts';
import { changesPath } from '../policy/urls.ts';
import { byEffectiveDate } from '../policy/versions.ts';
import { statusAt, type Status } from './schedule.ts';
import type { Level } from './tables.ts';

/**
 * Policy versions announce themselves: from `days` days before a version's effective date
 * until `days` days after it, every reader sees a banner that links to what changed. No
 * editor has to do anything; an editor may replace the text or end it early (a
 * `policy_announcement` row keyed by the effective date).
 *
 * The first version has nothing to compare with, so only versions that follow another
 * announce themselves. `days` comes from ANNOUNCE_POLICY_DAYS (0: no policy announcements).
 */

export interface PolicyVersionFact {
  effective: CalendarDate;
  version: number;
  material: boolean;
}

export interface PolicyOverride {
  text: string | null;
  endedAt: number | null;
  revision: number;
}

export interface PolicyAnnouncement {
  effective: CalendarDate;
  /** The version before it: the changes page compares the two. */
  previous: CalendarDate;
  version: number;
  /** Material changes are announced as important. */
  level: Level;
  /** The window: `days` before the effective date (00:00 UTC) to `days` after it. */
  windowStart: number;
  windowEnd: number;
  /** When an editor ended it early, or null. */
  endedAt: number | null;
  /** The text readers see: the editor's, or the default. */
  text: string;
  /** The editor's text, or null when the default applies. */
  customText: string | null;
  link: { url: string; text: string };
  /** 0 until an editor changes the text; bumped at each change of text. */
  revision: number;
  status: Status;
}

const DAY_MS = 86_400_000;

export function policyWindow(effective: CalendarDate, days: number): { start: number; end: number } {
  const at = effectiveInstant(effective).getTime();
  return { start: at - days * DAY_MS, end: at + days * DAY_MS };
}

/** "Our privacy policy changes on January 1, 2027." (or "changed", once in effect). */
export function defaultPolicyText(effective: CalendarDate, now: Date): string {
  const upcoming = now.getTime() < effectiveInstant(effective).getTime();
  return upcoming
    ? `Our privacy policy changes on ${formatDate(effective)}. Please take a moment to see what is new.`
    : `Our privacy policy changed on ${formatDate(effective)}. Please take a moment to see what is new.`;
}

export function policyLinkText(effective: CalendarDate, now: Date): string {
  return now.getTime() < effectiveInstant(effective).getTime() ? 'See what changes' : 'See what changed';
}

/**
 * The automatic announcement of every version that follows another, with its status at
 * `now` (scheduled before its window, active in it, ended after it or once ended early).
 */
export function policyAnnouncements(
  versions: readonly PolicyVersionFact[],
  overrides: ReadonlyMap<CalendarDate, PolicyOverride>,
  days: number,
  now: Date,
): PolicyAnnouncement[] {
  if (!Number.isInteger(days) || days < 0) throw new RangeError('policyAnnouncements: days must be a whole number ≥ 0');
  const sorted = byEffectiveDate(versions);
  const result: PolicyAnnouncement[] = [];
  sorted.forEach((version, i) => {
    const previous = sorted[i - 1];
    if (!previous) return;
    const { start, end } = policyWindow(version.effective, days);
    const override = overrides.get(version.effective);
    const endedAt = override?.endedAt ?? null;
    const endsAt = endedAt === null ? end : Math.min(end, endedAt);
    result.push({
      effective: version.effective,
      previous: previous.effective,
      version: version.version,
      level: version.material ? 'important' : 'info',
      windowStart: start,
      windowEnd: end,
      endedAt,
      text: override?.text ?? defaultPolicyText(version.effective, now),
      customText: override?.text ?? null,
      link: { url: changesPath(previous.effective, version.effective), text: policyLinkText(version.effective, now) },
      revision: override?.revision ?? 0,
      status: statusAt({ startsAt: start, endsAt }, now),
    });
  });
  return result;
}

/** The first and last day of a window, for "shown from … to …" (the end day is exclusive). */
export function policyWindowDates(effective: CalendarDate, days: number): { from: CalendarDate; until: CalendarDate } {
  return { from: addDays(effective, -days), until: addDays(effective, days) };
}
