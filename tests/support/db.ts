// The unit tests' databases, opened and migrated in one place (the running site's database,
// for the HTTP and browser tests, is opened by site-db.ts). The same tests run on SQLite
// (`npm test`) and on PostgreSQL (`npm run test:postgres`, which sets TEST_DATABASE_URL):
// this file and postgres.ts choose which, not the tests.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { migrate, openDatabase, type DB, type OpenDatabase } from '../../src/lib/db/index.ts';
import { createTestPostgresDatabase, dialect } from './postgres.ts';

export type { DB, OpenDatabase };
export { dialect };

/** A test database: what openDatabase gives, plus where it is (a SQLite path or a PostgreSQL URL), to open it a second time. */
export interface TestDatabase extends OpenDatabase {
  /** What openDatabase / openDatabaseAt take to open this database again (a second connection). */
  target: string;
}

/**
 * A new database with every migration applied, for one test or one file; the caller closes
 * it (on PostgreSQL, closing also drops it). On SQLite it is in memory, or at `path` for a
 * test that needs a second connection to it; on PostgreSQL it is a new database on the test
 * server, which `target` opens again.
 */
export async function openTestDatabase(path = ':memory:'): Promise<TestDatabase> {
  if (dialect === 'postgres') {
    const created = await createTestPostgresDatabase();
    const database = openDatabase(created.url);
    return {
      ...database,
      target: created.url,
      close: async () => {
        await database.close();
        await created.drop();
      },
    };
  }
  const database = openDatabase(path);
  await migrate(database.db);
  return { ...database, target: path };
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
export function testDatabase(options: TestDatabaseOptions = {}): TestDatabase {
  let current: TestDatabase | undefined;
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
  const opened = (): TestDatabase => {
    if (!current) throw new Error('the test database is open only inside a test and its hooks');
    return current;
  };
  return {
    get db() {
      return opened().db;
    },
    get dialect() {
      return opened().dialect;
    },
    get path() {
      return opened().path;
    },
    get target() {
      return opened().target;
    },
    close: () => opened().close(),
  };
}
