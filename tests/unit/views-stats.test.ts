import { beforeEach, describe, expect, it } from 'vitest';
import { labelled, layout, NARROW, niceMax, points } from '../../src/components/stats/chart.ts';
import { parseConfig } from '../../src/lib/config/index.ts';
import {
  change,
  CSV_HEADER,
  MAX_RANGE_DAYS,
  presetRange,
  previousRange,
  createViewRecorder,
  parseDayRange,
  pruneDailyDetail,
  statistics,
  statisticsCsv,
  type ViewRecorder,
} from '../../src/lib/views/index.ts';
import { testDatabase } from '../support/db.ts';

const NOW = new Date('2026-03-31T15:00:00Z');

describe('parseDayRange', () => {
  it('defaults to the 30 days up to today (UTC)', () => {
    expect(parseDayRange(null, null, NOW)).toEqual({ ok: true, range: { from: '2026-03-02', to: '2026-03-31' } });
    expect(parseDayRange('', '2026-02-10', NOW)).toEqual({ ok: true, range: { from: '2026-01-12', to: '2026-02-10' } });
    expect(parseDayRange('2026-03-05', '', NOW)).toEqual({ ok: true, range: { from: '2026-03-05', to: '2026-03-31' } });
  });

  it.each([
    ['2026-02-30', '2026-03-01', 'from', /real date/],
    ['2026-03-01', 'yesterday', 'to', /real date/],
    ['03/01/2026', '', 'from', /YYYY-MM-DD/],
    ['2026-03-10', '2026-03-01', 'from', /on or before/],
    ['2020-01-01', '2026-03-01', 'from', new RegExp(`at most ${MAX_RANGE_DAYS}`)],
  ])('refuses from=%s to=%s with a message about %s', (from, to, field, message) => {
    const result = parseDayRange(from, to, NOW);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.field).toBe(field);
      expect(result.message).toMatch(message);
    }
  });
});

describe('statistics', () => {
  const database = testDatabase();
  let views: ViewRecorder;
  let n = 0;
  const view = (path: string, iso: string, visitorId: string | null = null) =>
    views.record({ path, key: `stats-key-${String(++n).padStart(6, '0')}`, visitorId }, new Date(iso));

  beforeEach(async () => {
    views = createViewRecorder(database);
    await view('/a', '2026-03-01T10:00:00Z', 'VisitorAAAAAAAAAAAAAAAAA');
    await view('/a', '2026-03-01T11:00:00Z', 'VisitorAAAAAAAAAAAAAAAAA');
    await view('/b', '2026-03-01T12:00:00Z', 'VisitorBBBBBBBBBBBBBBBBB');
    await view('/b', '2026-03-03T12:00:00Z', 'VisitorBBBBBBBBBBBBBBBBB');
    await view('/b', '2026-03-03T13:00:00Z');
  });

  it('gives every day of the range, top pages and totals', async () => {
    const stats = await statistics(database.db, { from: '2026-02-28', to: '2026-03-03' });
    expect(stats.days).toEqual([
      { day: '2026-02-28', views: 0, visitors: 0 },
      { day: '2026-03-01', views: 3, visitors: 2 },
      { day: '2026-03-02', views: 0, visitors: 0 },
      { day: '2026-03-03', views: 2, visitors: 1 },
    ]);
    expect(stats.topPages).toEqual([
      { path: '/b', views: 3, visitors: 2 },
      { path: '/a', views: 2, visitors: 1 },
    ]);
    expect(stats.totals).toEqual({ views: 5, visitorDays: 3, pages: 2 });
  });

  it('exports CSV: a site row, then page rows, for each day', async () => {
    const csv = await statisticsCsv(database.db, { from: '2026-03-01', to: '2026-03-02' });
    expect(csv.split('\r\n')).toEqual([
      CSV_HEADER,
      '2026-03-01,site,,3,2',
      '2026-03-01,page,/a,2,1',
      '2026-03-01,page,/b,1,1',
      '2026-03-02,site,,0,0',
      '',
    ]);
  });

  it('prunes daily detail past the retention period, keeping every page’s total', async () => {
    const { cutoff, deleted } = await pruneDailyDetail(database.db, 2, new Date('2026-03-03T09:00:00Z'));
    expect(cutoff).toBe('2026-03-02');
    expect(deleted).toBe(3); // two page-days and one site-day of March 1
    const stats = await statistics(database.db, { from: '2026-03-01', to: '2026-03-03' });
    expect(stats.days.map((d) => d.views)).toEqual([0, 0, 2]);
    expect(await views.counts('/a')).toEqual({ path: '/a', views: 2, visitors: 1 });
    expect(await views.counts('/b')).toEqual({ path: '/b', views: 3, visitors: 2 });
  });
});

describe('configuration', () => {
  it('reads VIEWS_RETENTION_DAYS (default two years)', () => {
    expect(parseConfig({}).viewsRetentionDays).toBe(730);
    expect(parseConfig({ VIEWS_RETENTION_DAYS: '90' }).viewsRetentionDays).toBe(90);
    for (const bad of ['0', '-1', '1.5', 'forever', '36501']) {
      expect(() => parseConfig({ VIEWS_RETENTION_DAYS: bad })).toThrow(/^VIEWS_RETENTION_DAYS=/);
    }
  });
});

describe('the chart geometry', () => {
  it('rounds the scale up so that every gridline is a whole, readable number', () => {
    expect([0, 3, 6, 7, 12, 99, 101, 240, 2600].map(niceMax)).toEqual([4, 4, 8, 8, 20, 100, 200, 400, 4000]);
    for (const max of [1, 9, 37, 123, 999, 12345]) expect(Number.isInteger(niceMax(max) / 4)).toBe(true);
  });

  it('labels every value of a short range, and the peak and the last of a long one', () => {
    const short = points([1, 5, 2], layout(3, 5));
    expect(labelled(short).map((p) => p.value)).toEqual([1, 5, 2]);
    // Days without views are not written: the line on the axis says it.
    expect(labelled(points([0, 3, 0, 0], layout(4, 3))).map((p) => p.index)).toEqual([1]);
    expect(labelled(points(new Array<number>(30).fill(0), layout(30, 0)))).toEqual([]);
    const long = points(
      Array.from({ length: 30 }, (_, i) => (i === 10 ? 50 : i)),
      layout(30, 50),
    );
    expect(labelled(long).map((p) => [p.index, p.value])).toEqual([
      [10, 50],
      [29, 29],
    ]);
  });

  it('keeps every point inside the plot', () => {
    const geometry = layout(365, 1234);
    for (const p of points([0, 1234, 600], geometry)) {
      expect(p.y).toBeGreaterThanOrEqual(0);
      expect(p.x).toBeGreaterThan(0);
    }
    expect(geometry.xLabels.length).toBeLessThanOrEqual(6);
  });
});

describe('preset ranges and the previous period', () => {
  const at = new Date('2026-03-15T10:00:00Z');
  it('covers today, 7 and 30 days, this month and 12 months, today included', () => {
    expect(presetRange('today', at)).toEqual({ from: '2026-03-15', to: '2026-03-15' });
    expect(presetRange('7d', at)).toEqual({ from: '2026-03-09', to: '2026-03-15' });
    expect(presetRange('30d', at)).toEqual({ from: '2026-02-14', to: '2026-03-15' });
    expect(presetRange('month', at)).toEqual({ from: '2026-03-01', to: '2026-03-15' });
    expect(presetRange('12m', at)).toEqual({ from: '2025-04-01', to: '2026-03-15' });
    expect(presetRange('12m', new Date('2026-12-31T23:59:59Z'))).toEqual({ from: '2026-01-01', to: '2026-12-31' });
  });

  it('compares with the period of the same length just before', () => {
    expect(previousRange({ from: '2026-03-09', to: '2026-03-15' })).toEqual({ from: '2026-03-02', to: '2026-03-08' });
    expect(previousRange({ from: '2026-03-01', to: '2026-03-01' })).toEqual({ from: '2026-02-28', to: '2026-02-28' });
    expect(change(18, 9)).toEqual({ difference: 9, percent: 100 });
    expect(change(3, 4)).toEqual({ difference: -1, percent: -25 });
    expect(change(5, 0)).toEqual({ difference: 5, percent: undefined });
  });

  it('marks only the points that say something: all of a short range, the peak and the last of a long one', () => {
    const long = points(
      Array.from({ length: 10 }, (_, i) => (i === 3 ? 9 : 1)),
      layout(10, 9, NARROW),
    );
    expect(labelled(long, NARROW.labelAllUpTo).map((p) => p.index)).toEqual([3, 9]);
    for (const p of long) expect(p.x).toBeLessThanOrEqual(NARROW.width);
  });
});
