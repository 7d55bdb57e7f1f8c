/**
 * Which database the site runs on: the SQLite file at DATABASE_PATH (the default, nothing to
 * install), or the PostgreSQL server named by DATABASE_URL (docs/decisions/0021-postgresql.md).
 */

export type Dialect = 'sqlite' | 'postgres';

export type DatabaseTarget =
  | {
      dialect: 'sqlite';
      path: string;
      /** Open an existing file only to read it (a copy's source): nothing is written to it. */
      readOnly?: boolean;
    }
  | {
      dialect: 'postgres';
      url: string;
      /** Connections the pool opens at most. */
      poolSize?: number;
      /** Milliseconds a statement may run before the server cancels it (0: no limit). */
      statementTimeoutMs?: number;
    };

/** A target from what a caller has: a `postgres://`/`postgresql://` URL, or a SQLite file path. */
export function targetOf(where: string | DatabaseTarget): DatabaseTarget {
  if (typeof where !== 'string') return where;
  return isPostgresUrl(where) ? { dialect: 'postgres', url: where } : { dialect: 'sqlite', path: where };
}

export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/** The URL with its password (and any password in the query) replaced: what may be printed or logged. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(an unreadable URL)';
  }
  if (parsed.password) parsed.password = '***';
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return parsed.toString();
}

/** Where the database is, for messages: the file path, or the URL without its password. */
export function describeTarget(target: DatabaseTarget): string {
  return target.dialect === 'sqlite' ? target.path : redactUrl(target.url);
}
