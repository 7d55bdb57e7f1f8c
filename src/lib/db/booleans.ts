import {
  OperationNodeTransformer,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
  type PrimitiveValueListNode,
} from 'kysely';

/**
 * Booleans are booleans in the domain on both dialects. PostgreSQL has a boolean type; SQLite
 * stores 0/1 in an integer column (with `check (x in (0, 1))`) and better-sqlite3 binds no
 * JavaScript booleans. This plugin, installed on SQLite connections only, is the row mapper:
 * boolean parameters are bound as 1/0, and the columns named below come back as booleans.
 *
 * A boolean column gets its name added here when it is created (a name is a boolean wherever
 * it appears: do not reuse one for a number).
 */
export const BOOLEAN_COLUMNS: ReadonlySet<string> = new Set(['material', 'dismissible', 'opted_out', 'forget_when_sent']);

class BooleansAsIntegers extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    const value = super.transformValue(node);
    return typeof value.value === 'boolean' ? { ...value, value: value.value ? 1 : 0 } : value;
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    const list = super.transformPrimitiveValueList(node);
    return list.values.some((v) => typeof v === 'boolean')
      ? { ...list, values: list.values.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v)) }
      : list;
  }
}

export class SqliteBooleans implements KyselyPlugin {
  readonly #transformer = new BooleansAsIntegers();

  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(node);
  }

  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    for (const row of result.rows) {
      for (const column of Object.keys(row)) {
        if (BOOLEAN_COLUMNS.has(column) && typeof row[column] === 'number') row[column] = row[column] === 1;
      }
    }
    return result;
  }
}
