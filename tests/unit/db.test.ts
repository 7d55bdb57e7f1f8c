import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isReachable, migrate, openDatabase } from '../../src/lib/db/index.ts';

describe('openDatabase', () => {
  it('creates the file and its folder with the required settings', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ct-db-')), 'nested', 'site.db');
    const database = openDatabase(path);
    expect(database.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(database.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(database.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
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
