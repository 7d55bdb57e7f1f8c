import SQLite from 'better-sqlite3';

/**
 * Operations on a database file outside the running site's connection: the backup command
 * and the fault tests use them. They live here because only src/lib/db knows the driver.
 */

/** A consistent copy of the live database (SQLite's online backup), safe while the server writes. */
export async function backupDatabase(source: string, destination: string): Promise<{ totalPages: number }> {
  const sqlite = new SQLite(source, { readonly: true, fileMustExist: true });
  try {
    sqlite.pragma('busy_timeout = 5000');
    const { totalPages } = await sqlite.backup(destination);
    return { totalPages };
  } finally {
    sqlite.close();
  }
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

/** Every row of every table, as text: two equal snapshots mean nothing stored has changed. */
export function snapshotTables(path: string): string {
  const sqlite = new SQLite(path, { readonly: true });
  try {
    const tables = sqlite
      .prepare("select name from sqlite_schema where type = 'table' and name not like 'sqlite_%' order by name")
      .all() as {
      name: string;
    }[];
    return tables
      .map(({ name }) => `${name}:${JSON.stringify(sqlite.prepare(`select * from "${name.replaceAll('"', '""')}"`).all())}`)
      .join('\n');
  } finally {
    sqlite.close();
  }
}
