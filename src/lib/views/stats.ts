import { sql } from 'kysely';
import type { DB } from '../db/index.ts';
import { addDays, dayOf, daysBetween, eachDay, isDay, type Day } from './days.ts';

// ---------------------------------------------------------------------------------------
// Date ranges, as staff choose them on /admin/stats (GET ?from=&to=)

export interface DayRange {
  from: Day;
  to: Day;
}

export const DEFAULT_RANGE_DAYS = 30;
/** Longest range shown or exported at once (a little over two years). */
export const MAX_RANGE_DAYS = 800;

export type RangeResult = { ok: true; range: DayRange } | { ok: false; message: string; field: 'from' | 'to' };

/**
 * Checks a date range typed by staff. Either end may be left out: `to` defaults to today
 * (UTC) and `from` to 30 days ending at `to`. Messages say what to fix.
 */
export function parseDayRange(from: string | null | undefined, to: string | null | undefined, now = new Date()): RangeResult {
  const fromText = from?.trim() || undefined;
  const toText = to?.trim() || undefined;
  if (toText !== undefined && !isDay(toText)) {
    return { ok: false, field: 'to', message: 'The “to” date must be a real date written YYYY-MM-DD, for example 2026-03-31.' };
  }
  if (fromText !== undefined && !isDay(fromText)) {
    return { ok: false, field: 'from', message: 'The “from” date must be a real date written YYYY-MM-DD, for example 2026-03-01.' };
  }
  const end = toText ?? dayOf(now);
  const start = fromText ?? addDays(end, -(DEFAULT_RANGE_DAYS - 1));
  if (start > end) return { ok: false, field: 'from', message: 'The “from” date must be on or before the “to” date.' };
  if (daysBetween(start, end) + 1 > MAX_RANGE_DAYS) {
    return { ok: false, field: 'from', message: `Choose at most ${MAX_RANGE_DAYS} days at a time.` };
  }
  return { ok: true, range: { from: start, to: end } };
}

/** The ranges offered with one click on /admin/stats (GET ?range=), as Plausible offers them. */
export const RANGE_PRESETS = [
  { id: 'today', label: 'Today' },
  { id: '7d', label: 'Last 7 days' },
  { id: '30d', label: 'Last 30 days' },
  { id: 'month', label: 'This month' },
  { id: '12m', label: 'Last 12 months' },
] as const;

export type RangePreset = (typeof RANGE_PRESETS)[number]['id'];

export function isRangePreset(value: unknown): value is RangePreset {
  return RANGE_PRESETS.some((p) => p.id === value);
}

/** The UTC days a preset covers at `now`, today included. */
export function presetRange(preset: RangePreset, now = new Date()): DayRange {
  const today = dayOf(now);
  switch (preset) {
    case 'today':
      return { from: today, to: today };
    case '7d':
      return { from: addDays(today, -6), to: today };
    case '30d':
      return { from: addDays(today, -(DEFAULT_RANGE_DAYS - 1)), to: today };
    case 'month':
      return { from: `${today.slice(0, 8)}01`, to: today };
    case '12m': {
      // This month and the eleven before it, from the first of the month.
      const [year, month] = [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
      const start = new Date(Date.UTC(year, month - 12, 1));
      return { from: dayOf(start), to: today };
    }
  }
}

/** The period of the same length just before `range`, to compare with. */
export function previousRange(range: DayRange): DayRange {
  const length = daysBetween(range.from, range.to) + 1;
  return { from: addDays(range.from, -length), to: addDays(range.from, -1) };
}

/** A change between two periods: the difference, and the percentage when there was something to compare with. */
export function change(current: number, previous: number): { difference: number; percent: number | undefined } {
  return { difference: current - previous, percent: previous > 0 ? Math.round(((current - previous) / previous) * 100) : undefined };
}

// ---------------------------------------------------------------------------------------
// Statistics for staff

export interface DayPoint {
  day: Day;
  /** Views of every page that day. */
  views: number;
  /** Site-wide unique visitors that day. */
  visitors: number;
}

export interface PageRow {
  path: string;
  views: number;
  /** Sum of the page's daily unique visitors over the range. */
  visitors: number;
}

export interface Statistics {
  range: DayRange;
  /** One point per day of the range, zeros included, oldest first. */
  days: DayPoint[];
  /** Pages by views over the range, most viewed first. */
  topPages: PageRow[];
  totals: { views: number; visitorDays: number; pages: number };
}

/** Views and unique visitors over `range`, and its most viewed pages. */
export async function statistics(db: DB, range: DayRange, topLimit = 20): Promise<Statistics> {
  const [viewsByDay, visitorsByDay, topPages, pageCount] = await Promise.all([
    db
      .selectFrom('view_daily')
      .select(['day', (eb) => eb.fn.sum<number>('views').as('views')])
      .where('day', '>=', range.from)
      .where('day', '<=', range.to)
      .groupBy('day')
      .execute(),
    db.selectFrom('view_site_daily').select(['day', 'visitors']).where('day', '>=', range.from).where('day', '<=', range.to).execute(),
    db
      .selectFrom('view_daily')
      .select(['path', (eb) => eb.fn.sum<number>('views').as('views'), (eb) => eb.fn.sum<number>('visitors').as('visitors')])
      .where('day', '>=', range.from)
      .where('day', '<=', range.to)
      .groupBy('path')
      .orderBy('views', 'desc')
      .orderBy('path')
      .limit(topLimit)
      .execute(),
    db
      .selectFrom('view_daily')
      .select(sql<number>`count(distinct path)`.as('pages'))
      .where('day', '>=', range.from)
      .where('day', '<=', range.to)
      .executeTakeFirstOrThrow(),
  ]);
  const views = new Map(viewsByDay.map((r) => [r.day, Number(r.views)]));
  const visitors = new Map(visitorsByDay.map((r) => [r.day, r.visitors]));
  const days = eachDay(range.from, range.to).map((day) => ({ day, views: views.get(day) ?? 0, visitors: visitors.get(day) ?? 0 }));
  return {
    range,
    days,
    topPages: topPages.map((r) => ({ path: r.path, views: Number(r.views), visitors: Number(r.visitors) })),
    totals: {
      views: days.reduce((sum, d) => sum + d.views, 0),
      visitorDays: days.reduce((sum, d) => sum + d.visitors, 0),
      pages: Number(pageCount.pages),
    },
  };
}

// ---------------------------------------------------------------------------------------
// CSV export

export const CSV_HEADER = 'date,scope,path,views,unique_visitors';

/**
 * Every day of `range` as CSV (RFC 4180, CRLF line ends): one `site` row per day (views of
 * all pages, site-wide unique visitors), then one `page` row per page viewed that day.
 * Paths always begin with "/", so no cell can be read as a spreadsheet formula.
 */
export async function statisticsCsv(db: DB, range: DayRange): Promise<string> {
  const [stats, pages] = await Promise.all([
    statistics(db, range, 0),
    db
      .selectFrom('view_daily')
      .select(['day', 'path', 'views', 'visitors'])
      .where('day', '>=', range.from)
      .where('day', '<=', range.to)
      .orderBy('day')
      .orderBy('path')
      .execute(),
  ]);
  const byDay = new Map<Day, string[]>();
  for (const row of pages) {
    const lines = byDay.get(row.day) ?? [];
    lines.push(`${row.day},page,${csvCell(row.path)},${row.views},${row.visitors}`);
    byDay.set(row.day, lines);
  }
  const lines = [CSV_HEADER];
  for (const point of stats.days) {
    lines.push(`${point.day},site,,${point.views},${point.visitors}`);
    lines.push(...(byDay.get(point.day) ?? []));
  }
  return lines.join('\r\n') + '\r\n';
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

// ---------------------------------------------------------------------------------------
// Retention

/**
 * Deletes daily detail (per page and site-wide) older than `retentionDays` days before
 * today. Page totals are kept: the counter on a page never goes down.
 */
export async function pruneDailyDetail(db: DB, retentionDays: number, now = new Date()): Promise<{ cutoff: Day; deleted: number }> {
  const cutoff = addDays(dayOf(now), -(retentionDays - 1));
  return db.transaction().execute(async (trx) => {
    const pages = await trx.deleteFrom('view_daily').where('day', '<', cutoff).executeTakeFirst();
    const site = await trx.deleteFrom('view_site_daily').where('day', '<', cutoff).executeTakeFirst();
    return { cutoff, deleted: Number(pages.numDeletedRows) + Number(site.numDeletedRows) };
  });
}
