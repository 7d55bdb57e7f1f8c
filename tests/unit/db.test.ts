import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { checkpointWal, isReachable, isUniqueViolation, migrate, openDatabase } from '../../src/lib/db/index.ts';

describe('openDatabase', () => {
  it('creates the file and its folder with the required settings', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ct-db-')), 'nested', 'site.db');
    const database = openDatabase(path);
    expect(database.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(database.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(database.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    // Deleted content is overwritten with zeros, not left in free space.
    expect(database.sqlite.pragma('secure_delete', { simple: true })).toBe(1);
    await database.close();
  });

  it('migrates idempotently', async () => {
    const database = openDatabase(':memory:');
    const first = await migrate(database.db);
    expect(first.results?.length).toBeGreaterThan(0);
    const second = await migrate(database.db);
    expect(second.results).toEqual([]);
    await database.close();
  });

  it('reports an unreachable database', async () => {
    const database = openDatabase(':memory:');
    expect(await isReachable(database.db)).toBe(true);
    await database.close();
    expect(await isReachable(database.db)).toBe(false);
  });
});

describe('checkpointWal', () => {
  const SECRET = 'zanzibar-erased-4711@example.com';
  const bytesOf = (path: string) => (existsSync(path) ? readFileSync(path) : Buffer.alloc(0));

  it('leaves no byte of a deleted row in the file or its WAL; retried while another connection reads an old snapshot', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ct-db-')), 'site.db');
    const database = openDatabase(path);
    await sql`create table person (id integer primary key, email text)`.execute(database.db);
    for (let i = 0; i < 50; i++) await sql`insert into person (email) values (${`filler-${i}@example.com`})`.execute(database.db);
    await sql`insert into person (email) values (${SECRET})`.execute(database.db);
    // Another connection in the middle of a read: its snapshot needs the WAL as it is.
    const reader = new SQLite(path, { readonly: true });
    reader.prepare('begin').run();
    reader.prepare('select count(*) from person').get();
    await sql`delete from person where email = ${SECRET}`.execute(database.db);
    expect(bytesOf(`${path}-wal`).includes(SECRET)).toBe(true);

    // While the reader holds its snapshot, the checkpoint cannot finish: it says so after its tries.
    let waits = 0;
    expect(await checkpointWal(database.db, { attempts: 2, wait: async () => void waits++ })).toBe(false);
    expect(waits).toBe(1);
    // The reader finishes during the wait before the second try: that try succeeds.
    expect(await checkpointWal(database.db, { attempts: 3, wait: async () => void reader.prepare('commit').run() })).toBe(true);
    reader.close();

    expect(statSync(`${path}-wal`).size).toBe(0);
    expect(bytesOf(path).includes(SECRET)).toBe(false);
    expect(bytesOf(path).includes('filler-7@example.com')).toBe(true);
    // The usual busy timeout is back for every other statement.
    expect(database.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    await database.close();
  });
});

describe('isUniqueViolation', () => {
  it('recognises a unique-constraint violation, on the named columns only', async () => {
    const database = openDatabase(':memory:');
    try {
      await migrate(database.db);
      const insert = () =>
        database.db
          .insertInto('user')
          .values({ email: 'a@example.com', email_normalized: 'a@example.com', created_at: new Date().toISOString() })
          .execute();
      await insert();
      const error = await insert().catch((e: unknown) => e);
      expect(isUniqueViolation(error)).toBe(true);
      expect(isUniqueViolation(error, 'user.email_normalized')).toBe(true);
      expect(isUniqueViolation(error, 'user.email')).toBe(false);
      expect(isUniqueViolation(new Error('UNIQUE constraint failed: user.email_normalized'))).toBe(false);
      expect(isUniqueViolation(null)).toBe(false);
    } finally {
      await database.close();
    }
  });
});
