import type { Kysely } from 'kysely';

/** Reads in flight per database, by what they read. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const inFlight = new WeakMap<Kysely<any>, Map<string, Promise<unknown>>>();

/**
 * Runs `read`, unless a read of the same `what` on the same database is in flight: then
 * answers with that read's result (request coalescing, like Go's singleflight or nginx's
 * `proxy_cache_lock`; decision 0028). Nothing is kept once a read settles: a caller gets a
 * read that started at most one read's duration before it arrived (what a reader a few
 * milliseconds earlier would have seen), never a cached copy, and a failed read fails only
 * the callers that were waiting on it. For hot reads of one row that many requests make at once (a
 * page's view counts, the banners' generation counter): the database serves one at a time
 * instead of one per request. Inside a transaction it always reads, to see the
 * transaction's own writes.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function sharedRead<T>(db: Kysely<any>, what: string, read: () => Promise<T>): Promise<T> {
  if (db.isTransaction) return read();
  let reads = inFlight.get(db);
  if (!reads) inFlight.set(db, (reads = new Map()));
  const pending = reads.get(what);
  if (pending) return pending as Promise<T>;
  const started = read().finally(() => reads.delete(what));
  reads.set(what, started);
  return started;
}
