// Account numbers are never reused (migration 0010 makes user.id AUTOINCREMENT, rebuilding the
// table with SQLite's 12-step procedure): the rebuild keeps every row, index, trigger and
// foreign key, and a deleted account's number never comes back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../../db/migrations/index.ts';
import { migrate, openDatabase, type OpenDatabase } from '../../src/lib/db/index.ts';

let dir: string;
let database: OpenDatabase;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ct-ids-'));
  database = openDatabase(join(dir, 'db.sqlite'));
});
afterEach(async () => {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

const addUser = async (email: string) =>
  (
    await database.db
      .insertInto('user')
      .values({ email, email_normalized: email, password_hash: null, created_at: '2026-01-01T00:00:00.000Z' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
const deleteUser = (id: number) => database.db.deleteFrom('user').where('id', '=', id).execute();

describe('a new account', () => {
  it('never gets the number of a deleted one, even the newest', async () => {
    await migrate(database.db);
    const a = await addUser('a@example.com');
    const b = await addUser('b@example.com');
    await deleteUser(b);
    const c = await addUser('c@example.com');
    expect(c).toBeGreaterThan(b);
    await deleteUser(c);
    await deleteUser(a);
    const d = await addUser('d@example.com');
    expect(d).toBeGreaterThan(c);
  });
});

describe('migration 0010 on a database with accounts', () => {
  const before = '0009_limits_and_reset_queue';

  it('keeps the accounts, their rows and foreign keys, and starts numbering above every number ever given', async () => {
    const migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => migrations } });
    expect((await migrator.migrateTo(before)).error).toBeUndefined();
    const a = await addUser('a@example.com');
    const b = await addUser('b@example.com');
    const gone = await addUser('gone@example.com');
    await database.db
      .insertInto('session')
      .values({ id: 's1', user_id: a, secret_hash: new Uint8Array(32), created_at: 1, last_active_at: 1, client: '' })
      .execute();
    await database.db.insertInto('user_role').values({ user_id: b, role: 'admin', granted_at: '2026-01-01T00:00:00.000Z' }).execute();
    // A deleted account the audit log still names: before 0010 its number would come back.
    await database.db
      .insertInto('audit_log')
      .values({
        at: '2026-01-02T00:00:00.000Z',
        actor_user_id: b,
        actor_ip: null,
        action: 'account.view',
        subject_user_id: gone,
        fields: '[]',
        reason: null,
      })
      .execute();
    await deleteUser(gone);
    const schemaOf = async (name: string) =>
      (await sql<{ sql: string }>`select sql from sqlite_schema where name = ${name}`.execute(database.db)).rows[0]?.sql;
    const sessionSchema = await schemaOf('session');

    await migrate(database.db);

    expect((await database.db.selectFrom('user').select(['id', 'email']).orderBy('id').execute()).map((r) => [r.id, r.email])).toEqual([
      [a, 'a@example.com'],
      [b, 'b@example.com'],
    ]);
    // The children were not cascaded away by the rebuild, and still reference user.
    expect(await database.db.selectFrom('session').select('user_id').execute()).toEqual([{ user_id: a }]);
    expect(await database.db.selectFrom('user_role').select('user_id').execute()).toEqual([{ user_id: b }]);
    expect(await schemaOf('session')).toBe(sessionSchema);
    expect(await schemaOf('user')).toMatch(/autoincrement/i);
    expect((await sql`pragma foreign_key_check`.execute(database.db)).rows).toEqual([]);
    expect((await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(database.db)).rows[0]!.foreign_keys).toBe(1);
    // The unique address still holds.
    await expect(addUser('a@example.com')).rejects.toThrow(/UNIQUE|unique constraint/);
    // Numbering continues above the deleted account the audit log names.
    expect(await addUser('new@example.com')).toBeGreaterThan(gone);
    // Cascades still work.
    await deleteUser(a);
    expect(await database.db.selectFrom('session').selectAll().execute()).toEqual([]);
  });

  it('can be undone, and refuses to run inside a transaction (where foreign keys cannot be turned off)', async () => {
    const migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => migrations } });
    await migrate(database.db);
    const a = await addUser('a@example.com');
    expect((await migrator.migrateTo(before)).error).toBeUndefined();
    expect(await database.db.selectFrom('user').select('id').execute()).toEqual([{ id: a }]);
    expect((await sql<{ sql: string }>`select sql from sqlite_schema where name = 'user'`.execute(database.db)).rows[0]!.sql).not.toMatch(
      /autoincrement/i,
    );

    const inTransaction = database.db.transaction().execute((trx) => migrations['0010_jobs_and_account_numbers']!.up(trx));
    await expect(inTransaction).rejects.toThrow(/foreign keys could not be turned off/);
    expect(await database.db.selectFrom('user').select('id').execute()).toEqual([{ id: a }]);
  });
});
