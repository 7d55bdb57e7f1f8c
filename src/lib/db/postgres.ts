import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
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
  return { pool, db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }) };
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

/** Whether `error` is one the server gives while it cannot serve (down, restarting, out of connections). */
export function isPostgresUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as PgError).code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === '57P01' || // admin_shutdown
    code === '57P02' ||
    code === '57P03' || // cannot_connect_now
    code === '53300' // too_many_connections
  );
}
