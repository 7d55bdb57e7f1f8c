// Private by construction: the visitor-statistics tables cannot be linked to an account.
// This test reads the schema the migrations actually create and fails if a statistics table
// gains a column, key, foreign key, trigger or view that could reach an account, or if a
// new `view_` table appears without being declared (src/lib/views/table.ts). The schema is
// read from the dialect's own catalog (SQLite's sqlite_schema, PostgreSQL's pg_catalog).
import { describe, expect, it } from 'vitest';
import { describeSchema, type Schema } from '../../src/lib/db/index.ts';
import { VIEW_TABLES } from '../../src/lib/views/index.ts';
import { testDatabase } from '../support/db.ts';

const database = testDatabase({ per: 'file' });
let cached: Schema | undefined;
const schema = async () => (cached ??= await describeSchema(database.db));
const table = async (name: string) => (await schema()).tables.find((t) => t.name === name)!;

const STATISTICS = Object.keys(VIEW_TABLES);
// Words that would name a person, an account or a request detail.
const PERSONAL =
  /user|account|member|session|email|mail|name|ip|addr|agent|\bua\b|referr?er|cookie|visitor_?id|fingerprint|device|location|country/i;

describe('visitor statistics cannot be linked to an account', () => {
  it('has exactly the declared statistics tables', async () => {
    const tables = (await schema()).tables.map((t) => t.name).filter((name) => name.startsWith('view_'));
    expect(tables.sort()).toEqual([...STATISTICS].sort());
  });

  it.each(STATISTICS)('%s has exactly its declared columns, none of them personal', async (name) => {
    const { columns } = await table(name);
    expect(columns.map((c) => c.name)).toEqual([...VIEW_TABLES[name as keyof typeof VIEW_TABLES]]);
    for (const column of columns) {
      expect(column.name).not.toMatch(PERSONAL);
      expect(['text', 'integer', 'blob']).toContain(column.type);
    }
  });

  it.each(STATISTICS)('%s is STRICT and has no foreign key', async (name) => {
    const { strict, foreignKeys } = await table(name);
    expect(strict).toBe(true);
    expect(foreignKeys).toEqual([]);
  });

  it('is referenced by no other table', async () => {
    for (const { name, foreignKeys } of (await schema()).tables) {
      for (const ref of foreignKeys) expect(STATISTICS, `${name}.${ref.from} references ${ref.table}`).not.toContain(ref.table);
    }
  });

  it('has no index, trigger or view that reaches beyond the statistics tables', async () => {
    for (const object of (await schema()).objects) {
      const mentionsStatistics = STATISTICS.some((t) => object.table === t || object.sql.includes(t));
      if (!mentionsStatistics) continue;
      // Only indexes on a statistics table's own columns; no trigger or view at all.
      expect(object.kind, object.name).toBe('index');
      expect(STATISTICS).toContain(object.table);
      for (const column of object.columns)
        expect(VIEW_TABLES[object.table as keyof typeof VIEW_TABLES] as readonly string[]).toContain(column);
    }
  });
});
