/**
 * A background worker in the server process: `run` at every tick of its own clock, never two
 * runs at once (a tick during a run joins it). Used by the job scheduler, the mail worker and
 * the password reset worker.
 */

/** Calls `tick` periodically; returns how to stop (tests inject their own). */
export type Schedule = (tick: () => void) => () => void;

/** Ticks every `ms` milliseconds, never keeping the process alive. */
export function everyInterval(ms: number): Schedule {
  return (tick) => {
    const timer = setInterval(tick, ms);
    timer.unref(); // never keeps the process alive
    return () => clearInterval(timer);
  };
}

export interface Worker<T> {
  /** Runs now, or joins the run in progress; resolves when done. */
  runOnce(): Promise<T>;
  /** Stops the ticks and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Starts the ticks. `run` must handle its own failures (a failed run is tried again at the next
 * tick); once stopped, runOnce resolves to `idle` without running.
 */
export function startWorker<T>(run: () => Promise<T>, schedule: Schedule, idle: T): Worker<T> {
  let running: Promise<T> | undefined;
  let stopped = false;
  const runOnce = (): Promise<T> => {
    if (stopped) return Promise.resolve(idle);
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };
  const cancel = schedule(() => void runOnce());
  return {
    runOnce,
    async stop() {
      stopped = true;
      cancel();
      await running;
    },
  };
}
