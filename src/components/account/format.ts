/**
 * How the site writes instants for readers: relative ("2 hours ago"), with the exact time in
 * UTC (said so) for the `<time>` title, which public/js/local-times.js rewrites into the
 * reader's own time zone where the browser gives it.
 */
const DATE_TIME = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
const RELATIVE = new Intl.RelativeTimeFormat('en-US', { numeric: 'auto' });

function toDate(at: Date | string): Date {
  return typeof at === 'string' ? new Date(at) : at;
}

export function formatDateTime(at: Date | string): string {
  return `${DATE_TIME.format(toDate(at))} UTC`;
}

export function isoOf(at: Date | string): string {
  return toDate(at).toISOString();
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "just now", "5 minutes ago", "yesterday", "in 2 hours", "3 months ago": the largest whole unit. */
export function formatRelative(at: Date | string, now: Date): string {
  const seconds = Math.round((toDate(at).getTime() - now.getTime()) / 1000);
  const size = Math.abs(seconds);
  if (size < 45) return 'just now';
  for (const [unit, length] of UNITS) {
    if (size >= length) return RELATIVE.format(Math.trunc(seconds / length), unit);
  }
  return RELATIVE.format(Math.sign(seconds) * Math.max(1, Math.round(size / 60)), 'minute');
}
