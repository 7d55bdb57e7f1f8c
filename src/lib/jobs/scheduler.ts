import type { DB } from '../db/index.ts';
import { everyInterval, startWorker, type Schedule } from './worker.ts';

/**
 * A small scheduler for periodic jobs (retention and housekeeping). Each job is a function of
 * the database and the time, idempotent, owned by the capability whose tables it changes; the
 * scheduler only lists them (./index.ts) and decides when they run.
 *
 * A job runs at start and then once per period. With several processes on one database, each
 * period runs once: before running, a process claims the period in `job_run` with a single
 * conditional UPDATE (`set next_run_at = <next> where name = ? and next_run_at <= now`). Two
 * processes cannot both move the same `next_run_at` on: the second UPDATE finds the row
 * already moved and changes nothing.
 */

export interface Job {
  /** Unique and stable: the key of the job's row in `job_run`. */
  name: string;
  /** When the period after `now` begins: every so often, or at a time of day. */
  next: (now: Date) => Date;
  /** The work. Must be idempotent: a period whose run failed half-way is not run again. */
  run: (db: DB, now: Date) => Promise<unknown>;
}

/** `next` for a job that runs every `ms` milliseconds. */
export function every(ms: number): (now: Date) => Date {
  return (now) => new Date(now.getTime() + ms);
}

/** `next` for a job that runs once a day, shortly after midnight UTC (`delayMs` after it). */
export function dailyAfterMidnightUtc(delayMs = 1000): (now: Date) => Date {
  return (now) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) + delayMs);
}

/**
 * Claims the period of `job` that includes `now`: true when this call took it (the caller must
 * then run the job), false when it is not due or another process took it first.
 */
export async function claimJob(db: DB, job: Pick<Job, 'name' | 'next'>, now: Date): Promise<boolean> {
  const at = now.getTime();
  // A job never seen before is due at once.
  await db
    .insertInto('job_run')
    .values({ name: job.name, next_run_at: 0, last_run_at: null })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const claimed = await db
    .updateTable('job_run')
    .set({ next_run_at: job.next(now).getTime(), last_run_at: at })
    .where('name', '=', job.name)
    .where('next_run_at', '<=', at)
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) === 1;
}

export interface JobOutcome {
  name: string;
  ok: boolean;
  result?: unknown;
  error?: unknown;
}

/** Claims and runs every due job, one after the other; returns what ran. A failing job does not stop the others. */
export async function runDueJobs(db: DB, jobs: readonly Job[], now: Date): Promise<JobOutcome[]> {
  const outcomes: JobOutcome[] = [];
  for (const job of jobs) {
    if (!(await claimJob(db, job, now))) continue;
    try {
      outcomes.push({ name: job.name, ok: true, result: await job.run(db, now) });
    } catch (error) {
      outcomes.push({ name: job.name, ok: false, error });
    }
  }
  return outcomes;
}

/** How often the server looks for due jobs (a job's own period is usually much longer). */
export const SCHEDULER_TICK_MS = 60_000;

export interface SchedulerOptions {
  /** The clock (injected in tests). */
  now?: () => Date;
  /** Calls `tick` periodically; returns how to stop (injected in tests). */
  schedule?: Schedule;
  /** Where outcomes are reported (default: a line on the console for failures and for work done). */
  report?: (outcome: JobOutcome) => void;
}

export interface Scheduler {
  /** The run at start: resolves once it is done (the server waits for it before listening). */
  started: Promise<JobOutcome[]>;
  /** Runs what is due now (what each tick does); resolves when done. */
  runOnce(): Promise<JobOutcome[]>;
  /** Stops the ticks and waits for a run in progress. */
  stop(): Promise<void>;
}

function defaultReport({ name, ok, result, error }: JobOutcome): void {
  if (!ok) console.error(`job ${name} failed:`, error instanceof Error ? error.message : error);
  else if (typeof result === 'number' && result > 0) console.log(`job ${name}: ${result} deleted`);
}

/** Starts the scheduler: a run now, then one at every tick. Runs never overlap. */
export function startScheduler(
  db: DB,
  jobs: readonly Job[],
  { now = () => new Date(), schedule = everyInterval(SCHEDULER_TICK_MS), report = defaultReport }: SchedulerOptions = {},
): Scheduler {
  const names = new Set<string>();
  for (const job of jobs) {
    if (names.has(job.name)) throw new Error(`two jobs are named ${job.name}`);
    names.add(job.name);
  }
  const worker = startWorker<JobOutcome[]>(
    () =>
      runDueJobs(db, jobs, now())
        .then((outcomes) => {
          outcomes.forEach(report);
          return outcomes;
        })
        .catch((error: unknown) => {
          // The claim itself failed (the database is busy or gone): tried again at the next tick.
          console.error('scheduler:', error instanceof Error ? error.message : error);
          return [];
        }),
    schedule,
    [],
  );
  return { started: worker.runOnce(), ...worker };
}
