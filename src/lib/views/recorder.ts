import { randomBytes, type KeyObject } from 'node:crypto';
import type { OpenDatabase, SqliteStatement } from '../db/index.ts';
import { addDays, dayOf, type Day } from './days.ts';
import { hashKey, keyedHash } from './visitor.ts';

/**
 * Counting views, exactly.
 *
 * A view event, inside a SQLite transaction: record the page load's idempotency key (a
 * repeat stops here), mark the visitor as seen for the page and for the site today (keyed
 * hashes), then add to the page's day, the page's total and the site's day. Events that
 * arrive together are committed together (group commit). better-sqlite3 is synchronous, so
 * a transaction runs start to finish without yielding. It never runs while another request
 * has a transaction open on the shared connection (it would become a savepoint inside it
 * and share its fate): then it waits for Kysely's connection lock. A caller is answered
 * only after the commit that holds its event: an acknowledged view is never lost, and none
 * is counted twice.
 *
 * The statements are written out here (constant SQL with placeholders, prepared once)
 * rather than built with Kysely per event: this is the hot path of every page view. They are
 * plain SQL upserts (`on conflict … do update`), which PostgreSQL also speaks.
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
  counts(path: string): PageCounts;
  /**
   * Starts the day of `now` if it has not started yet: draws its salt, deletes older salts,
   * the dedupe rows of past days, and idempotency keys older than yesterday. Runs by itself
   * with the first event of a day; the scheduler's views job (retention.ts) deletes the
   * same past-day rows just after each UTC midnight.
   */
  rotate(now?: Date): Promise<void>;
}

type Totals = { views: number; visitors: number };

const totalsStatements = new WeakMap<OpenDatabase['sqlite'], SqliteStatement<[string], Totals>>();

/**
 * A page's all-time counts, what the counter shows (zeros for a page never counted). One
 * read of one row with a statement prepared once per connection: the island calls this on
 * every render. Counting transactions never stay open across an await, so this always
 * reads committed totals.
 */
export function readPageCounts({ sqlite }: Pick<OpenDatabase, 'sqlite'>, path: string): PageCounts {
  let statement = totalsStatements.get(sqlite);
  if (!statement) {
    statement = sqlite.prepare<[string], Totals>('select views, visitors from view_total where path = ?');
    totalsStatements.set(sqlite, statement);
  }
  const row = statement.get(path);
  return { path, views: row?.views ?? 0, visitors: row?.visitors ?? 0 };
}
type DayKey = { day: Day; key: KeyObject };
type Pending = { event: ViewEvent; day: Day; resolve: (outcome: RecordOutcome) => void; reject: (error: unknown) => void };

export function createViewRecorder({ db, sqlite }: Pick<OpenDatabase, 'db' | 'sqlite'>): ViewRecorder {
  const statements = {
    insertKey: sqlite.prepare<[string, Day]>('insert into view_event_key (key, day) values (?, ?) on conflict (key) do nothing'),
    getSalt: sqlite.prepare<[Day], { salt: Buffer }>('select salt from view_salt where day = ?'),
    insertSalt: sqlite.prepare<[Day, Buffer]>('insert into view_salt (day, salt) values (?, ?) on conflict (day) do nothing'),
    deleteOldSalts: sqlite.prepare<[Day]>('delete from view_salt where day < ?'),
    deleteOldSeen: sqlite.prepare<[Day]>('delete from view_seen where day < ?'),
    deleteOldKeys: sqlite.prepare<[Day]>('delete from view_event_key where day < ?'),
    insertSeen: sqlite.prepare<[Buffer, Day]>('insert into view_seen (hash, day) values (?, ?) on conflict (hash) do nothing'),
    addDaily: sqlite.prepare<[string, Day, number, number]>(
      `insert into view_daily (path, day, views, visitors) values (?, ?, ?, ?)
       on conflict (path, day) do update set views = view_daily.views + excluded.views, visitors = view_daily.visitors + excluded.visitors`,
    ),
    addTotal: sqlite.prepare<[string, number, number], Totals>(
      `insert into view_total (path, views, visitors) values (?, ?, ?)
       on conflict (path) do update set views = view_total.views + excluded.views, visitors = view_total.visitors + excluded.visitors
       returning views, visitors`,
    ),
    addSiteVisitors: sqlite.prepare<[Day, number]>(
      `insert into view_site_daily (day, visitors) values (?, ?)
       on conflict (day) do update set visitors = view_site_daily.visitors + excluded.visitors`,
    ),
  };

  // The hash key of the current day, once its salt has been read in a committed transaction
  // (a salt never changes during its day). `draft` is what the running transaction uses.
  let committed: DayKey | undefined;
  let draft: DayKey | undefined;

  /** The hash key of `day`, starting the day if needed (inside a transaction). */
  function keyOf(day: Day): KeyObject {
    if (draft?.day === day) return draft.key;
    statements.insertSalt.run(day, randomBytes(32));
    const { salt } = statements.getSalt.get(day)!;
    statements.deleteOldSalts.run(day);
    statements.deleteOldSeen.run(day);
    statements.deleteOldKeys.run(addDays(day, -1));
    draft = { day, key: hashKey(salt) };
    return draft.key;
  }

  const countsOf = (path: string) => readPageCounts({ sqlite }, path);

  /**
   * A batch of events, in one transaction. Each event: its key (a repeat stops here), then
   * whether its visitor is new today for the page and for the site. The additions are then
   * summed per page and day and written once each, so a batch costs one upsert per page, not
   * per event. Every answer carries the page's totals after the batch: its own view included.
   */
  const countBatch = sqlite.transaction((batch: readonly Pending[]): RecordOutcome[] => {
    const perPageDay = new Map<string, { path: string; day: Day; views: number; visitors: number }>();
    const newSiteVisitors = new Map<Day, number>();
    const counted = batch.map(({ event, day }) => {
      const key = keyOf(day);
      if (statements.insertKey.run(event.key, day).changes === 0) return false;
      let newPageVisitor = 0;
      if (event.visitorId !== null) {
        newPageVisitor = statements.insertSeen.run(keyedHash(key, 'page', day, event.path, event.visitorId), day).changes;
        // Seen on this page today means seen on the site today (both marks are made together
        // and expire together): only a first view of a page can be a first view of the site.
        if (newPageVisitor === 1 && statements.insertSeen.run(keyedHash(key, 'site', day, event.visitorId), day).changes === 1) {
          newSiteVisitors.set(day, (newSiteVisitors.get(day) ?? 0) + 1);
        }
      }
      const id = `${day} ${event.path}`;
      const sum = perPageDay.get(id) ?? { path: event.path, day, views: 0, visitors: 0 };
      sum.views += 1;
      sum.visitors += newPageVisitor;
      perPageDay.set(id, sum);
      return true;
    });
    const totals = new Map<string, Totals>();
    for (const { path, day, views, visitors } of perPageDay.values()) {
      statements.addDaily.run(path, day, views, visitors);
      totals.set(path, statements.addTotal.get(path, views, visitors)!);
    }
    for (const [day, visitors] of newSiteVisitors) statements.addSiteVisitors.run(day, visitors);
    return batch.map(({ event }, i) => {
      const total = totals.get(event.path) ?? countsOf(event.path);
      return { counted: counted[i]!, path: event.path, views: total.views, visitors: total.visitors };
    });
  });
  const startDay = sqlite.transaction((day: Day) => keyOf(day));

  /**
   * Runs `work` (which opens and commits its own transaction) once nothing else has a
   * transaction open on the shared connection. If none is open now, it runs at once: it is
   * synchronous, so nothing can begin meanwhile. If one is (a Kysely transaction between two
   * of its awaits), it waits for Kysely's connection lock, which that transaction holds.
   */
  function exclusive<T>(work: () => T): Promise<T> {
    if (!sqlite.inTransaction) {
      try {
        return Promise.resolve(runAlone(work));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return db.connection().execute(async () => runAlone(work));
  }

  function runAlone<T>(work: () => T): T {
    if (sqlite.inTransaction) throw new Error('view counting: the connection is inside another transaction');
    draft = committed;
    try {
      const result = work();
      committed = draft; // only now: the transaction that read the salt has committed
      return result;
    } finally {
      draft = committed;
    }
  }

  // Group commit: the events that arrive while the event loop is busy are counted together,
  // in one transaction, as soon as it is free. Each caller hears back only after the commit
  // that holds its event; if anything in it fails, nothing of it is kept and every event in
  // it is refused (the beacon retries with the same key).
  let queue: Pending[] = [];
  let scheduled = false;
  function flush() {
    scheduled = false;
    const batch = queue;
    queue = [];
    exclusive(() => countBatch.immediate(batch)).then(
      (outcomes) => outcomes.forEach((outcome, i) => batch[i]!.resolve(outcome)),
      (error: unknown) => batch.forEach((item) => item.reject(error)),
    );
  }

  return {
    record(event, now = new Date()) {
      return new Promise<RecordOutcome>((resolve, reject) => {
        queue.push({ event, day: dayOf(now), resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    counts: countsOf,
    async rotate(now = new Date()) {
      const day = dayOf(now);
      if (committed?.day === day) return;
      await exclusive(() => startDay.immediate(day));
    },
  };
}
