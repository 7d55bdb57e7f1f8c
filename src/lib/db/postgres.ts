import pg from 'pg';
import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import type { Database } from './schema.ts';
import { redactUrl } from './target.ts';

/** Pool size and statement timeout when DATABASE_POOL_SIZE / DATABASE_STATEMENT_TIMEOUT_MS are unset. */
export const POSTGRES_DEFAULTS = { poolSize: 10, statementTimeoutMs: 30_000 };

/** How long a new connection may take before the attempt fails (an unreachable server). */
const CONNECT_TIMEOUT_MS = 10_000;

// PostgreSQL's int8 (bigint, count(*)) and numeric (sum() of a bigint) arrive as strings,
// since they can exceed 2^53. The values stored here are epoch milliseconds, ids and counts,
// all far below it: they are read back as numbers, as SQLite gives them.
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/** The pool of each Kysely instance openPostgres made (for executePreparedOnPostgres). */
const pools = new WeakMap<Kysely<Database>, pg.Pool>();

export interface PostgresConnection {
  db: Kysely<Database>;
  pool: pg.Pool;
}

/** A pool on `url` (nothing connects until the first query) with the settings every connection has. */
export function openPostgres(
  url: string,
  { poolSize = POSTGRES_DEFAULTS.poolSize, statementTimeoutMs = POSTGRES_DEFAULTS.statementTimeoutMs } = {},
): PostgresConnection {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'customertrackr',
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
    types,
  });
  // An idle connection that the server drops (a restart, a terminated backend) is reported
  // here; without a listener it would crash the process. The pool replaces it on next use.
  pool.on('error', (error) => {
    console.error(`customertrackr: database connection to ${redactUrl(url)} lost: ${error.message}`);
  });
  // A connection in use (checked out, between two statements of a transaction, say) that the
  // server drops emits 'error' on its client too, and pg-pool listens only while a client is
  // idle: unheard, that error would end the process. The statement in flight fails with it,
  // the next one with "not queryable" (both isDatabaseUnavailable), and the pool discards the
  // client when it comes back; the pool's listener above logs it if it was idle.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return { pool, db };
}

/**
 * Runs `query` as the prepared statement `name` on a connection of the pool of `db`: each
 * connection parses and plans it the first time, then only binds and runs it (pg keeps the
 * names each connection has prepared). Kysely sends every statement unnamed, parsed and
 * planned anew each time. Resolves with undefined when `db` is not one openPostgres made.
 */
export async function executePreparedOnPostgres<R>(db: Kysely<Database>, name: string, query: CompiledQuery<R>): Promise<R[] | undefined> {
  const pool = pools.get(db);
  if (!pool) return undefined;
  const client = await pool.connect();
  try {
    // A connection the server dropped is discarded by the pool on release (not queryable).
    const result = await client.query<R & pg.QueryResultRow>({ name, text: query.sql, values: [...query.parameters] });
    return result.rows;
  } finally {
    client.release();
  }
}

interface PgError {
  code?: unknown;
  constraint?: unknown;
  table?: unknown;
  detail?: unknown;
}

/** SQLSTATE 23505 (unique_violation), with the table and columns PostgreSQL names in its detail. */
export function postgresUniqueViolation(error: object): { columns: string | undefined } | undefined {
  const { code, table, detail } = error as PgError;
  if (code !== '23505') return undefined;
  // detail: 'Key (email_normalized)=(…) already exists.'
  const match = typeof detail === 'string' ? /^Key \(([^)]*)\)=/.exec(detail) : null;
  if (!match || typeof table !== 'string') return { columns: undefined };
  const columns = match[1]!
    .split(',')
    .map((c) => `${table}.${c.trim().replace(/^"|"$/g, '')}`)
    .join(', ');
  return { columns };
}

/** Node's socket errors for a server that cannot be reached, or that went away mid-conversation. */
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * SQLSTATEs of a server that cannot serve just now: shutting down, starting up, in recovery,
 * out of connections, or read-only (the writes wait for a primary, as SQLite's read-only file
 * does). A missing privilege (42501) is not among them: that is a misconfiguration. (Class 08, connection exceptions, is matched by its prefix.)
 */
const UNAVAILABLE_STATES = new Set([
  '57P01', // admin_shutdown: a fast or smart shutdown ended the session
  '57P02', // crash_shutdown: another backend crashed, the server restarts
  '57P03', // cannot_connect_now: starting up, shutting down, in recovery
  '53300', // too_many_connections
  '25006', // read_only_sql_transaction: a standby, or a role or database set read-only for maintenance
]);

/**
 * What pg and pg-pool say, without a code, when the connection is lost or cannot be made in
 * time (lib/client.js, pg-pool/index.js): a server that went away, or one that does not answer.
 */
const UNAVAILABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|timeout expired|Client has encountered a connection error and is not queryable)/;

/**
 * SQLSTATEs of a transaction the server ended to let another go on: a deadlock it broke, or a
 * serializable transaction that lost a race. Nothing of it was kept; run again, it succeeds.
 */
const CONFLICT_STATES = new Set(['40P01', '40001']);

/** Whether `error` is PostgreSQL ending a transaction in a conflict with another (CONFLICT_STATES). */
export function isPostgresConflict(error: object): boolean {
  return CONFLICT_STATES.has((error as PgError).code as string);
}

/**
 * Whether `error` (one error, without its causes: errors.ts walks those) says the PostgreSQL
 * server cannot be reached or cannot serve just now, as opposed to a problem with the query.
 */
export function isPostgresUnavailable(error: object): boolean {
  const { code } = error as PgError;
  if (typeof code === 'string' && (SOCKET_ERRORS.has(code) || UNAVAILABLE_STATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}
