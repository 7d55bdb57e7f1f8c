import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type Transaction,
  type TransactionSettings,
} from 'kysely';
import { sql, type SqliteDialectConfig } from 'kysely';
import { dialectOf } from './dialect.ts';
import type { DB } from './index.ts';
import type { Database } from './schema.ts';

/**
 * Transactions for rules that span rows (the last admin, one open deletion request, a
 * message queued with its change): the lock is taken first, before anything is read, so
 * that no other writer can change what the rule looked at before this one commits.
 *
 * SQLite: `BEGIN IMMEDIATE`, which takes the database's write lock at once (a plain `BEGIN`
 * takes it at the first write, after the reads that decided it, and in WAL mode a concurrent
 * commit in between makes that write fail with SQLITE_BUSY_SNAPSHOT). PostgreSQL: a
 * transaction-scoped advisory lock named by `lock` (`pg_advisory_xact_lock(hashtext(lock))`),
 * taken as the transaction's first statement; writers of other rules do not wait for it. The
 * knowledge of which stays here, in src/lib/db.
 */

/**
 * SQLite's driver, with `BEGIN IMMEDIATE` for every transaction but those opened with access
 * mode "read only". A plain `BEGIN` that reads and then writes fails at its first write, at
 * once and without waiting out the busy timeout, when another connection to the file (a CLI
 * command beside the server, a second process) committed after its first read
 * (SQLITE_BUSY_SNAPSHOT: "database is locked"). Taking the write lock first waits instead.
 * Within one process it costs nothing: Kysely runs one SQLite connection, one transaction at
 * a time. A read-only transaction begins deferred, so it does not hold up writers.
 */
class LockFirstSqliteDriver extends SqliteDriver implements Driver {
  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    if (settings?.accessMode === 'read only') await super.beginTransaction(connection);
    else await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  /**
   * SQLite rolls a transaction back by itself after some errors (a full disk, an I/O error, a
   * busy lock: sqlite.org/lang_transaction.html, "Response To Errors Within A Transaction").
   * Kysely's ROLLBACK then fails with "no transaction is active", and Kysely would throw that
   * instead of the error that ended the transaction, which says what happened (and whether the
   * site should answer 503: errors.ts).
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } catch (error) {
      if (error instanceof Error && /no transaction is active/.test(error.message)) return;
      throw error;
    }
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
 * Runs `fn` in a transaction that holds the rule's lock from its first statement, and commits
 * (or rolls back when `fn` throws). `lock` names what the rule protects (e.g. "admins"): on
 * PostgreSQL it is the advisory lock's key, so every writer of one rule must use the same
 * name, and a transaction that decides by two rules names both (they are taken in one order,
 * so two such transactions cannot deadlock). Called with a transaction already open
 * (`db.isTransaction`), `fn` joins it: the outermost caller must then be a writeTransaction too.
 */
export async function writeTransaction<T>(
  db: DB,
  lock: string | readonly string[],
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  const locks = [...new Set(typeof lock === 'string' ? [lock] : lock)].sort();
  const takeLocks = async (trx: DB) => {
    for (const name of locks) await sql`select pg_advisory_xact_lock(hashtext(${name}))`.execute(trx);
  };
  if (db.isTransaction) {
    // Joining: on PostgreSQL these locks are taken too (a no-op for one already held).
    if (dialectOf(db) === 'postgres') await takeLocks(db);
    return fn(db as Transaction<Database>);
  }
  if (dialectOf(db) === 'sqlite') return db.transaction().setAccessMode('read write').execute(fn); // one lock: the database's
  return db.transaction().execute(async (trx) => {
    await takeLocks(trx);
    return fn(trx);
  });
}

/**
 * Runs `fn` in a read-only transaction that sees one snapshot of the database, for a read that
 * must be consistent across tables (an account's export, db:copy's source). SQLite: a deferred
 * `BEGIN` (LockFirstSqliteDriver), which holds up no writer and whose snapshot starts at its
 * first read. PostgreSQL: repeatable read, as its default, read committed, gives each
 * statement its own snapshot; a write in it is refused.
 */
export function snapshotTransaction<T>(db: DB, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.transaction().setAccessMode('read only').setIsolationLevel('repeatable read').execute(fn);
}
