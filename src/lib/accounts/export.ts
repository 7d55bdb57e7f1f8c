import type { Kysely, RawBuilder } from 'kysely';
import { insertionOrder, snapshotTransaction, type DB } from '../db/index.ts';
import { PERSONAL_DATA, exportedColumns, type ExportFormat, type RegistryEntry } from './registry.ts';

/**
 * "Download my data": everything stored about a user, table by table, built from the
 * registry (registry.ts) so that it cannot silently miss a column. The format is documented
 * in docs/data-export.md and, generated from the same registry, at EXPORT_FORMAT_PATH.
 */
export const EXPORT_FORMAT = 'customertrackr-account-export';
export const EXPORT_FORMAT_VERSION = 1;
export const EXPORT_FORMAT_PATH = '/account/export-format';

export interface ExportedTable {
  description: string;
  /** How long rows of this kind are kept. */
  retention: string;
  /** What each exported column means. */
  columns: Record<string, string>;
  rows: Record<string, unknown>[];
}

export interface AccountExport {
  format: typeof EXPORT_FORMAT;
  formatVersion: typeof EXPORT_FORMAT_VERSION;
  exportedAt: string;
  documentation: string;
  accountId: number;
  tables: Record<string, ExportedTable>;
  /** Every stored column left out, with the reason. */
  excluded: { table: string; column: string; reason: string }[];
}

function convert(value: unknown, format: ExportFormat | undefined): unknown {
  if (value === null || value === undefined) return null;
  switch (format) {
    case 'epoch-ms-as-iso-time':
      return new Date(Number(value)).toISOString();
    case 'boolean':
      return value === true;
    default:
      return value;
  }
}

// The registry names tables and columns at run time; Kysely still quotes every identifier.
type Untyped = Kysely<Record<string, Record<string, unknown>>>;

/**
 * The order of a table's rows in the export, the same every time for the same data: by when
 * they were written (insertionOrder: SQLite's rowid; PostgreSQL's transaction id, which an
 * update moves forward), ties broken by the rows' values, since rows written in one
 * PostgreSQL transaction (an account's roles given together) share their transaction id.
 */
export function exportOrder(db: DB, e: RegistryEntry): (string | RawBuilder<number>)[] {
  return [insertionOrder(db), ...Object.keys(e.columns)];
}

async function rowsOf(db: DB, e: RegistryEntry, userId: number, now: Date): Promise<Record<string, unknown>[]> {
  const columns = exportedColumns(e);
  if (e.userColumns.length === 0 || columns.length === 0) return [];
  // Account numbers are never reused (user.id is AUTOINCREMENT, migration 0010): a row with
  // this number is this account's, however old.
  let query = (db as unknown as Untyped)
    .selectFrom(e.table)
    .select(columns)
    .where((eb) => eb.or(e.userColumns.map((c) => eb(c, '=', userId))));
  const held = e.heldUntil;
  if (held) query = query.where((eb) => eb.or([eb(held, 'is', null), eb(held, '<=', now.getTime())]));
  for (const key of exportOrder(db, e)) query = query.orderBy(key);
  const rows = await query.execute();
  return rows.map((row) =>
    Object.fromEntries(
      columns.map((c) => {
        const rule = e.columns[c]!;
        return [c, convert(row[c], 'export' in rule ? rule.format : undefined)];
      }),
    ),
  );
}

/**
 * The export of `userId`'s data, or undefined when there is no such user. Read from one
 * snapshot (snapshotTransaction), so it is consistent, and without holding up writers.
 */
export async function exportAccount(db: DB, userId: number, siteUrl: URL, now = new Date()): Promise<AccountExport | undefined> {
  return snapshotTransaction(db, async (trx) => {
    const user = await trx.selectFrom('user').select('id').where('id', '=', userId).executeTakeFirst();
    if (!user) return undefined;
    const tables: Record<string, ExportedTable> = {};
    const excluded: AccountExport['excluded'] = [];
    for (const e of PERSONAL_DATA) {
      const columns: Record<string, string> = {};
      for (const [name, rule] of Object.entries(e.columns)) {
        if ('export' in rule) columns[name] = rule.export;
        else excluded.push({ table: e.table, column: name, reason: rule.exclude });
      }
      if (Object.keys(columns).length > 0)
        tables[e.table] = { description: e.description, retention: e.retention.rule, columns, rows: await rowsOf(trx, e, userId, now) };
    }
    return {
      format: EXPORT_FORMAT,
      formatVersion: EXPORT_FORMAT_VERSION,
      exportedAt: now.toISOString(),
      documentation: new URL(EXPORT_FORMAT_PATH, siteUrl).href,
      accountId: userId,
      tables,
      excluded,
    };
  });
}

/** The file name offered for download, e.g. customertrackr-data-2026-11-25.json. */
export function exportFileName(now = new Date()): string {
  return `customertrackr-data-${now.toISOString().slice(0, 10)}.json`;
}
