import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type Transaction,
  type TransactionSettings,
} from 'kysely';
import type { SqliteDialectConfig } from 'kysely';
import type { DB } from './index.ts';
import type { Database } from './schema.ts';

/**
 * Transactions for rules that span rows (the last admin, one open deletion request, a
 * message queued with its change): the lock is taken first, before anything is read, so
 * that no other writer can change what the rule looked at before this one commits.
 *
 * SQLite: `BEGIN IMMEDIATE`, which takes the database's write lock at once (a plain `BEGIN`
 * takes it at the first write, after the reads that decided it, and in WAL mode a concurrent
 * commit in between makes that write fail with SQLITE_BUSY_SNAPSHOT). PostgreSQL, later: the
 * same function opens a transaction and takes a transaction-scoped advisory lock named by
 * `lock` (`pg_advisory_xact_lock(hashtext(lock))`) before calling `fn`. The knowledge of which
 * stays here, in src/lib/db.
 */

/**
 * SQLite's driver, with `BEGIN IMMEDIATE` for transactions opened with access mode
 * "read write" (what writeTransaction asks for); other transactions begin as before.
 */
class LockFirstSqliteDriver extends SqliteDriver implements Driver {
  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    if (settings?.accessMode === 'read write') await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    else await super.beginTransaction(connection);
  }
}

/** SqliteDialect with LockFirstSqliteDriver (openDatabase uses it). */
export class LockFirstSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new LockFirstSqliteDriver(this.#config);
  }
}

/**
 * Runs `fn` in a transaction that holds the write lock from its first statement, and commits
 * (or rolls back when `fn` throws). `lock` names what the rule protects (e.g. "admins"); it
 * documents the rule here and is the lock's key where locks are finer than the database.
 * Called with a transaction already open (`db.isTransaction`), `fn` joins it: the outermost
 * caller must then be a writeTransaction too.
 */
export async function writeTransaction<T>(db: DB, lock: string, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Transaction<Database>);
  void lock; // SQLite locks the whole database: every name is the same lock.
  return db.transaction().setAccessMode('read write').execute(fn);
}
