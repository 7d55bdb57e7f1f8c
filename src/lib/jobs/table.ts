/**
 * The scheduler's claims (migration 0010): one row per job, with the start of its next period.
 * A process runs a job only after moving `next_run_at` on with one conditional UPDATE, so with
 * several processes on one database each period of a job runs once.
 */
export interface JobRunTable {
  name: string;
  /** Epoch ms: the job is due once the clock reaches this. */
  next_run_at: number;
  /** Epoch ms of the last claim (null: never run). */
  last_run_at: number | null;
}
