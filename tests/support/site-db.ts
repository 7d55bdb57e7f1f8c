// The running site's database (the HTTP tests' temporary site, or the e2e server's), opened
// next to the server, which shares the SQLite file in WAL mode. No test framework is imported
// here: the Vitest and the Playwright tests both use it.
import { openDatabase, type DB, type OpenDatabase } from '../../src/lib/db/index.ts';

export type { DB, OpenDatabase };

/** Where a running site keeps its database: the path, or anything with a `databasePath`. */
export type DatabaseAt = string | { databasePath: string };

/** Opens the database at `at` (a running site's, shared in WAL mode): the caller closes it. */
export function openDatabaseAt(at: DatabaseAt): OpenDatabase {
  return openDatabase(typeof at === 'string' ? at : at.databasePath);
}

/** Runs `fn` with the database at `at` (read or write), then closes it. */
export async function withDatabase<T>(at: DatabaseAt, fn: (db: DB, database: OpenDatabase) => Promise<T> | T): Promise<T> {
  const database = openDatabaseAt(at);
  try {
    return await fn(database.db, database);
  } finally {
    await database.close();
  }
}

/** Empties the running site's rate-limit counters, so a test starts with every allowance. */
export function clearRateLimits(at: DatabaseAt): Promise<unknown> {
  return withDatabase(at, (db) => db.deleteFrom('rate_limit').execute());
}

/**
 * Waits until the running site's mail worker has handled every message that is due: the
 * outbox table (src/lib/mail) holds no pending message whose attempt time has come. Bounded:
 * throws after `timeoutMs`. Mail is sent by the server's worker after the request that queued
 * it, so tests that read the site's outbox folder call this first.
 */
export async function waitForMailDelivered(at: DatabaseAt, timeoutMs = 20_000): Promise<void> {
  await withDatabase(at, async (db) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { n } = await db
        .selectFrom('mail_outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', Date.now())
        .executeTakeFirstOrThrow();
      if (Number(n) === 0) return;
      if (Date.now() > deadline) throw new Error(`${n} messages still waiting in the site's mail outbox`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
}
