import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { OpenDatabase } from './index.ts';

/**
 * WAL checkpoints off the event loop.
 *
 * In WAL mode SQLite copies the log back into the database file (a checkpoint, with an
 * fsync) inside whichever commit takes the log past 1,000 pages: a request that happens to
 * commit then waits for the disk, and so does every request queued behind it on the event
 * loop. This moves that work to a worker thread with its own connection, which runs a
 * PASSIVE checkpoint (never blocks writers or readers) every `intervalMs`; the serving
 * connection's automatic checkpoints are turned off only once the worker runs, and turned
 * back on if it stops. Started once per connection; a file database only.
 */
const started = new WeakSet<OpenDatabase['sqlite']>();

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.path);
db.pragma('busy_timeout = 1000');
parentPort.postMessage('ready');
setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or interrupted: the next round catches up.
  }
}, workerData.intervalMs);
`;

export function checkpointInBackground(opened: Pick<OpenDatabase, 'sqlite' | 'path'>, intervalMs = 200): void {
  if (process.env.XX_NOWORKER) { opened.sqlite.pragma(`wal_autocheckpoint = ${process.env.XX_ACP ?? 1000}`); return; }
  if (opened.path === ':memory:' || started.has(opened.sqlite)) return;
  started.add(opened.sqlite);
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { driver, path: opened.path, intervalMs } });
  worker.unref(); // never keeps the process alive
  const restore = () => {
    try {
      if (opened.sqlite.open) opened.sqlite.pragma('wal_autocheckpoint = 1000');
    } catch {
      // The connection is closing.
    }
  };
  worker.once('message', () => {
    if (opened.sqlite.open) opened.sqlite.pragma(`wal_autocheckpoint = ${process.env.XX_ACP ?? 0}`);
  });
  worker.once('error', (error) => {
    console.error('database: background checkpoints stopped, back to automatic ones:', error);
    restore();
  });
  worker.once('exit', restore);
}
