import { sql } from 'kysely';
import { dialectOf } from './dialect.ts';
import type { DB } from './index.ts';

/**
 * The live schema as the tests and tools need to see it, read from each dialect's own
 * catalog (SQLite's sqlite_schema and pragmas; PostgreSQL's pg_catalog). Kysely's
 * introspection lists tables and columns only; foreign keys, indexes, triggers and views are
 * what a privacy check of the schema must see too.
 */
export interface SchemaColumn {
  name: string;
  /** The column's type in neutral words: text, integer (any size), blob, boolean, or the dialect's own name. */
  type: string;
  primaryKey: boolean;
}

export interface SchemaTable {
  name: string;
  columns: SchemaColumn[];
  /** Each column that references another table, one entry per column. */
  foreignKeys: { from: string; table: string; to: string }[];
  /** SQLite: a STRICT table. PostgreSQL: always (it checks every column's type). */
  strict: boolean;
}

export interface SchemaObject {
  kind: 'index' | 'trigger' | 'view';
  name: string;
  /** The table it belongs to (a view: its own name). */
  table: string;
  /** Its definition (a trigger's includes the body of the function it runs). */
  sql: string;
  /** An index's columns. */
  columns: string[];
}

export interface Schema {
  tables: SchemaTable[];
  objects: SchemaObject[];
}

const NEUTRAL: Record<string, string> = {
  TEXT: 'text',
  INTEGER: 'integer',
  BLOB: 'blob',
  text: 'text',
  bigint: 'integer',
  integer: 'integer',
  smallint: 'integer',
  bytea: 'blob',
  boolean: 'boolean',
};

/** The tables (with columns and foreign keys) and the indexes, triggers and views of the database. */
export async function describeSchema(db: DB): Promise<Schema> {
  return dialectOf(db) === 'postgres' ? describePostgres(db) : describeSqlite(db);
}

async function rows<T>(db: DB, query: ReturnType<typeof sql<T>>): Promise<T[]> {
  return (await query.execute(db)).rows;
}

async function describeSqlite(db: DB): Promise<Schema> {
  const names = await rows(
    db,
    sql<{
      name: string;
      strict: number;
    }>`select name, strict from pragma_table_list where schema = 'main' and type = 'table' order by name`,
  ).then((found) => found.filter((t) => !t.name.startsWith('sqlite_')));
  const tables: SchemaTable[] = [];
  for (const { name, strict } of names) {
    const columns = await rows(db, sql<{ name: string; type: string; pk: number }>`select name, type, pk from pragma_table_info(${name})`);
    const foreignKeys = await rows(
      db,
      sql<{ from: string; table: string; to: string }>`select "from", "table", "to" from pragma_foreign_key_list(${name})`,
    );
    tables.push({
      name,
      columns: columns.map((c) => ({ name: c.name, type: NEUTRAL[c.type] ?? c.type, primaryKey: c.pk > 0 })),
      foreignKeys,
      strict: strict === 1,
    });
  }
  const found = await rows(
    db,
    sql<{
      type: 'index' | 'trigger' | 'view';
      name: string;
      tbl_name: string;
      sql: string | null;
    }>`select type, name, tbl_name, sql from sqlite_schema where type in ('index', 'trigger', 'view') order by name`,
  );
  const objects: SchemaObject[] = [];
  for (const o of found) {
    const columns =
      o.type === 'index' ? (await rows(db, sql<{ name: string }>`select name from pragma_index_info(${o.name})`)).map((c) => c.name) : [];
    objects.push({ kind: o.type, name: o.name, table: o.tbl_name, sql: o.sql ?? '', columns });
  }
  return { tables, objects };
}

async function describePostgres(db: DB): Promise<Schema> {
  const names = await rows(
    db,
    sql<{ name: string }>`select table_name as name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`,
  );
  const columns = await rows(
    db,
    sql<{ table: string; name: string; type: string; pk: boolean }>`
      select c.table_name as "table", c.column_name as name, c.data_type as type,
        exists (
          select 1 from information_schema.table_constraints tc
          join information_schema.key_column_usage k on k.constraint_name = tc.constraint_name and k.table_schema = tc.table_schema
          where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema = c.table_schema and tc.table_name = c.table_name and k.column_name = c.column_name
        ) as pk
      from information_schema.columns c
      where c.table_schema = current_schema()
      order by c.table_name, c.ordinal_position`,
  );
  const foreignKeys = await rows(
    db,
    sql<{ owner: string; from: string; table: string; to: string }>`
      select cl.relname as owner, a.attname as "from", rc.relname as "table", ra.attname as "to"
      from pg_constraint c
      join pg_class cl on cl.oid = c.conrelid
      join pg_namespace n on n.oid = cl.relnamespace
      join pg_class rc on rc.oid = c.confrelid
      cross join lateral unnest(c.conkey, c.confkey) as k(col, refcol)
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.col
      join pg_attribute ra on ra.attrelid = c.confrelid and ra.attnum = k.refcol
      where c.contype = 'f' and n.nspname = current_schema()`,
  );
  const tables = names.map(({ name }) => ({
    name,
    columns: columns.filter((c) => c.table === name).map((c) => ({ name: c.name, type: NEUTRAL[c.type] ?? c.type, primaryKey: c.pk })),
    foreignKeys: foreignKeys.filter((f) => f.owner === name).map(({ from, table, to }) => ({ from, table, to })),
    strict: true,
  }));
  const indexes = await rows(
    db,
    sql<{ name: string; table: string; sql: string; columns: string[] }>`
      select i.relname as name, t.relname as "table", pg_get_indexdef(i.oid) as sql,
        array(select a.attname from unnest(x.indkey) with ordinality as k(attnum, n)
              join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum order by k.n)::text[] as columns
      from pg_index x
      join pg_class i on i.oid = x.indexrelid
      join pg_class t on t.oid = x.indrelid
      join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = current_schema()
      order by i.relname`,
  );
  const triggers = await rows(
    db,
    sql<{ name: string; table: string; sql: string }>`
      select tg.tgname as name, t.relname as "table", pg_get_triggerdef(tg.oid) || E'\n' || p.prosrc as sql
      from pg_trigger tg
      join pg_class t on t.oid = tg.tgrelid
      join pg_namespace n on n.oid = t.relnamespace
      join pg_proc p on p.oid = tg.tgfoid
      where not tg.tgisinternal and n.nspname = current_schema()
      order by tg.tgname`,
  );
  const views = await rows(
    db,
    sql<{ name: string; sql: string }>`select viewname as name, definition as sql from pg_views where schemaname = current_schema()`,
  );
  return {
    tables,
    objects: [
      ...indexes.map((o) => ({ kind: 'index' as const, ...o })),
      ...triggers.map((o) => ({ kind: 'trigger' as const, ...o, columns: [] })),
      ...views.map((o) => ({ kind: 'view' as const, name: o.name, table: o.name, sql: o.sql, columns: [] })),
    ],
  };
}
