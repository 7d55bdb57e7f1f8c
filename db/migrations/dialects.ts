import { sql, type Kysely, type RawBuilder } from 'kysely';

/**
 * What the two dialects say differently in a schema (docs/decisions/0021-postgresql.md). A
 * migration whose SQL differs exports its SQLite body as `up`/`down` and its PostgreSQL body
 * as `postgres`, both usually one function given one of these vocabularies. Column types in
 * the builder stay SQLite's words (`integer`, `blob`): src/lib/db/migrations.ts translates
 * them on PostgreSQL (`bigint`, identity, `bytea`).
 */
export interface Vocabulary {
  dialect: 'sqlite' | 'postgres';
  /** The column type of a boolean: SQLite stores 0/1 in an integer (src/lib/db/booleans.ts maps it). */
  boolean: 'integer' | 'boolean';
  /** The check a boolean column needs (none on PostgreSQL, which has the type). */
  booleanCheck(column: string): RawBuilder<unknown> | undefined;
  /** `column` holds a day, YYYY-MM-DD. */
  isDay(column: string): RawBuilder<unknown>;
  /** `column` holds a JSON array. */
  isJsonArray(column: string): RawBuilder<unknown>;
}

const DAY_GLOB = "'[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'";

export const SQLITE: Vocabulary = {
  dialect: 'sqlite',
  boolean: 'integer',
  booleanCheck: (column) => sql.raw(`${column} in (0, 1)`),
  isDay: (column) => sql`${sql.ref(column)} glob ${sql.raw(DAY_GLOB)}`,
  isJsonArray: (column) => sql.raw(`json_valid(${column}) and json_type(${column}) = 'array'`),
};

export const POSTGRES: Vocabulary = {
  dialect: 'postgres',
  boolean: 'boolean',
  booleanCheck: () => undefined,
  isDay: (column) => sql`${sql.ref(column)} ~ '^[0-9]{4}-[0-1][0-9]-[0-3][0-9]$'`,
  isJsonArray: (column) => sql`jsonb_typeof(${sql.ref(column)}::jsonb) = 'array'`,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDB = Kysely<any>;

/**
 * PostgreSQL: a trigger that refuses `events` on `table` (`update`, `delete`, `update of a, b`)
 * with `message`, as SQLite's `select raise(abort, …)` does. A PL/pgSQL function of the same name.
 */
export async function refuseOnPostgres(db: AnyDB, name: string, table: string, events: string, message: string): Promise<void> {
  await sql
    .raw(
      `create function ${name}() returns trigger language plpgsql as $$
       begin
         raise exception '${message.replaceAll("'", "''")}' using errcode = 'integrity_constraint_violation';
       end $$`,
    )
    .execute(db);
  await sql.raw(`create trigger ${name} before ${events} on "${table}" for each row execute function ${name}()`).execute(db);
}

/** PostgreSQL: drops a trigger made by refuseOnPostgres and its function. */
export async function dropOnPostgres(db: AnyDB, name: string, table: string): Promise<void> {
  await sql.raw(`drop trigger if exists ${name} on "${table}"`).execute(db);
  await sql.raw(`drop function if exists ${name}()`).execute(db);
}
