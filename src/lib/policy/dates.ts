/**
 * Calendar dates as the policy uses them: `YYYY-MM-DD` strings in UTC.
 *
 * A version "takes effect on 2027-01-01" means at 2027-01-01T00:00:00.000Z exactly; the
 * instant before that belongs to the previous version. Keeping dates as strings (not
 * `Date` objects) avoids every local-time-zone surprise: only `effectiveInstant` turns
 * one into an instant, and only `utcDateOf` turns an instant back into a date.
 */

/** A calendar date, `YYYY-MM-DD`. */
export type CalendarDate = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** True for a real calendar date written `YYYY-MM-DD` (so not `2026-02-30`). */
export function isCalendarDate(value: unknown): value is CalendarDate {
  if (typeof value !== 'string') return false;
  const match = DATE_RE.exec(value);
  if (!match) return false;
  const [, y, m, d] = match;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  // Date.UTC maps years 0–99 to 1900–1999; reject those along with overflowing days.
  return Number(y) >= 1000 && date.toISOString().slice(0, 10) === value;
}

function assertDate(value: CalendarDate): void {
  if (!isCalendarDate(value)) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(value)}`);
}

function assertInstant(instant: Date): void {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) throw new RangeError('not a valid instant');
}

/** The instant a date begins: 00:00:00.000 UTC. */
export function effectiveInstant(date: CalendarDate): Date {
  assertDate(date);
  return new Date(`${date}T00:00:00.000Z`);
}

/** The UTC calendar date an instant falls on. */
export function utcDateOf(instant: Date): CalendarDate {
  assertInstant(instant);
  return instant.toISOString().slice(0, 10);
}

/** `date` moved by `days` (negative moves back). */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  return utcDateOf(new Date(effectiveInstant(date).getTime() + days * DAY_MS));
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return Math.round((effectiveInstant(to).getTime() - effectiveInstant(from).getTime()) / DAY_MS);
}

/** The first day of the month after the one `date` is in. */
export function firstOfNextMonth(date: CalendarDate): CalendarDate {
  const d = effectiveInstant(date);
  return utcDateOf(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)));
}

const LONG = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' });

/** `2027-01-01` → `January 1, 2027` (the way the policy itself writes dates). */
export function formatDate(date: CalendarDate): string {
  return LONG.format(effectiveInstant(date));
}
