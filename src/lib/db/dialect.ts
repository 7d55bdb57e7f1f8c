import { PostgresAdapter, type Kysely } from 'kysely';
import type { Dialect } from './target.ts';

/** Which dialect a Kysely instance (or transaction) speaks, for the few operations that differ. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function dialectOf(db: Kysely<any>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
