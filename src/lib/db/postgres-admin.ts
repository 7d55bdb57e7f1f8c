/**
 * Server administration for tools that run a site on a PostgreSQL server they control (the
 * fault tests, the benchmark): a role and database of the site's own, as an operator would
 * make them, and that role made read-only and writable again. Only this folder speaks SQL to
 * a server's roles.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase } from './index.ts';

async function asAdmin<T>(adminUrl: string, run: (db: ReturnType<typeof openDatabase>['db']) => Promise<T>): Promise<T> {
  const admin = openDatabase({ dialect: 'postgres', url: adminUrl, poolSize: 1 });
  try {
    return await run(admin.db);
  } finally {
    await admin.close();
  }
}

/**
 * Creates the login role `name` (not a superuser: what the site gets in production) and a
 * database of the same name that it owns, on the server `adminUrl` reaches as a superuser.
 * Returns the site's URL: the role's own credentials on its database.
 */
export async function createAppDatabase(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain PostgreSQL name: ${name}`);
  // base64url: nothing in it needs quoting inside a literal.
  const password = randomBytes(18).toString('base64url');
  await asAdmin(adminUrl, async (db) => {
    await sql`create role ${sql.id(name)} login password ${sql.lit(password)}`.execute(db);
    await sql`create database ${sql.id(name)} owner ${sql.id(name)}`.execute(db);
  });
  const url = new URL(adminUrl);
  url.username = name;
  url.password = password;
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops what createAppDatabase made (ending its sessions). */
export async function dropAppDatabase(adminUrl: string, name: string): Promise<void> {
  await asAdmin(adminUrl, async (db) => {
    await sql`drop database if exists ${sql.id(name)} with (force)`.execute(db);
    await sql`drop role if exists ${sql.id(name)}`.execute(db);
  });
}

/**
 * Makes every transaction of `role` read-only (`default_transaction_read_only`), or writable
 * again: what an operator does to hold writes during maintenance. A role's settings apply
 * when a session starts, so its open sessions are ended: its clients reconnect under the new
 * setting, as they would after a failover.
 */
export async function setRoleReadOnly(adminUrl: string, role: string, readOnly: boolean): Promise<void> {
  await asAdmin(adminUrl, async (db) => {
    await sql`alter role ${sql.id(role)} set default_transaction_read_only = ${sql.raw(readOnly ? 'on' : 'off')}`.execute(db);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${role} and pid <> pg_backend_pid()`.execute(db);
  });
}
