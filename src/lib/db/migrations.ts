import {
  ColumnDefinitionNode,
  DataTypeNode,
  GeneratedNode,
  OperationNodeTransformer,
  RawNode,
  type CreateTableNode,
  type Kysely,
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import type { Migration } from 'kysely/migration';
import type { Dialect } from './target.ts';

/**
 * One schema, two dialects (docs/decisions/0021-postgresql.md). A migration module exports
 * `up`/`down`, written with Kysely's schema builder in the vocabulary the project has always
 * used (SQLite's: `integer`, `blob`, `strict` tables); where the SQL really differs (triggers,
 * `glob` checks, booleans), it also exports a `postgres` body, as GoatCounter keeps
 * `-sqlite`/`-postgres` variants. A migration with no `postgres` body runs on PostgreSQL
 * through the plugin below, which says the same thing in PostgreSQL's words:
 *
 * - `integer` → `bigint` (a SQLite integer is 8 bytes: epoch milliseconds need them);
 * - an `integer primary key` that references nothing, or `autoincrement` → an identity column;
 * - `blob` → `bytea`;
 * - the `strict` / `without rowid` table options → nothing (PostgreSQL is always strict).
 */
export type DialectMigration = Migration & { postgres?: Migration };

/** The bodies of `migrations` that run on `dialect`. */
export function migrationsFor(dialect: Dialect, migrations: Record<string, DialectMigration>): Record<string, Migration> {
  return Object.fromEntries(
    Object.entries(migrations).map(([name, m]) => {
      const body = (dialect === 'postgres' && m.postgres) || m;
      return [name, { up: body.up, ...(body.down ? { down: body.down } : {}) }];
    }),
  );
}

const SQLITE_TABLE_OPTION = /^\s*(strict|without rowid)(\s*,\s*(strict|without rowid))*\s*$/i;

class SqliteSchemaToPostgres extends OperationNodeTransformer {
  protected override transformCreateTable(node: CreateTableNode): CreateTableNode {
    const table = super.transformCreateTable(node);
    const endModifiers = table.endModifiers?.filter((m) => !isSqliteTableOption(m));
    return { ...table, endModifiers: endModifiers?.length ? endModifiers : undefined };
  }

  protected override transformColumnDefinition(node: ColumnDefinitionNode): ColumnDefinitionNode {
    const column = super.transformColumnDefinition(node);
    const type = DataTypeNode.is(column.dataType) ? column.dataType.dataType : undefined;
    let dataType = column.dataType;
    if (type === 'integer') dataType = DataTypeNode.create('bigint');
    if (type === 'blob') dataType = DataTypeNode.create('bytea');
    const identity = (type === 'integer' && column.primaryKey && !column.references) || column.autoIncrement;
    return ColumnDefinitionNode.cloneWith(column, {
      ...(identity ? { autoIncrement: false, generated: GeneratedNode.create({ identity: true, byDefault: true }) } : {}),
      dataType,
    } as Parameters<typeof ColumnDefinitionNode.cloneWith>[1]);
  }
}

function isSqliteTableOption(node: OperationNode): boolean {
  return RawNode.is(node) && node.parameters.length === 0 && SQLITE_TABLE_OPTION.test(node.sqlFragments.join(''));
}

/** Installed on the migrating connection on PostgreSQL only. */
export class SqliteSchemaOnPostgres implements KyselyPlugin {
  readonly #transformer = new SqliteSchemaToPostgres();

  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(node);
  }

  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyKysely = Kysely<any>;
