// The unit tests' databases, opened and migrated in one place (the running site's database,
// for the HTTP and browser tests, is opened by site-db.ts). Moving the tests to another
// database (PostgreSQL) means changing these two files, not the tests.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { migrate, openDatabase, type DB, type OpenDatabase } from '../../src/lib/db/index.ts';

export type { DB, OpenDatabase };

/**
 * A new database with every migration applied, for one test or one file (in memory, or at
 * `path` for a test that needs a second connection to it); the caller closes it.
 */
export async function openTestDatabase(path = ':memory:'): Promise<OpenDatabase> {
  const database = openDatabase(path);
  await migrate(database.db);
  return database;
}

export interface TestDatabaseOptions {
  /** 'test' (the default): a new database for every test; 'file': one for the whole file. */
  per?: 'test' | 'file';
  /** Rows every test starts with, written once the database is migrated. */
  seed?: (database: OpenDatabase) => Promise<unknown>;
}

/**
 * Registers the hooks that open a new migrated database before each test (or once for the
 * file) and close it after, and returns it. Call it at the top of a file or a describe block,
 * before the hooks that use the database: the handle reads the current test's database, so
 * `database.db` inside a test or a later hook is that test's.
 */
export function testDatabase(options: TestDatabaseOptions = {}): OpenDatabase {
  let current: OpenDatabase | undefined;
  const open = async () => {
    current = await openTestDatabase();
    await options.seed?.(current);
  };
  const close = async () => {
    await current?.close();
    current = undefined;
  };
  if (options.per === 'file') {
    beforeAll(open);
    afterAll(close);
  } else {
    beforeEach(open);
    afterEach(close);
  }
  const opened = (): OpenDatabase => {
    if (!current) throw new Error('the test database is open only inside a test and its hooks');
    return current;
  };
  return {
    get db() {
      return opened().db;
    },
    get sqlite() {
      return opened().sqlite;
    },
    get path() {
      return opened().path;
    },
    close: () => opened().close(),
  };
}
