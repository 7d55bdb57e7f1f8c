import { createHash, type Hash } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, openSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { sql, type RawBuilder } from 'kysely';
import { migrations } from '../../../db/migrations/index.ts';
import { BOOLEAN_COLUMNS } from './booleans.ts';
import { dialectOf } from './dialect.ts';
import { connectDatabase, migrate, openDatabase, type OpenDatabase } from './index.ts';
import { describeSchema, type SchemaTable } from './introspection.ts';
import type { AnyKysely } from './migrations.ts';
import { describeTarget, targetOf, type DatabaseTarget, type Dialect } from './target.ts';
import { snapshotTransaction } from './transactions.ts';

/**
 * `npm run db:copy`: every row of one database into another, empty one, whatever the two
 * dialects (SQLite → PostgreSQL to outgrow one machine, back again to leave it). The target
 * gets its schema from the project's own migrations, never from the source, so that it is
 * exactly what the site would have made; the data then goes table by table, parents first,
 * and each table is read back and compared with the source before the copy is called done.
 */

/** A refusal or a problem found on the way: its message is one line, with no password in it. */
export class CopyError extends Error {
  override name = 'CopyError';
}

export interface CopyOptions {
  /** The source: a SQLite file's path or a postgres:// URL. */
  from: string;
  /** The target: a SQLite file's path (created if missing) or a postgres:// URL of an existing database. */
  to: string;
  /** Rows per INSERT (and per read): memory stays bounded whatever the size of a table. */
  batchSize?: number;
  /** Called (and awaited) once a table has been copied and committed, before any is verified. */
  onCopied?: (table: string, rows: number) => void | Promise<void>;
}

export interface TableCopy {
  table: string;
  sourceRows: number;
  targetRows: number;
  /** SHA-256 (hex) of the table's rows in primary-key order, values written the same way on both sides. */
  sourceChecksum: string;
  targetChecksum: string;
  ok: boolean;
}

export interface CopyResult {
  /** Where from and where to, for messages (URLs without their password). */
  from: string;
  to: string;
  tables: TableCopy[];
  /** Every table has as many rows and the same checksum on both sides. */
  ok: boolean;
}

const DEFAULT_BATCH = 500;
// Both drivers bind one parameter per value: SQLite allows 32766 per statement, PostgreSQL
// 65535. A batch of a wide table is made smaller to stay under both.
const MAX_PARAMETERS = 30_000;
/** Kysely's own tables: the target's history is written by its own migration run. */
const BOOKKEEPING = new Set(['kysely_migration', 'kysely_migration_lock']);

/** Copies every table of `from` into the empty database `to`, then verifies each; see CopyResult. */
export async function copyDatabase({ from, to, batchSize = DEFAULT_BATCH, onCopied }: CopyOptions): Promise<CopyResult> {
  const source = locate(from, 'source');
  const target = locate(to, 'target');
  const fromText = describeTarget(source);
  const toText = describeTarget(target);
  if (sameDatabase(source, target)) throw new CopyError(`the source and the target are the same database (${fromText})`);
  if (source.dialect === 'sqlite' && !existsSync(source.path)) throw new CopyError(`there is no database at ${source.path}`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new CopyError(`the batch size must be a positive whole number, not ${batchSize}`);

  const sourceDb = await connectDatabase(tool(source, 'source')).catch((error: unknown) => {
    // Read-only, SQLite still writes a small -shm file beside a database in WAL mode, and
    // cannot open one where the folder does not let it.
    if (source.dialect === 'sqlite' && isInWalMode(source.path) && !folderIsWritable(source.path))
      throw new CopyError(
        `cannot read ${source.path} in its folder, which is read-only: SQLite needs to write a small -shm file beside it. ` +
          'Copy the file (and its -wal file, if there is one) to a folder you can write to, and copy from there',
        { cause: error },
      );
    throw error;
  });
  let targetDb: OpenDatabase | undefined;
  try {
    const sourceTables = await checkSource(sourceDb, fromText);
    targetDb = await connectDatabase(tool(target, 'target'));
    const seeded = await seededRows();
    await checkEmpty(targetDb, toText, seeded);
    await migrate(targetDb.db);
    const targetTables = tablesOf((await describeSchema(targetDb.db)).tables);
    const plans = planTables(sourceTables, targetTables, sourceDb.dialect, targetDb.dialect, fromText, toText);
    const order = copyOrder(plans, seeded);

    const sourceSums = await copyAll(sourceDb, targetDb, order, seeded, batchSize, onCopied);
    if (targetDb.dialect === 'postgres') {
      // The planner's statistics of a freshly filled database are empty until autovacuum's
      // next analyze; the first requests after the cut-over should not be planned blind.
      await sql`analyze ${sql.join(order.map((p) => sql.table(p.name)))}`.execute(targetDb.db);
    }
    const tables: TableCopy[] = [];
    for (const plan of order) {
      const read = await readTable(targetDb.db, plan, 'target', batchSize);
      const sum = sourceSums.get(plan.name)!;
      tables.push({
        table: plan.name,
        sourceRows: sum.rows,
        targetRows: read.rows,
        sourceChecksum: sum.checksum,
        targetChecksum: read.checksum,
        ok: sum.rows === read.rows && sum.checksum === read.checksum,
      });
    }
    return { from: fromText, to: toText, tables, ok: tables.every((t) => t.ok) };
  } finally {
    await targetDb?.close();
    await sourceDb.close();
  }
}

/** Whether the SQLite file at `path` says it is in WAL mode (byte 18 of its header is 2). */
function isInWalMode(path: string): boolean {
  try {
    const header = Buffer.alloc(20);
    const fd = openSync(path, 'r');
    try {
      return readSync(fd, header, 0, 20, 0) === 20 && header.subarray(0, 16).toString('latin1') === 'SQLite format 3\0' && header[18] === 2;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

function folderIsWritable(path: string): boolean {
  try {
    accessSync(dirname(path), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A connection for the copy: one statement at a time on each side (a pool of 2), and no
 * statement timeout (counting or analyzing a large table may take longer than a request
 * should). The source is opened read-only.
 */
function tool(target: DatabaseTarget, role: 'source' | 'target'): DatabaseTarget {
  if (target.dialect === 'postgres') return { ...target, poolSize: 2, statementTimeoutMs: 0 };
  // The source is only read: it may be a file its user may not write, and is never changed.
  return role === 'source' ? { ...target, readOnly: true } : target;
}

function locate(where: string, role: 'source' | 'target'): DatabaseTarget {
  if (where.trim() === '') throw new CopyError(`the ${role} is empty: give a SQLite file or a postgres:// URL`);
  const target = targetOf(where);
  if (target.dialect === 'postgres') {
    try {
      new URL(target.url);
    } catch {
      throw new CopyError(`the ${role} is not a readable postgres:// URL`);
    }
    return target;
  }
  if (target.path === ':memory:') throw new CopyError(`the ${role} cannot be an in-memory database`);
  return { dialect: 'sqlite', path: resolve(target.path) };
}

function sameDatabase(a: DatabaseTarget, b: DatabaseTarget): boolean {
  if (a.dialect === 'sqlite' && b.dialect === 'sqlite') return a.path === b.path;
  if (a.dialect === 'postgres' && b.dialect === 'postgres') {
    const place = (url: string) => {
      const u = new URL(url);
      return `${u.hostname.toLowerCase()}:${u.port || '5432'}${decodeURIComponent(u.pathname)}`;
    };
    return place(a.url) === place(b.url);
  }
  return false;
}

/** The source must be exactly as migrated as this version of the site makes a database. */
async function checkSource(database: OpenDatabase, where: string): Promise<SchemaTable[]> {
  const { tables } = await describeSchema(database.db);
  if (!tables.some((t) => t.name === 'kysely_migration'))
    throw new CopyError(`${where} has no migration history: it is not a CustomerTrackr database (or has never been migrated)`);
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(database.db);
  const applied = new Set(rows.map((r) => r.name));
  const known = Object.keys(migrations);
  const unknown = [...applied].filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new CopyError(
      `${where} has migrations this version of the site does not know (${unknown.join(', ')}): copy it with the version that made it`,
    );
  const missing = known.filter((name) => !applied.has(name));
  if (missing.length > 0)
    throw new CopyError(
      `${where} is not fully migrated (${missing.length} pending, from ${missing[0]}): run npm run db:migrate on it first, with this version of the site`,
    );
  return tablesOf(tables);
}

function tablesOf(tables: SchemaTable[]): SchemaTable[] {
  return tables.filter((t) => !BOOKKEEPING.has(t.name) && !t.name.startsWith('sqlite_'));
}

let seeded: Promise<Map<string, number>> | undefined;
/**
 * How many rows each table holds right after the migrations, before the site has run: a few
 * migrations write one (app_meta's creation time, banner_generation's counter). Learnt by
 * migrating a database in memory, so that a target made with `createdb` and `db:migrate`
 * still counts as empty and a new such row needs no change here.
 */
function seededRows(): Promise<Map<string, number>> {
  seeded ??= (async () => {
    const scratch = openDatabase(':memory:');
    try {
      await migrate(scratch.db);
      const counts = new Map<string, number>();
      for (const table of tablesOf((await describeSchema(scratch.db)).tables)) {
        const n = await countRows(scratch.db, table.name);
        if (n > 0) counts.set(table.name, n);
      }
      return counts;
    } finally {
      await scratch.close();
    }
  })();
  return seeded;
}

async function countRows(db: AnyKysely, table: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** Refuses a target with any row the migrations alone would not have written. */
async function checkEmpty(database: OpenDatabase, where: string, seeded: Map<string, number>): Promise<void> {
  for (const table of tablesOf((await describeSchema(database.db)).tables)) {
    const n = await countRows(database.db, table.name);
    if (n > (seeded.get(table.name) ?? 0))
      throw new CopyError(`${where} is not empty (${table.name} has ${n} rows): copy into a new, empty database`);
  }
}

/** What a column holds, for writing it on the other side and for the checksum. */
type Kind = 'boolean' | 'other';

interface TablePlan {
  name: string;
  /** The source's columns, in its order: both sides are read with this list. */
  columns: string[];
  kinds: Map<string, Kind>;
  primaryKey: string[];
  /** Primary-key columns holding text: ordered by bytes on PostgreSQL (collate "C"), as SQLite orders them. */
  textKey: Set<string>;
  parents: Set<string>;
  sourceDialect: Dialect;
  targetDialect: Dialect;
}

/** Pairs each source table with the target's and refuses any difference in tables or columns. */
function planTables(
  sourceTables: SchemaTable[],
  targetTables: SchemaTable[],
  sourceDialect: Dialect,
  targetDialect: Dialect,
  fromText: string,
  toText: string,
): TablePlan[] {
  const byName = new Map(targetTables.map((t) => [t.name, t]));
  const extra = targetTables.filter((t) => !sourceTables.some((s) => s.name === t.name)).map((t) => t.name);
  if (extra.length > 0) throw new CopyError(`${toText} has tables ${fromText} does not (${extra.join(', ')}): the schemas differ`);
  return sourceTables.map((s) => {
    const t = byName.get(s.name);
    if (!t) throw new CopyError(`${toText} has no table ${s.name} after migrating: the schemas differ`);
    const columns = s.columns.map((c) => c.name);
    const targetColumns = t.columns.map((c) => c.name);
    if (columns.length !== targetColumns.length || columns.some((c) => !targetColumns.includes(c)))
      throw new CopyError(`${s.name} has columns (${columns.join(', ')}) on the source but (${targetColumns.join(', ')}) on the target`);
    const primaryKey = s.columns.filter((c) => c.primaryKey).map((c) => c.name);
    if (primaryKey.length === 0) throw new CopyError(`${s.name} has no primary key: its rows cannot be copied and compared in order`);
    // A boolean is 0/1 in an integer on SQLite (BOOLEAN_COLUMNS) and `boolean` on PostgreSQL.
    const isBoolean = (name: string, table: SchemaTable, dialect: Dialect) =>
      dialect === 'sqlite' ? BOOLEAN_COLUMNS.has(name) : table.columns.find((c) => c.name === name)?.type === 'boolean';
    const kinds = new Map<string, Kind>(
      columns.map((c) => [c, isBoolean(c, s, sourceDialect) || isBoolean(c, t, targetDialect) ? 'boolean' : 'other']),
    );
    const textKey = new Set(primaryKey.filter((c) => s.columns.find((col) => col.name === c)?.type === 'text'));
    const parents = new Set(s.foreignKeys.map((f) => f.table).filter((p) => p !== s.name));
    return { name: s.name, columns, kinds, primaryKey, textKey, parents, sourceDialect, targetDialect };
  });
}

/**
 * Parents before children, so that every foreign key holds as soon as a row is inserted. The
 * tables the migrations fill (seeded) go last where nothing references them: their rows are
 * replaced by the source's, after any trigger on the other tables has written to them (every
 * insert into an announcement source moves banner_generation's counter).
 */
function copyOrder(plans: TablePlan[], seeded: Map<string, number>): TablePlan[] {
  const names = new Set(plans.map((p) => p.name));
  const done = new Set<string>();
  const order: TablePlan[] = [];
  let remaining = [...plans];
  while (remaining.length > 0) {
    const ready = remaining
      .filter((p) => [...p.parents].every((parent) => done.has(parent) || !names.has(parent)))
      .sort((a, b) => Number(seeded.has(a.name)) - Number(seeded.has(b.name)) || a.name.localeCompare(b.name));
    if (ready.length === 0)
      throw new CopyError(`the tables ${remaining.map((p) => p.name).join(', ')} reference each other in a cycle: no order copies them`);
    const next = ready[0]!;
    order.push(next);
    done.add(next.name);
    remaining = remaining.filter((p) => p !== next);
  }
  return order;
}

/**
 * Copies each table in its own transaction on the target, all read from one snapshot of the
 * source (a consistent copy even if something writes to it meanwhile: stop the writers anyway,
 * or their later writes are not in the copy). Returns each table's count and checksum as read.
 */
async function copyAll(
  source: OpenDatabase,
  target: OpenDatabase,
  order: TablePlan[],
  seeded: Map<string, number>,
  batchSize: number,
  onCopied: CopyOptions['onCopied'],
): Promise<Map<string, { rows: number; checksum: string }>> {
  return snapshotTransaction(source.db, async (src) => {
    const sums = new Map<string, { rows: number; checksum: string }>();
    for (const plan of order) {
      const sum = await target.db.transaction().execute(async (trx) => {
        // Rows the migrations wrote (app_meta, banner_generation) give way to the source's.
        if (seeded.has(plan.name)) await sql`delete from ${sql.table(plan.name)}`.execute(trx);
        const read = await readTable(src, plan, 'source', batchSize, async (rows) => {
          await (trx as AnyKysely)
            .insertInto(plan.name)
            .values(rows.map((row) => forTarget(row, plan)))
            .execute();
        });
        await advanceSequence(src, trx, plan);
        return read;
      });
      sums.set(plan.name, sum);
      await onCopied?.(plan.name, sum.rows);
    }
    return sums;
  });
}

type Row = Record<string, unknown>;

/**
 * Reads every row of a table in primary-key order, a batch at a time (keyset pagination: each
 * batch starts after the last key of the one before), hashing each row as it goes; `each`
 * gets every batch. The same function reads the source and the target, so that the two
 * checksums are computed in exactly the same way.
 */
async function readTable(
  db: AnyKysely,
  plan: TablePlan,
  side: 'source' | 'target',
  batchSize: number,
  each?: (rows: Row[]) => Promise<void>,
): Promise<{ rows: number; checksum: string }> {
  const dialect = side === 'source' ? plan.sourceDialect : plan.targetDialect;
  const size = Math.max(1, Math.min(batchSize, Math.floor(MAX_PARAMETERS / plan.columns.length)));
  const key = plan.primaryKey.map((c) => (dialect === 'postgres' && plan.textKey.has(c) ? sql`${sql.ref(c)} collate "C"` : sql.ref(c)));
  const hash = createHash('sha256').update(`${JSON.stringify(plan.columns)}\n`);
  let count = 0;
  let after: unknown[] | undefined;
  for (;;) {
    const where: RawBuilder<unknown> = after ? sql`where (${sql.join(key)}) > (${sql.join(after)})` : sql``;
    const { rows } = await sql<Row>`
      select ${sql.join(plan.columns.map((c) => sql.ref(c)))} from ${sql.table(plan.name)}
      ${where} order by ${sql.join(key)} limit ${size}
    `.execute(db);
    if (rows.length === 0) break;
    for (const row of rows) hashRow(hash, row, plan);
    count += rows.length;
    await each?.(rows);
    if (rows.length < size) break;
    const last = rows[rows.length - 1]!;
    after = plan.primaryKey.map((c) => last[c]);
  }
  return { rows: count, checksum: hash.digest('hex') };
}

/**
 * One row as one line of the checksum: every value written in a form both dialects give the
 * same way (a boolean as true/false whether stored as 0/1 or as a boolean, bytes as hex, a
 * number as its decimal digits), tagged with what it is so that the text "1" and the number 1
 * differ.
 */
function hashRow(hash: Hash, row: Row, plan: TablePlan): void {
  const values = plan.columns.map((c) => canonical(row[c], plan.kinds.get(c)!));
  hash.update(`${JSON.stringify(values)}\n`);
}

function canonical(value: unknown, kind: Kind): string | null {
  if (value === null || value === undefined) return null;
  if (kind === 'boolean' && (value === true || value === false || value === 0 || value === 1)) return `b:${value === true || value === 1}`;
  if (value instanceof Uint8Array) return `x:${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `n:${String(value)}`;
  if (typeof value === 'string') return `s:${value}`;
  if (typeof value === 'boolean') return `b:${value}`;
  return `j:${JSON.stringify(value)}`;
}

/** A source row in the target's terms: booleans as the target stores them. */
function forTarget(row: Row, plan: TablePlan): Row {
  const out: Row = {};
  for (const c of plan.columns) {
    const value = row[c];
    if (plan.kinds.get(c) === 'boolean' && value !== null && value !== undefined) {
      const truth = value === true || value === 1;
      out[c] = plan.targetDialect === 'postgres' ? truth : truth ? 1 : 0;
    } else out[c] = value;
  }
  return out;
}

/**
 * The numbers the target gives new rows start above every number the source ever gave, so that
 * a new row never takes a copied row's id, nor the id of a row deleted before the copy (an
 * account number the audit log may still name: numbers are never reused, decision 0010).
 *
 * The source's high-water mark is the larger of the column's maximum and what its own counter
 * says: SQLite's sqlite_sequence (AUTOINCREMENT tables), PostgreSQL's identity sequence. On a
 * PostgreSQL target, every identity column's sequence is set to it; on a SQLite target, every
 * AUTOINCREMENT table's sqlite_sequence row (other SQLite tables take max(rowid) + 1 anyway).
 */
async function advanceSequence(source: AnyKysely, target: AnyKysely, plan: TablePlan): Promise<void> {
  const column = await counterColumn(target, plan.name);
  if (!column) return;
  const highest = Math.max(await maxOf(source, plan.name, column), await counterOf(source, plan.name, column));
  if (highest < 1) return;
  if (dialectOf(target) === 'postgres') {
    await sql`select setval(pg_get_serial_sequence(${quoted(plan.name)}, ${column}), ${highest})`.execute(target);
    return;
  }
  const { numAffectedRows } = await sql`update sqlite_sequence set seq = max(seq, ${highest}) where name = ${plan.name}`.execute(target);
  if (!numAffectedRows) await sql`insert into sqlite_sequence (name, seq) values (${plan.name}, ${highest})`.execute(target);
}

/** The column a table's counter numbers, if it has one: an identity column, or an AUTOINCREMENT table's key. */
async function counterColumn(db: AnyKysely, table: string): Promise<string | undefined> {
  if (dialectOf(db) === 'postgres') {
    const { rows } = await sql<{ column: string }>`
      select column_name as "column" from information_schema.columns
      where table_schema = current_schema() and table_name = ${table} and is_identity = 'YES'
    `.execute(db);
    return rows[0]?.column;
  }
  const { rows } = await sql<{ sql: string | null }>`select sql from sqlite_schema where type = 'table' and name = ${table}`.execute(db);
  if (!/\bautoincrement\b/i.test(rows[0]?.sql ?? '')) return undefined;
  const { rows: key } = await sql<{ name: string }>`select name from pragma_table_info(${table}) where pk > 0`.execute(db);
  return key.length === 1 ? key[0]!.name : undefined;
}

async function maxOf(db: AnyKysely, table: string, column: string): Promise<number> {
  const { rows } = await sql<{ n: number | null }>`select max(${sql.ref(column)}) as n from ${sql.table(table)}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** What the database's own counter for the column has reached (0 when it has none or never counted). */
async function counterOf(db: AnyKysely, table: string, column: string): Promise<number> {
  if (dialectOf(db) === 'postgres') {
    const { rows } = await sql<{ n: number | null }>`
      select pg_sequence_last_value(pg_get_serial_sequence(${quoted(table)}, ${column})::regclass) as n
      where pg_get_serial_sequence(${quoted(table)}, ${column}) is not null
    `.execute(db);
    return Number(rows[0]?.n ?? 0);
  }
  const { rows: exists } = await sql`select 1 from sqlite_schema where type = 'table' and name = 'sqlite_sequence'`.execute(db);
  if (exists.length === 0) return 0;
  const { rows } = await sql<{ n: number | null }>`select max(seq) as n from sqlite_sequence where name = ${table}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** A table name as pg_get_serial_sequence reads its first argument (an SQL name: quoted keeps `user` a name). */
function quoted(table: string): string {
  return `"${table.replaceAll('"', '""')}"`;
}
