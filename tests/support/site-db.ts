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
