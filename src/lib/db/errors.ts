/**
 * Database errors as domain code needs to see them, whatever the dialect: a violated unique
 * constraint is an outcome ("that address already has an account"), not a failure; a database
 * that cannot be reached or written just now is the site's answer 503, not a 500. Only this
 * folder knows how each driver reports them.
 */
import { isPostgresConflict, isPostgresUnavailable, postgresUniqueViolation } from './postgres.ts';

interface DriverError {
  code?: unknown;
  message?: unknown;
}

/**
 * Whether `error` is a unique-constraint violation; with `columns` (`table.column`, or several
 * joined by ", " as SQLite lists them), only one on exactly that constraint.
 */
export function isUniqueViolation(error: unknown, columns?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as DriverError;
  // better-sqlite3: SqliteError with the extended result code.
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    if (columns === undefined) return true;
    return typeof message === 'string' && message.replace(/^UNIQUE constraint failed: /, '') === columns;
  }
  // pg: SQLSTATE 23505, naming the table and the key's columns.
  const postgres = postgresUniqueViolation(error);
  if (postgres) return columns === undefined || postgres.columns === columns;
  return false;
}

/**
 * better-sqlite3's result codes (extended ones start with the primary's name) for a database
 * file that cannot be used just now: locked by another process past the busy timeout,
 * read-only or unwritable (a full disk, an I/O error: `chattr +i` gives SQLITE_IOERR_WRITE),
 * or gone. A constraint, a malformed statement or a corrupt file is not among them: those are
 * not cured by trying again.
 */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|READONLY|IOERR|FULL|CANTOPEN|PROTOCOL)(_|$)/;

/**
 * Whether `error` says the database is unavailable — PostgreSQL down, restarting, unreachable
 * or out of connections; SQLite's file locked, read-only or failing — rather than that a
 * statement is wrong. Requests that meet one answer 503 with Retry-After
 * (src/lib/http/unavailable.ts). Causes are followed (pg-pool wraps a connect timeout; Node
 * reports a refused connection to a name with several addresses as an AggregateError).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  // Bounded: a cause chain that loops, or a huge AggregateError, ends the walk.
  while (pending.length > 0 && seen.size < 16) {
    const next = pending.shift();
    if (typeof next !== 'object' || next === null || seen.has(next)) continue;
    seen.add(next);
    const { code } = next as DriverError;
    if (typeof code === 'string' && SQLITE_UNAVAILABLE.test(code)) return true;
    if (isPostgresUnavailable(next)) return true;
    const { cause, errors } = next as { cause?: unknown; errors?: unknown };
    pending.push(cause);
    if (Array.isArray(errors)) pending.push(...errors);
  }
  return false;
}

/**
 * Whether `error` says the database ended a transaction because it conflicted with another
 * one running at the same time (PostgreSQL breaking a deadlock, or a serialization failure):
 * nothing of it was kept, and the same transaction run again succeeds. SQLite runs one
 * writer at a time and reports a wait that took too long as unavailable instead.
 */
export function isTransactionConflict(error: unknown): boolean {
  return typeof error === 'object' && error !== null && isPostgresConflict(error);
}
