import type { Audience, Reader } from './tables.ts';

/**
 * When an announcement shows, and to whom. Pure functions of an explicit `now`, so that
 * the rules are tested with any clock.
 */

export type Status = 'scheduled' | 'active' | 'ended';

export interface Schedule {
  /** Epoch milliseconds. */
  startsAt: number;
  /** Epoch milliseconds; null: until an editor ends it. */
  endsAt: number | null;
}

/**
 * An announcement is active from its start (inclusive) to its end (exclusive). An end at or
 * before the start (a scheduled announcement ended before it began) means it never shows.
 */
export function statusAt(schedule: Schedule, now: Date): Status {
  const at = now.getTime();
  if (Number.isNaN(at)) throw new RangeError('statusAt: not a valid instant');
  if (schedule.endsAt !== null && (at >= schedule.endsAt || schedule.endsAt <= schedule.startsAt)) return 'ended';
  if (at < schedule.startsAt) return 'scheduled';
  return 'active';
}

export function isActiveAt(schedule: Schedule, now: Date): boolean {
  return statusAt(schedule, now) === 'active';
}

/** The reader a request comes from: signed in, or a visitor who is not. */
export function readerOf(user: unknown): Reader {
  return user ? 'signed-in' : 'signed-out';
}

/** Whether an announcement for `audience` is shown to `reader`. */
export function reaches(audience: Audience, reader: Reader): boolean {
  return audience === 'everyone' || audience === reader;
}
