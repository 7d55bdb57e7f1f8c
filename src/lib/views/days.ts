/**
 * Statistics days: UTC calendar dates written `YYYY-MM-DD`. A day begins at 00:00 UTC; the
 * daily salt rotates then, and the day's dedupe rows are deleted.
 */
export type Day = string;

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** True for a real calendar date written `YYYY-MM-DD` (not `2026-02-30`, not year 0999). */
export function isDay(value: unknown): value is Day {
  if (typeof value !== 'string') return false;
  const match = DAY_RE.exec(value);
  if (!match || Number(match[1]) < 1000) return false;
  return new Date(`${value}T00:00:00.000Z`).toISOString().slice(0, 10) === value;
}

/** The UTC day an instant falls on. */
export function dayOf(instant: Date): Day {
  return instant.toISOString().slice(0, 10);
}

/** `day` moved by `days` (negative moves back). */
export function addDays(day: Day, days: number): Day {
  return dayOf(new Date(Date.parse(`${day}T00:00:00.000Z`) + days * DAY_MS));
}

/** Whole days from `from` to `to` (0 when equal; negative when `to` is earlier). */
export function daysBetween(from: Day, to: Day): number {
  return Math.round((Date.parse(`${to}T00:00:00.000Z`) - Date.parse(`${from}T00:00:00.000Z`)) / DAY_MS);
}

/** Every day from `from` to `to`, both included. */
export function eachDay(from: Day, to: Day): Day[] {
  const days: Day[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

/** The instant the next UTC day begins, after `now`. */
export function nextMidnight(now: Date): Date {
  return new Date(Date.parse(`${addDays(dayOf(now), 1)}T00:00:00.000Z`));
}
