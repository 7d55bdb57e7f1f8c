import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { Migrator, type MigrationResultSet } from 'kysely/migration';
import { migrations } from '../../../db/migrations/index.ts';
import { config } from '../config/index.ts';
import type { Database } from './schema.ts';
import { LockFirstSqliteDialect } from './transactions.ts';

export type { Database } from './schema.ts';
export { isUniqueViolation } from './errors.ts';
export { writeTransaction } from './transactions.ts';
export type DB = Kysely<Database>;
/** A prepared statement on the SQLite connection, for the few hot paths that bypass Kysely. */
export type SqliteStatement<P extends unknown[], R> = SQLite.Statement<P, R>;

export interface OpenDatabase {
  db: DB;
  /** The underlying connection, for what Kysely does not cover (backup, pragmas). */
  sqlite: SQLite.Database;
  path: string;
  close(): Promise<void>;
}

/** How long a statement waits for another connection's lock before failing. */
const BUSY_TIMEOUT_MS = 5000;

export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

/**
 * Creates `dir` and its missing parents one level at a time. (Node's own recursive mkdir
 * spins forever on some read-only file systems such as /proc instead of failing.)
 */
function ensureDirectory(dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a folder`);
    return;
  }
  const parent = dirname(dir);
  if (parent !== dir) ensureDirectory(parent);
  mkdirSync(dir);
}

/**
 * Opens (creating if needed) the SQLite file at `path` with the settings every connection
 * must have. The dialect is chosen here and nowhere else: moving to PostgreSQL means
 * replacing this function with one that builds a `PostgresDialect`.
 */
export function openDatabase(path: string): OpenDatabase {
  let sqlite: SQLite.Database;
  try {
    if (path !== ':memory:') ensureDirectory(dirname(path));
    sqlite = new SQLite(path);
    // WAL lets readers proceed while a write is in progress; NORMAL sync is durable across
    // process crashes (not power loss of the last transaction), the usual WAL pairing.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Erased personal data is overwritten, not left in free pages until they are reused.
    sqlite.pragma('secure_delete = ON');
    // A write test: opening succeeds on a read-only file, the first write would not.
    sqlite.exec('BEGIN IMMEDIATE; ROLLBACK;');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseError(`cannot open the database at ${path}: ${reason}`);
  }
  const db = new Kysely<Database>({ dialect: new LockFirstSqliteDialect({ database: sqlite }) });
  let closed = false;
  return {
    db,
    sqlite,
    path,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy(); // closes the better-sqlite3 connection too
    },
  };
}

/** Applies every pending migration; throws with the failing migration's name. */
// Migrations see the database as it was when they were written, not today's typed schema.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function migrate(db: Kysely<any>): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    throw new DatabaseError(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${reason}`);
  }
  return result;
}

export interface CheckpointOptions {
  /** Tries before giving up (each waits at most CHECKPOINT_BUSY_MS for other connections). */
  attempts?: number;
  /** Pause between tries; injectable for tests. */
  wait?: () => Promise<void>;
}

const CHECKPOINT_BUSY_MS = 100;

/**
 * Moves everything in the write-ahead log into the main file and empties the log (SQLite's
 * `wal_checkpoint(TRUNCATE)`), so that erased data is not left in old WAL frames. Together
 * with `secure_delete` (set by openDatabase: deleted content is overwritten with zeros, in
 * the pages of the main file too), nothing of an erased row stays in the database's files.
 *
 * A checkpoint cannot finish while another connection reads an older snapshot or writes; it
 * is retried (`attempts`, with a short wait between) and returns whether it succeeded. Call
 * it after the erasing transaction has committed, never inside one. (With another database,
 * this is where its equivalent would go: it is the one place that knows the dialect.)
 */
export async function checkpointWal(
  db: DB,
  { attempts = 20, wait = () => new Promise((r) => setTimeout(r, 50)) }: CheckpointOptions = {},
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    // The connection is held for the three statements, so no other query runs with the short
    // busy timeout (which keeps the synchronous driver from blocking the process for long).
    const done = await db.connection().execute(async (connection) => {
      await sql.raw(`pragma busy_timeout = ${CHECKPOINT_BUSY_MS}`).execute(connection);
      try {
        const { rows } = await sql<{ busy: number; log: number; checkpointed: number }>`pragma wal_checkpoint(TRUNCATE)`.execute(
          connection,
        );
        return rows[0]?.busy === 0;
      } catch (error) {
        if (
          error instanceof Error &&
          /SQLITE_BUSY|SQLITE_LOCKED|database is locked/i.test(`${(error as { code?: string }).code ?? ''} ${error.message}`)
        )
          return false;
        throw error;
      } finally {
        await sql.raw(`pragma busy_timeout = ${BUSY_TIMEOUT_MS}`).execute(connection);
      }
    });
    if (done) return true;
    if (attempt >= attempts) return false;
    await wait();
  }
}

/** True when the database answers a query. */
export async function isReachable(db: DB): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

// One connection per process, shared by the project's server and the Astro bundle (which
// carries its own copy of this module): the registry on globalThis is what they have in common.
const SHARED = Symbol.for('customertrackr.database');
type Registry = { [SHARED]?: Promise<OpenDatabase> };

/**
 * The process's database, opened and migrated on first use. The server calls
 * `useDatabase` at start; pages, islands and actions call `database()`.
 */
export function database(): Promise<OpenDatabase> {
  const registry = globalThis as Registry;
  registry[SHARED] ??= (async () => {
    const opened = openDatabase(config().databasePath);
    await migrate(opened.db);
    return opened;
  })();
  return registry[SHARED];
}

/** Makes `opened` the process's database (the server does this once it has migrated it). */
export function useDatabase(opened: OpenDatabase): void {
  (globalThis as Registry)[SHARED] = Promise.resolve(opened);
}
