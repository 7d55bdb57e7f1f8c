// Private by construction: the visitor-statistics tables cannot be linked to an account.
// This test reads the schema the migrations actually create and fails if a statistics table
// gains a column, key, foreign key, trigger or view that could reach an account, or if a
// new `view_` table appears without being declared (src/lib/views/table.ts).
import { describe, expect, it } from 'vitest';
import { VIEW_TABLES } from '../../src/lib/views/index.ts';
import { testDatabase } from '../support/db.ts';

const database = testDatabase({ per: 'file' });

type Column = { name: string; type: string; pk: number };
type ForeignKey = { table: string; from: string; to: string };
const query = <T>(sqlText: string, ...params: unknown[]) => database.sqlite.prepare(sqlText).all(...params) as T[];

const STATISTICS = Object.keys(VIEW_TABLES);
// Words that would name a person, an account or a request detail.
const PERSONAL =
  /user|account|member|session|email|mail|name|ip|addr|agent|\bua\b|referr?er|cookie|visitor_?id|fingerprint|device|location|country/i;

describe('visitor statistics cannot be linked to an account', () => {
  it('has exactly the declared statistics tables', () => {
    const tables = query<{ name: string }>("select name from sqlite_master where type = 'table' and name like 'view\\_%' escape '\\'").map(
      (t) => t.name,
    );
    expect(tables.sort()).toEqual([...STATISTICS].sort());
  });

  it.each(STATISTICS)('%s has exactly its declared columns, none of them personal', (table) => {
    const columns = query<Column>(`select name, type, pk from pragma_table_info(?)`, table);
    expect(columns.map((c) => c.name)).toEqual([...VIEW_TABLES[table as keyof typeof VIEW_TABLES]]);
    for (const column of columns) {
      expect(column.name).not.toMatch(PERSONAL);
      expect(['TEXT', 'INTEGER', 'BLOB']).toContain(column.type);
    }
  });

  it.each(STATISTICS)('%s is STRICT and has no foreign key', (table) => {
    const [info] = query<{ strict: number }>('select strict from pragma_table_list where name = ?', table);
    expect(info?.strict).toBe(1);
    expect(query<ForeignKey>('select "table", "from", "to" from pragma_foreign_key_list(?)', table)).toEqual([]);
  });

  it('is referenced by no other table', () => {
    const tables = query<{ name: string }>(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\'",
    );
    for (const { name } of tables) {
      const references = query<ForeignKey>('select "table", "from", "to" from pragma_foreign_key_list(?)', name);
      for (const ref of references) expect(STATISTICS, `${name}.${ref.from} references ${ref.table}`).not.toContain(ref.table);
    }
  });

  it('has no index, trigger or view that reaches beyond the statistics tables', () => {
    const objects = query<{ type: string; name: string; tbl_name: string; sql: string | null }>(
      "select type, name, tbl_name, sql from sqlite_master where type in ('index', 'trigger', 'view')",
    );
    for (const object of objects) {
      const mentionsStatistics = STATISTICS.some((t) => object.tbl_name === t || (object.sql ?? '').includes(t));
      if (!mentionsStatistics) continue;
      // Only indexes on a statistics table's own columns; no trigger or view at all.
      expect(object.type, object.name).toBe('index');
      expect(STATISTICS).toContain(object.tbl_name);
      const indexed = query<{ name: string }>('select name from pragma_index_info(?)', object.name).map((c) => c.name);
      for (const column of indexed) expect(VIEW_TABLES[object.tbl_name as keyof typeof VIEW_TABLES] as readonly string[]).toContain(column);
    }
  });
});
