import { randomBytes, type KeyObject } from 'node:crypto';
import { sql } from 'kysely';
import { executePrepared, isTransactionConflict, sharedRead, writesSeveralTablesInOneStatement, type DB } from '../db/index.ts';
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
 * On PostgreSQL a batch of the current day is the same writes in one statement instead
 * (`countBatchInOneStatement`, decision 0027): each statement of a transaction is a round
 * trip to the server, and under load those round trips, not the work, were the time a batch
 * took. Batches of several app servers that touch the same rows wait on each other's row
 * locks; every statement writes its rows sorted by their key, so they always take them in the
 * same order, and a batch the server still ends to break a deadlock is run again (nothing of
 * it was kept).
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

/** Attempts at a batch that the database ended in a conflict with another (a deadlock). */
const CONFLICT_ATTEMPTS = 3;

/** Rows in the order of their unique key, the order every batch locks them in. */
function sortedBy<T>(rows: Iterable<T>, keyOf: (row: T) => string): T[] {
  return [...rows]
    .map((row) => ({ key: keyOf(row), row }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ row }) => row);
}

/**
 * A page's all-time counts, what the counter shows (zeros for a page never counted). The
 * island calls this on every render: one read of one row by its key, shared by the renders of
 * the same page that start while it is in flight (`sharedRead`, decision 0028; the island's
 * answer may be cached for seconds anyway).
 */
export function readPageCounts({ db }: { db: DB }, path: string): Promise<PageCounts> {
  return sharedRead(db, `view_total ${path}`, () => readPageCountsNow(db, path));
}

async function readPageCountsNow(db: DB, path: string): Promise<PageCounts> {
  const row = await db.selectFrom('view_total').select(['views', 'visitors']).where('path', '=', path).executeTakeFirst();
  return { path, views: row?.views ?? 0, visitors: row?.visitors ?? 0 };
}

type DayKey = { day: Day; key: KeyObject };
type Pending = { event: ViewEvent; day: Day; resolve: (outcome: RecordOutcome) => void; reject: (error: unknown) => void };
type Totals = { views: number; visitors: number };

/** The first event of the batch with each idempotency key: a key repeated later is not counted again. */
function firstOfEachKey(batch: readonly Pending[]): Map<string, Pending> {
  const first = new Map<string, Pending>();
  for (const item of batch) if (!first.has(item.event.key)) first.set(item.event.key, item);
  return first;
}

export function createViewRecorder({ db }: { db: DB }): ViewRecorder {
  const oneStatement = writesSeveralTablesInOneStatement(db);
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
    const today = committed;
    if (oneStatement && today && batch.every((item) => item.day === today.day)) return countBatchInOneStatement(batch, today.key);
    const started = new Map<Day, KeyObject>();
    const outcomes = await db.transaction().execute(async (trx) => {
      const firstOfKey = firstOfEachKey(batch);
      const inserted = await trx
        .insertInto('view_event_key')
        .values(sortedBy(firstOfKey.values(), (item) => item.event.key).map(({ event, day }) => ({ key: event.key, day })))
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
          .values(sortedBy(perPageDay.values(), (row) => `${row.path}\n${row.day}`))
          .onConflict((oc) =>
            oc.columns(['path', 'day']).doUpdateSet({
              views: sql`view_daily.views + excluded.views`,
              visitors: sql`view_daily.visitors + excluded.visitors`,
            }),
          )
          .execute();
        const rows = await trx
          .insertInto('view_total')
          .values(sortedBy(perPage, ([path]) => path).map(([path, t]) => ({ path, ...t })))
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
          .values(sortedBy(newSiteVisitors, ([day]) => day).map(([day, visitors]) => ({ day, visitors })))
          .onConflict((oc) => oc.column('day').doUpdateSet({ visitors: sql`view_site_daily.visitors + excluded.visitors` }))
          .execute();
      }
      const outcomes: RecordOutcome[] = [];
      for (const [i, { event }] of batch.entries()) {
        const total = totals.get(event.path) ?? (await readPageCountsNow(trx, event.path));
        outcomes.push({ counted: counted[i]!, path: event.path, views: total.views, visitors: total.visitors });
      }
      return outcomes;
    });
    remember(started); // only now: the transaction that read the salt has committed
    return outcomes;
  }

  /**
   * A batch of the current day (its hash key known) as one statement, with the same outcome
   * as the transaction of countBatch: the keys not yet stored are counted, once each; a
   * counted event's page mark that is new makes its visitor new for the page (once per mark),
   * and then its site mark, if new, new for the site; the sums per page and day, per page and
   * per day are added; every answer carries its page's totals after the batch. Both marks are
   * hashed for every event with a visitor (what is not counted is not inserted): the statement
   * learns which events count only as it runs.
   */
  async function countBatchInOneStatement(batch: readonly Pending[], key: KeyObject): Promise<RecordOutcome[]> {
    const firstOfKey = firstOfEachKey(batch);
    const events = sortedBy(firstOfKey.values(), (item) => item.event.key);
    const column = <T>(of: (item: Pending) => T) => events.map(of);
    const mark = (item: Pending, ...parts: string[]) =>
      item.event.visitorId === null ? null : keyedHash(key, ...parts, item.event.visitorId);
    type Row = { key: string | null; path: string | null; views: number | null; visitors: number | null };
    const rows = await executePrepared(
      db,
      'count_view_batch',
      sql<Row>`
      with event as (
        select * from unnest(
          ${column((item) => item.event.key)}::text[], ${column((item) => item.day)}::text[],
          ${column((item) => item.event.path)}::text[],
          ${column((item) => mark(item, 'page', item.day, item.event.path))}::bytea[],
          ${column((item) => mark(item, 'site', item.day))}::bytea[]
        ) as event (key, day, path, page_mark, site_mark)
      ),
      new_key as (
        insert into view_event_key (key, day) select key, day from event order by key
        on conflict (key) do nothing
        returning key
      ),
      counted as (select event.* from event join new_key using (key)),
      new_page_mark as (
        insert into view_seen (hash, day)
        select distinct page_mark, day from counted where page_mark is not null order by page_mark
        on conflict (hash) do nothing
        returning hash
      ),
      new_page_visitor as (
        select distinct on (page_mark) counted.* from counted join new_page_mark on new_page_mark.hash = counted.page_mark
        order by page_mark, key
      ),
      new_site_mark as (
        insert into view_seen (hash, day)
        select distinct site_mark, day from new_page_visitor order by site_mark
        on conflict (hash) do nothing
        returning day
      ),
      page_day as (
        select counted.path, counted.day, count(*) as views, count(new_page_visitor.key) as visitors
        from counted left join new_page_visitor using (key)
        group by counted.path, counted.day
      ),
      added_daily as (
        insert into view_daily (path, day, views, visitors)
        select path, day, views, visitors from page_day order by path, day
        on conflict (path, day) do update
          set views = view_daily.views + excluded.views, visitors = view_daily.visitors + excluded.visitors
      ),
      total as (
        insert into view_total (path, views, visitors)
        select path, sum(views), sum(visitors) from page_day group by path order by path
        on conflict (path) do update
          set views = view_total.views + excluded.views, visitors = view_total.visitors + excluded.visitors
        returning path, views, visitors
      ),
      added_site_daily as (
        insert into view_site_daily (day, visitors)
        select day, count(*) from new_site_mark group by day order by day
        on conflict (day) do update set visitors = view_site_daily.visitors + excluded.visitors
      )
      select key, null as path, null as views, null as visitors from new_key
      union all
      select null, path, views, visitors from total
    `,
    );
    const newKeys = new Set<string>();
    const totals = new Map<string, Totals>();
    for (const row of rows) {
      if (row.key !== null) newKeys.add(row.key);
      else totals.set(row.path!, { views: Number(row.views), visitors: Number(row.visitors) });
    }
    const outcomes: RecordOutcome[] = [];
    for (const item of batch) {
      const { path } = item.event;
      const counted = newKeys.has(item.event.key) && firstOfKey.get(item.event.key) === item;
      const total = totals.get(path) ?? (await readPageCountsNow(db, path));
      totals.set(path, total);
      outcomes.push({ counted, path, views: total.views, visitors: total.visitors });
    }
    return outcomes;
  }

  /** Inserts the marks not yet present; returns the hex of those it inserted. */
  async function insertMarks(trx: DB, marks: { hash: Buffer; day: Day }[]): Promise<Set<string>> {
    if (marks.length === 0) return new Set();
    const rows = await trx
      .insertInto('view_seen')
      .values(sortedBy(marks, ({ hash }) => hash.toString('hex')).map(({ hash, day }) => ({ hash, day })))
      .onConflict((oc) => oc.column('hash').doNothing())
      .returning('hash')
      .execute();
    return new Set(rows.map((r) => Buffer.from(r.hash).toString('hex')));
  }

  /** A batch, run again when the database ended it to break a deadlock with another. */
  async function countBatchAgainOnConflict(batch: readonly Pending[]): Promise<RecordOutcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await countBatch(batch);
      } catch (error) {
        if (attempt >= CONFLICT_ATTEMPTS || !isTransactionConflict(error)) throw error;
      }
    }
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
    countBatchAgainOnConflict(batch)
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
