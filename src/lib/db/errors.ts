/**
 * Database errors as domain code needs to see them, whatever the dialect: a violated unique
 * constraint is an outcome ("that address already has an account"), not a failure. Only this
 * folder knows how each driver reports one.
 */
import { postgresUniqueViolation } from './postgres.ts';

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
