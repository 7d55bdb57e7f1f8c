import { randomBytes, type KeyObject } from 'node:crypto';
import { sql } from 'kysely';
import type { DB } from '../db/index.ts';
import { addDays, dayOf, type Day } from './days.ts';
import { hashKey, keyedHash } from './visitor.ts';

/**
 * Counting views, exactly.
 *
 * A view event, inside a transaction: record the page load's idempotency key (a repeat
 * stops here), mark the visitor as seen for the page and for the site today (keyed hashes),
 * then add to the page's day, the page's total and the site's day. Events that arrive while
 * a commit is in flight are committed together in the next one (group commit), and a batch
 * costs a fixed number of statements whatever its size: one multi-row insert of the keys,
 * one of the page marks, one of the site marks, one upsert each of days, totals and site
 * days. A caller is answered only after the commit that holds its event: an acknowledged view
 * is never lost, and none is counted twice.
 *
 * One implementation for both dialects (docs/decisions/0021-postgresql.md): the statements
 * are Kysely's, plain `insert … on conflict` upserts that SQLite and PostgreSQL both speak.
 * One batch is in flight at a time, so batches never wait on each other's row locks.
 */

/** One page load, as the beacon reports it (already validated). */
export interface ViewEvent {
  /** Normalized page path (paths.ts). */
  path: string;
  /** The page load's idempotency key. */
  key: string;
  /** The visitor cookie, or null (Global Privacy Control, or no cookie allowed). */
  visitorId: string | null;
}

export interface PageCounts {
  path: string;
  /** All-time views. */
  views: number;
  /** All-time sum of daily unique visitors. */
  visitors: number;
}

export interface RecordOutcome extends PageCounts {
  /** False when the idempotency key had been counted already. */
  counted: boolean;
}

export interface ViewRecorder {
  /** Counts `event` at `now`; resolves with the page's counts once the write has committed. */
  record(event: ViewEvent, now?: Date): Promise<RecordOutcome>;
  /** The page's all-time counts (zeros for a page never counted). */
  counts(path: string): Promise<PageCounts>;
  /**
   * Starts the day of `now` if it has not started yet: draws its salt, deletes older salts,
   * the dedupe rows of past days, and idempotency keys older than yesterday. Runs by itself
   * with the first event of a day; the scheduler's views job (retention.ts) deletes the
   * same past-day rows just after each UTC midnight.
   */
  rotate(now?: Date): Promise<void>;
}

/** Events per transaction at most (bounds the parameters of one statement). */
const MAX_BATCH = 400;

/**
 * A page's all-time counts, what the counter shows (zeros for a page never counted). The
 * island calls this on every render: one read of one row by its key.
 */
export async function readPageCounts({ db }: { db: DB }, path: string): Promise<PageCounts> {
  const row = await db.selectFrom('view_total').select(['views', 'visitors']).where('path', '=', path).executeTakeFirst();
  return { path, views: row?.views ?? 0, visitors: row?.visitors ?? 0 };
}

type DayKey = { day: Day; key: KeyObject };
type Pending = { event: ViewEvent; day: Day; resolve: (outcome: RecordOutcome) => void; reject: (error: unknown) => void };
type Totals = { views: number; visitors: number };

export function createViewRecorder({ db }: { db: DB }): ViewRecorder {
  // The hash key of the current day, once its salt has been read in a committed transaction
  // (a salt never changes during its day).
  let committed: DayKey | undefined;

  /** The hash key of `day`, starting the day if needed (inside the transaction `trx`). */
  async function keyOf(trx: DB, day: Day, started: Map<Day, KeyObject>): Promise<KeyObject> {
    if (committed?.day === day) return committed.key;
    const known = started.get(day);
    if (known) return known;
    await trx
      .insertInto('view_salt')
      .values({ day, salt: randomBytes(32) })
      .onConflict((oc) => oc.column('day').doNothing())
      .execute();
    const { salt } = await trx.selectFrom('view_salt').select('salt').where('day', '=', day).executeTakeFirstOrThrow();
    await trx.deleteFrom('view_salt').where('day', '<', day).execute();
    await trx.deleteFrom('view_seen').where('day', '<', day).execute();
    await trx.deleteFrom('view_event_key').where('day', '<', addDays(day, -1)).execute();
    const key = hashKey(salt);
    started.set(day, key);
    return key;
  }

  /** After the commit: the newest day started becomes the cached one. */
  function remember(started: Map<Day, KeyObject>) {
    for (const [day, key] of started) if (!committed || day >= committed.day) committed = { day, key };
  }

  /**
   * A batch of events, in one transaction. The keys first (a write, so that on SQLite the
   * transaction takes the write lock before it reads, waiting its turn under busy_timeout):
   * a key already stored, or repeated earlier in the batch, is not counted. Then each counted
   * event's visitor marks: new today for the page, and if so for the site. The additions are
   * summed per page and day and written once each. Every answer carries the page's totals
   * after the batch: its own view included.
   */
  async function countBatch(batch: readonly Pending[]): Promise<RecordOutcome[]> {
    const started = new Map<Day, KeyObject>();
    const outcomes = await db.transaction().execute(async (trx) => {
      const firstOfKey = new Map<string, Pending>();
      for (const item of batch) if (!firstOfKey.has(item.event.key)) firstOfKey.set(item.event.key, item);
      const inserted = await trx
        .insertInto('view_event_key')
        .values([...firstOfKey.values()].map(({ event, day }) => ({ key: event.key, day })))
        .onConflict((oc) => oc.column('key').doNothing())
        .returning('key')
        .execute();
      const newKeys = new Set(inserted.map((r) => r.key));
      const counted = batch.map((item) => newKeys.has(item.event.key) && firstOfKey.get(item.event.key) === item);

      // Page marks for counted events with a visitor; a mark repeated in the batch is new once.
      const pageMarks = new Map<string, { hash: Buffer; day: Day; item: Pending }>();
      const siteMarkOf = new Map<Pending, { hash: Buffer; day: Day }>();
      for (const [i, item] of batch.entries()) {
        const { event, day } = item;
        if (!counted[i] || event.visitorId === null) continue;
        const key = await keyOf(trx, day, started);
        const hash = keyedHash(key, 'page', day, event.path, event.visitorId);
        const id = hash.toString('hex');
        if (pageMarks.has(id)) continue;
        pageMarks.set(id, { hash, day, item });
        siteMarkOf.set(item, { hash: keyedHash(key, 'site', day, event.visitorId), day });
      }
      // The day starts with its first event even when no event of the batch has a visitor.
      for (const item of batch) await keyOf(trx, item.day, started);
      const newPage = await insertMarks(trx, [...pageMarks.values()]);
      const newPageVisitor = new Set([...pageMarks.values()].filter((m) => newPage.has(m.hash.toString('hex'))).map((m) => m.item));
      // Seen on this page today means seen on the site today (both marks are made together
      // and expire together): only a first view of a page can be a first view of the site.
      const siteMarks = new Map<string, { hash: Buffer; day: Day }>();
      for (const item of newPageVisitor) {
        const mark = siteMarkOf.get(item)!;
        siteMarks.set(mark.hash.toString('hex'), mark);
      }
      const newSite = await insertMarks(trx, [...siteMarks.values()]);
      const newSiteVisitors = new Map<Day, number>();
      for (const [id, { day }] of siteMarks) if (newSite.has(id)) newSiteVisitors.set(day, (newSiteVisitors.get(day) ?? 0) + 1);

      const perPageDay = new Map<string, { path: string; day: Day; views: number; visitors: number }>();
      const perPage = new Map<string, Totals>();
      for (const [i, item] of batch.entries()) {
        if (!counted[i]) continue;
        const { path } = item.event;
        const visitor = newPageVisitor.has(item) ? 1 : 0;
        const id = `${item.day} ${path}`;
        const sum = perPageDay.get(id) ?? { path, day: item.day, views: 0, visitors: 0 };
        sum.views += 1;
        sum.visitors += visitor;
        perPageDay.set(id, sum);
        const total = perPage.get(path) ?? { views: 0, visitors: 0 };
        total.views += 1;
        total.visitors += visitor;
        perPage.set(path, total);
      }
      const totals = new Map<string, Totals>();
      if (perPageDay.size > 0) {
        await trx
          .insertInto('view_daily')
          .values([...perPageDay.values()])
          .onConflict((oc) =>
            oc.columns(['path', 'day']).doUpdateSet({
              views: sql`view_daily.views + excluded.views`,
              visitors: sql`view_daily.visitors + excluded.visitors`,
            }),
          )
          .execute();
        const rows = await trx
          .insertInto('view_total')
          .values([...perPage].map(([path, t]) => ({ path, ...t })))
          .onConflict((oc) =>
            oc.column('path').doUpdateSet({
              views: sql`view_total.views + excluded.views`,
              visitors: sql`view_total.visitors + excluded.visitors`,
            }),
          )
          .returning(['path', 'views', 'visitors'])
          .execute();
        for (const { path, views, visitors } of rows) totals.set(path, { views, visitors });
      }
      if (newSiteVisitors.size > 0) {
        await trx
          .insertInto('view_site_daily')
          .values([...newSiteVisitors].map(([day, visitors]) => ({ day, visitors })))
          .onConflict((oc) => oc.column('day').doUpdateSet({ visitors: sql`view_site_daily.visitors + excluded.visitors` }))
          .execute();
      }
      const outcomes: RecordOutcome[] = [];
      for (const [i, { event }] of batch.entries()) {
        const total = totals.get(event.path) ?? (await readPageCounts({ db: trx }, event.path));
        outcomes.push({ counted: counted[i]!, path: event.path, views: total.views, visitors: total.visitors });
      }
      return outcomes;
    });
    remember(started); // only now: the transaction that read the salt has committed
    return outcomes;
  }

  /** Inserts the marks not yet present; returns the hex of those it inserted. */
  async function insertMarks(trx: DB, marks: { hash: Buffer; day: Day }[]): Promise<Set<string>> {
    if (marks.length === 0) return new Set();
    const rows = await trx
      .insertInto('view_seen')
      .values(marks.map(({ hash, day }) => ({ hash, day })))
      .onConflict((oc) => oc.column('hash').doNothing())
      .returning('hash')
      .execute();
    return new Set(rows.map((r) => Buffer.from(r.hash).toString('hex')));
  }

  // Group commit: events wait in the queue while a batch commits, and go together in the
  // next. Each caller hears back only after the commit that holds its event; if anything in
  // it fails, nothing of it is kept and every event in it is refused (the beacon retries
  // with the same key).
  let queue: Pending[] = [];
  let inFlight = false;
  function flush() {
    if (inFlight || queue.length === 0) return;
    inFlight = true;
    const batch = queue.slice(0, MAX_BATCH);
    queue = queue.slice(batch.length);
    countBatch(batch)
      .then(
        (outcomes) => outcomes.forEach((outcome, i) => batch[i]!.resolve(outcome)),
        (error: unknown) => batch.forEach((item) => item.reject(error)),
      )
      .finally(() => {
        inFlight = false;
        flush();
      });
  }

  return {
    record(event, now = new Date()) {
      return new Promise<RecordOutcome>((resolve, reject) => {
        queue.push({ event, day: dayOf(now), resolve, reject });
        // Events of the same turn of the event loop go together even when nothing is in flight.
        if (queue.length === 1 && !inFlight) setImmediate(flush);
      });
    },
    counts: (path) => readPageCounts({ db }, path),
    async rotate(now = new Date()) {
      const day = dayOf(now);
      if (committed?.day === day) return;
      const started = new Map<Day, KeyObject>();
      await db.transaction().execute((trx) => keyOf(trx, day, started));
      remember(started);
    },
  };
}
