// PostgreSQL for the tests (`npm run test:postgres`, src/cli/test-postgres.ts): every test
// file, test or site gets a database of its own on the server named by TEST_DATABASE_URL,
// copied from a template that global-setup.ts migrated once. No test framework is imported
// here: the Vitest and Playwright tests both use it.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { migrate, openDatabase, type Dialect, type OpenDatabase } from '../../src/lib/db/index.ts';

/** The dialect the tests run on: PostgreSQL when TEST_DATABASE_URL names a server. */
export const dialect: Dialect = process.env.TEST_DATABASE_URL ? 'postgres' : 'sqlite';

/** The server's URL (a role that may create databases), from TEST_DATABASE_URL. */
function serverUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: these tests run on SQLite');
  return url;
}

/** `url` with its database replaced by `name`. */
export function databaseUrl(name: string, url = serverUrl()): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

let admin: OpenDatabase | undefined;
/** One small connection to the server's maintenance database, for CREATE/DROP DATABASE. */
function adminDatabase(): OpenDatabase {
  admin ??= openDatabase({ dialect: 'postgres', url: serverUrl(), poolSize: 2 });
  return admin;
}

/** Closes the maintenance connection (the end of a process that made databases). */
export async function closeAdmin(): Promise<void> {
  await admin?.close();
  admin = undefined;
}

export interface TestPostgresDatabase {
  name: string;
  url: string;
  /** Drops the database (and ends anything still connected to it). */
  drop(): Promise<void>;
}

/**
 * A new database on the test server: a copy of the migrated template when there is one
 * (TEST_DATABASE_TEMPLATE, made by global-setup.ts), else an empty one that `migrate`
 * brings up to date.
 */
export async function createTestPostgresDatabase({ migrated = true } = {}): Promise<TestPostgresDatabase> {
  const name = `ct_test_${randomBytes(6).toString('hex')}`;
  const template = migrated ? process.env.TEST_DATABASE_TEMPLATE : undefined;
  const { db } = adminDatabase();
  // file_copy: a copy of the template's files, much faster for a small database than the
  // default (which writes every page of it to the WAL).
  await sql`create database ${sql.id(name)} ${template ? sql`template ${sql.id(template)} strategy = file_copy` : sql``}`.execute(db);
  const url = databaseUrl(name);
  if (migrated && !template) {
    const opened = openDatabase(url);
    try {
      await migrate(opened.db);
    } finally {
      await opened.close();
    }
  }
  return {
    name,
    url,
    drop: async () => {
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(adminDatabase().db);
    },
  };
}

/** Makes the migrated template every test database is copied from; returns its name. */
export async function createTemplate(): Promise<string> {
  const created = await createTestPostgresDatabase({ migrated: false });
  const name = `ct_template_${created.name.slice('ct_test_'.length)}`;
  const opened = openDatabase(created.url);
  try {
    await migrate(opened.db);
  } finally {
    await opened.close();
  }
  await sql`alter database ${sql.id(created.name)} rename to ${sql.id(name)}`.execute(adminDatabase().db);
  return name;
}

/** Drops the template made by createTemplate. */
export async function dropTemplate(name: string): Promise<void> {
  await sql`drop database if exists ${sql.id(name)} with (force)`.execute(adminDatabase().db);
}
