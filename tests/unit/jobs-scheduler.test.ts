// The scheduler (src/lib/jobs): jobs run at start and once per period; with several
// processes on one database file, each period is claimed by one of them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type OpenDatabase } from '../../src/lib/db/index.ts';
import { claimJob, dailyAfterMidnightUtc, every, runDueJobs, startScheduler, type Job } from '../../src/lib/jobs/index.ts';

const t0 = new Date('2026-05-01T10:00:00Z');
const after = (ms: number) => new Date(t0.getTime() + ms);
const HOUR = 60 * 60_000;

let dir: string;
let first: OpenDatabase;
let second: OpenDatabase;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ct-jobs-'));
  // Two connections to one file: what two server processes have.
  first = openDatabase(join(dir, 'db.sqlite'));
  await migrate(first.db);
  second = openDatabase(join(dir, 'db.sqlite'));
});
afterEach(async () => {
  await first.close();
  await second.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A job that records each run (by the database it ran on). */
function countingJob(runs: string[], name = 'test.counting'): Job {
  return { name, next: every(HOUR), run: async (db, now) => runs.push(`${db === first.db ? 'first' : 'second'} ${now.toISOString()}`) };
}

describe('claimJob', () => {
  it('gives each period to one claimant: a second claim in the same period fails, the next period is due again', async () => {
    const job = countingJob([]);
    expect(await claimJob(first.db, job, t0)).toBe(true);
    expect(await claimJob(second.db, job, t0)).toBe(false);
    expect(await claimJob(first.db, job, after(HOUR - 1))).toBe(false);
    expect(await claimJob(second.db, job, after(HOUR))).toBe(true);
    expect(await claimJob(first.db, job, after(HOUR))).toBe(false);
  });

  it('lets concurrent claims of one period succeed once', async () => {
    const job = countingJob([]);
    const claims = await Promise.all([first, second, first, second].map((d) => claimJob(d.db, job, t0)));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });
});

describe('two schedulers on one database file', () => {
  it('run a job once per period between them, at start and then at each tick', async () => {
    const runs: string[] = [];
    let now = t0;
    const ticks: (() => void)[] = [];
    const start = (d: OpenDatabase) =>
      startScheduler(d.db, [countingJob(runs)], { now: () => now, schedule: (tick) => (ticks.push(tick), () => {}), report: () => {} });
    const a = start(first);
    await a.started;
    const b = start(second);
    await b.started;
    expect(runs).toEqual([`first ${t0.toISOString()}`]);

    now = after(30 * 60_000);
    expect(await a.runOnce()).toEqual([]);
    expect(await b.runOnce()).toEqual([]);

    now = after(HOUR);
    const outcomes = await Promise.all([b.runOnce(), a.runOnce()]);
    expect(outcomes.flat()).toHaveLength(1);
    expect(runs).toHaveLength(2);

    await a.stop();
    await b.stop();
    expect(await a.runOnce()).toEqual([]);
  });
});

describe('runDueJobs', () => {
  it('reports a failing job and still runs the others; the failed period is not retried', async () => {
    const runs: string[] = [];
    const failing: Job = { name: 'test.failing', next: every(HOUR), run: async () => Promise.reject(new Error('boom')) };
    const outcomes = await runDueJobs(first.db, [failing, countingJob(runs)], t0);
    expect(outcomes.map((o) => [o.name, o.ok])).toEqual([
      ['test.failing', false],
      ['test.counting', true],
    ]);
    expect(await runDueJobs(first.db, [failing], after(1000))).toEqual([]);
    expect((await runDueJobs(first.db, [failing], after(HOUR))).map((o) => o.name)).toEqual(['test.failing']);
  });
});

describe('periods', () => {
  it('every(ms) and dailyAfterMidnightUtc()', () => {
    expect(every(HOUR)(t0)).toEqual(after(HOUR));
    expect(dailyAfterMidnightUtc()(t0).toISOString()).toBe('2026-05-02T00:00:01.000Z');
    expect(dailyAfterMidnightUtc()(new Date('2026-12-31T23:59:59.999Z')).toISOString()).toBe('2027-01-01T00:00:01.000Z');
  });

  it('refuses two jobs with one name', () => {
    expect(() => startScheduler(first.db, [countingJob([]), countingJob([])], { schedule: () => () => {} })).toThrow(
      /two jobs are named test.counting/,
    );
  });
});
