import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { SqliteBooleans } from './booleans.ts';
import type { Database } from './schema.ts';
import { LockFirstSqliteDialect } from './transactions.ts';

/** How long a statement waits for another connection's lock before failing. */
export const BUSY_TIMEOUT_MS = 5000;

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
 * Opens (creating if needed) the SQLite file at `path` with the settings every connection must
 * have; throws the driver's error. With `readOnly`, an existing file is opened only to be read
 * (db:copy's source, which may be a file its user may not write): nothing is created and no
 * setting that writes is made, and SQLite refuses any write. SQLite still writes its shared
 * memory file (`-shm`) beside a database in WAL mode, so the folder must be writable.
 */
export function openSqlite(
  path: string,
  { readOnly = false }: { readOnly?: boolean } = {},
): { db: Kysely<Database>; sqlite: SQLite.Database } {
  if (path !== ':memory:' && !readOnly) ensureDirectory(dirname(path));
  const sqlite = readOnly ? new SQLite(path, { readonly: true, fileMustExist: true }) : new SQLite(path);
  try {
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!readOnly) {
      // WAL lets readers proceed while a write is in progress; NORMAL sync is durable across
      // process crashes (not power loss of the last transaction), the usual WAL pairing.
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('synchronous = NORMAL');
      // Erased personal data is overwritten, not left in free pages until they are reused.
      sqlite.pragma('secure_delete = ON');
      // A write test: opening succeeds on a read-only file, the first write would not.
      sqlite.exec('BEGIN IMMEDIATE; ROLLBACK;');
    }
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const db = new Kysely<Database>({
    dialect: new LockFirstSqliteDialect({ database: withStatementCache(sqlite) }),
    plugins: [new SqliteBooleans()],
  });
  return { db, sqlite };
}

/** Prepared statements kept per connection: more than the site's distinct queries, so its hot ones stay. */
export const STATEMENT_CACHE_SIZE = 200;
/**
 * Longer statements are not kept: multi-row inserts (a batch of view events, db:copy's
 * batches) differ in text with their row count, each holds up to a megabyte prepared, and
 * keeping them would push the short, hot lookups out.
 */
export const MAX_KEPT_SQL_LENGTH = 2000;

/**
 * The connection as Kysely's SQLite driver sees it, with its prepared statements kept for
 * reuse. The driver prepares every query it runs, and compiling SQL costs more than running a
 * point lookup (a server island's read, a session check): better-sqlite3's own advice is to
 * prepare once and run many times. At most STATEMENT_CACHE_SIZE, the least recently used
 * given up first, and none longer than MAX_KEPT_SQL_LENGTH: memory stays bounded. A statement
 * still being iterated (a streamed select) is `busy` and cannot run again until it is done:
 * another is prepared for the caller meanwhile. Statements are re-prepared by SQLite itself
 * after a migration changes the schema.
 */
export function withStatementCache(sqlite: SQLite.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SqliteStatement {
      const kept = statements.get(sql);
      if (kept && !kept.busy) {
        // Map keeps insertion order: moving it to the end makes the first key the least recently used.
        statements.delete(sql);
        statements.set(sql, kept);
        return kept;
      }
      const statement = sqlite.prepare(sql);
      if (sql.length > MAX_KEPT_SQL_LENGTH) return statement;
      statements.delete(sql);
      statements.set(sql, statement);
      if (statements.size > size) statements.delete(statements.keys().next().value!);
      return statement;
    },
  };
}
