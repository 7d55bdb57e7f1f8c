import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Messages written to MAIL_OUTBOX_DIR (no SMTP server) are copies of what was sent: addresses,
 * names, single-use links. They are kept MAIL_OUTBOX_RETENTION_DAYS days, then deleted, so an
 * erased account's address does not live on in the outbox.
 */

const DAY_MS = 24 * 60 * 60_000;
/** How often the server looks for old messages. */
export const OUTBOX_SWEEP_INTERVAL_MS = 60 * 60_000;

/**
 * Deletes the `.eml` files in `dir` last written `retentionDays` days or more before `now`;
 * returns how many. Other files are left alone; a missing folder holds nothing to delete.
 */
export function pruneOutbox(dir: string, retentionDays: number, now: Date): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const cutoff = now.getTime() - retentionDays * DAY_MS;
  let deleted = 0;
  for (const name of names) {
    if (!name.endsWith('.eml')) continue;
    const file = join(dir, name);
    try {
      const stat = statSync(file);
      if (!stat.isFile() || stat.mtimeMs > cutoff) continue;
      rmSync(file, { force: true });
      deleted++;
    } catch (error) {
      // Gone meanwhile (another sweep): nothing to do.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return deleted;
}

export interface OutboxRetentionOptions {
  dir: string;
  retentionDays: number;
  /** The clock (injected in tests). */
  now?: () => Date;
  /** Starts the periodic sweep; returns how to stop it (injected in tests). */
  every?: (run: () => void, intervalMs: number) => () => void;
}

function everyInterval(run: () => void, intervalMs: number): () => void {
  const timer = setInterval(run, intervalMs);
  timer.unref(); // never keeps the process alive
  return () => clearInterval(timer);
}

/**
 * The server's periodic outbox sweep: once now, then every OUTBOX_SWEEP_INTERVAL_MS. A failed
 * sweep is logged and tried again at the next one. Returns a function that stops it.
 */
export function startOutboxRetention({ dir, retentionDays, now = () => new Date(), every = everyInterval }: OutboxRetentionOptions): () => void {
  const sweep = () => {
    try {
      const deleted = pruneOutbox(dir, retentionDays, now());
      if (deleted > 0) console.log(`mail: deleted ${deleted} message${deleted === 1 ? '' : 's'} older than ${retentionDays} days from the outbox`);
    } catch (error) {
      console.error('mail: the outbox could not be cleaned:', error instanceof Error ? error.message : error);
    }
  };
  sweep();
  return every(sweep, OUTBOX_SWEEP_INTERVAL_MS);
}
