import { sql, type Kysely, type RawBuilder } from 'kysely';
import { Migrator, type MigrationResultSet } from 'kysely/migration';
import { migrations } from '../../../db/migrations/index.ts';
import { config, type Config } from '../config/index.ts';
import { dialectOf } from './dialect.ts';
import { migrationsFor, SqliteSchemaOnPostgres, type AnyKysely } from './migrations.ts';
import { executePreparedOnPostgres, openPostgres } from './postgres.ts';
import type { Database } from './schema.ts';
import { BUSY_TIMEOUT_MS, openSqlite } from './sqlite.ts';
import { describeTarget, targetOf, type DatabaseTarget, type Dialect } from './target.ts';

export type { Database } from './schema.ts';
export type { DatabaseTarget, Dialect } from './target.ts';
export { describeTarget, isPostgresUrl, redactUrl, targetOf } from './target.ts';
export { isDatabaseUnavailable, isTransactionConflict, isUniqueViolation } from './errors.ts';
export { snapshotTransaction, writeTransaction } from './transactions.ts';
export { sharedRead } from './shared-reads.ts';
export { dialectOf } from './dialect.ts';
export { describeSchema, type Schema, type SchemaColumn, type SchemaObject, type SchemaTable } from './introspection.ts';
export type DB = Kysely<Database>;

/**
 * The site's database, on either dialect (docs/decisions/0021-postgresql.md). Only this folder
 * knows which one it is: domain code gets `db` (Kysely) and nothing else, never a driver handle.
 */
export interface OpenDatabase {
  db: DB;
  dialect: Dialect;
  /** Where it is, for messages: the SQLite file's path, or the PostgreSQL URL without its password. */
  path: string;
  close(): Promise<void>;
}

export class DatabaseError extends Error {
  override name = 'DatabaseError';
  /** The setting to fix: DATABASE_PATH or DATABASE_URL. */
  readonly variable: 'DATABASE_PATH' | 'DATABASE_URL';

  constructor(dialect: Dialect, message: string) {
    super(message);
    this.variable = dialect === 'postgres' ? 'DATABASE_URL' : 'DATABASE_PATH';
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message || String((error as { code?: unknown }).code ?? error.name);
  return String(error);
}

/**
 * Whether one statement can write to several tables: PostgreSQL's data-modifying `WITH`
 * (each part sees what the others returned, and the statement commits or fails whole).
 * SQLite has no such statement. Where a write spans tables, it saves the round trips of a
 * transaction of several statements, which on a busy server cost more than the work itself.
 */
export function writesSeveralTablesInOneStatement(db: DB): boolean {
  return dialectOf(db) === 'postgres';
}

/**
 * Runs `query`, a statement whose text never changes (its values are parameters), as the
 * prepared statement `name` on PostgreSQL: parsed and planned once per connection, then only
 * bound and run. For a large statement on a hot path, parsing and planning cost more than
 * running it (the view counter's batch: ~2.7 ms unprepared, ~1.9 ms prepared, on an idle
 * machine). On SQLite it simply runs it. It takes a connection of its own: never inside a
 * transaction.
 */
export async function executePrepared<R>(db: DB, name: string, query: RawBuilder<R>): Promise<R[]> {
  if (db.isTransaction) throw new Error('executePrepared takes a connection of its own: not inside a transaction');
  const compiled = query.compile(db);
  return (await executePreparedOnPostgres(db, name, compiled)) ?? (await db.executeQuery(compiled)).rows;
}

/**
 * Opens the database at `where` (a SQLite path, a `postgres://` URL, or a target with pool
 * settings). SQLite is opened and checked at once (it throws a DatabaseError if it cannot be
 * written); PostgreSQL connects on first use: `connectDatabase` also checks that it answers.
 */
export function openDatabase(where: string | DatabaseTarget): OpenDatabase {
  const target = targetOf(where);
  const path = describeTarget(target);
  if (target.dialect === 'postgres') {
    const { db } = openPostgres(target.url, target);
    return { db, dialect: 'postgres', path, close: once(() => db.destroy()) };
  }
  let opened;
  try {
    opened = openSqlite(target.path, { readOnly: target.readOnly });
  } catch (error) {
    throw new DatabaseError('sqlite', `cannot open the database at ${target.path}: ${reasonOf(error)}`);
  }
  // Closing Kysely closes the better-sqlite3 connection too.
  return { db: opened.db, dialect: 'sqlite', path, close: once(() => opened.db.destroy()) };
}

function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}

/** Opens the database and checks that it answers: a DatabaseError says why not, without a password. */
export async function connectDatabase(where: string | DatabaseTarget): Promise<OpenDatabase> {
  const target = targetOf(where);
  const opened = openDatabase(target);
  try {
    await sql`select 1`.execute(opened.db);
  } catch (error) {
    await opened.close().catch(() => {});
    throw new DatabaseError(target.dialect, `cannot connect to ${describeTarget(target)}: ${reasonOf(error)}`);
  }
  return opened;
}

/** The database the configuration names: DATABASE_URL when set, else the SQLite file at DATABASE_PATH. */
export function configuredTarget(from: Config = config()): DatabaseTarget {
  if (from.databaseUrl === undefined) return { dialect: 'sqlite', path: from.databasePath };
  return {
    dialect: 'postgres',
    url: from.databaseUrl,
    poolSize: from.databasePoolSize,
    statementTimeoutMs: from.databaseStatementTimeoutMs,
  };
}

/** Applies every pending migration (each dialect's body); throws with the failing migration's name. */
export async function migrate(db: AnyKysely): Promise<MigrationResultSet> {
  const dialect = dialectOf(db);
  const migrator = new Migrator({
    db: dialect === 'postgres' ? db.withPlugin(new SqliteSchemaOnPostgres()) : db,
    provider: { getMigrations: async () => migrationsFor(dialect, migrations) },
  });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    throw new DatabaseError(dialect, `migration ${failed?.migrationName ?? '(unknown)'} failed: ${reason}`);
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
 * it after the erasing transaction has committed, never inside one.
 *
 * On PostgreSQL there is no equivalent to run here: WAL segments are recycled by the server's
 * own checkpoints, and dead tuples are reclaimed by vacuum (`vacuumErased`). It returns true.
 */
export async function checkpointWal(
  db: DB,
  { attempts = 20, wait = () => new Promise((r) => setTimeout(r, 50)) }: CheckpointOptions = {},
): Promise<boolean> {
  if (dialectOf(db) === 'postgres') return true;
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

/**
 * PostgreSQL: a plain VACUUM of `tables` once an erasure has committed
 * (docs/decisions/0025-erasure-on-postgresql.md). A deleted or updated row stays in the
 * table's pages as a dead tuple, and its key in every index, until vacuum removes them;
 * autovacuum would, but only once enough rows have died. This makes it now:
 *
 * - `index_cleanup on`: the index entries go too (by default PostgreSQL skips the index pass
 *   when few rows died, which after one erasure is always the case);
 * - `skip_locked`: a table another vacuum (or a schema change) holds is skipped rather than
 *   waited for, so an erasure never queues behind maintenance;
 * - never FULL: that rewrites the table under an exclusive lock, stopping every request that
 *   reads it.
 *
 * Dead tuples that an older transaction can still see stay until autovacuum's next pass. On
 * SQLite there is nothing to do (secure_delete and `checkpointWal` reach every byte): it
 * returns at once. Returns the tables it vacuumed. Run it after the erasing transaction has
 * committed: VACUUM cannot run inside one.
 */
export async function vacuumErased(db: DB, tables: readonly string[]): Promise<string[]> {
  if (dialectOf(db) !== 'postgres' || tables.length === 0) return [];
  if (db.isTransaction) throw new Error('vacuumErased runs after the erasing transaction has committed, never inside it');
  const unique = [...new Set(tables)];
  await sql`vacuum (index_cleanup on, skip_locked) ${sql.join(unique.map((t) => sql.table(t)))}`.execute(db);
  return unique;
}

/**
 * An expression that orders a table's rows by when they were inserted, for tables without an
 * id: SQLite's `rowid`; on PostgreSQL the inserting transaction's id (`xmin`), which grows
 * with each transaction (rows inserted in one transaction tie).
 */
export function insertionOrder(db: AnyKysely): RawBuilder<number> {
  return dialectOf(db) === 'postgres' ? sql<number>`(xmin::text::bigint)` : sql<number>`rowid`;
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
    const opened = await connectDatabase(configuredTarget());
    await migrate(opened.db);
    return opened;
  })();
  return registry[SHARED];
}

/** Makes `opened` the process's database (the server does this once it has migrated it). */
export function useDatabase(opened: OpenDatabase): void {
  (globalThis as Registry)[SHARED] = Promise.resolve(opened);
}
