import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { describeSchema, openDatabase } from './index.ts';
import { writePrivateFile } from './private-file.ts';

/**
 * Operations on a database file outside the running site's connection: the backup command
 * and the fault tests use them. They live here because only src/lib/db knows the driver.
 */

/**
 * A consistent copy of the live database (SQLite's online backup), safe while the server
 * writes, into `destination`, which must not exist: whole or absent, and readable by its
 * owner only, like pg_dump's (writePrivateFile).
 */
export async function backupDatabase(source: string, destination: string): Promise<{ totalPages: number }> {
  let totalPages = 0;
  await writePrivateFile(destination, async (partial) => {
    const sqlite = new SQLite(source, { readonly: true, fileMustExist: true });
    try {
      sqlite.pragma('busy_timeout = 5000');
      // SQLite writes into an empty file as into a new database, and keeps its mode.
      ({ totalPages } = await sqlite.backup(partial));
    } finally {
      sqlite.close();
    }
  });
  return { totalPages };
}

/** `PRAGMA integrity_check`: 'ok', or the first problem SQLite found. */
export function integrityCheck(path: string): string {
  const sqlite = new SQLite(path, { fileMustExist: true });
  try {
    return String(sqlite.pragma('integrity_check', { simple: true }));
  } finally {
    sqlite.close();
  }
}

/**
 * Every row of every table, as text, on either dialect: two equal snapshots mean nothing
 * stored has changed. Rows are sorted by their text, so that the order a dialect happens to
 * return them in does not count as a change.
 */
export async function snapshotTables(where: string): Promise<string> {
  const opened = openDatabase(where);
  try {
    const { tables } = await describeSchema(opened.db);
    const lines: string[] = [];
    for (const { name } of tables.toSorted((a, b) => a.name.localeCompare(b.name))) {
      const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(opened.db);
      lines.push(
        `${name}:${rows
          .map((row) => JSON.stringify(row))
          .sort()
          .join('\n')}`,
      );
    }
    return lines.join('\n');
  } finally {
    await opened.close();
  }
}
