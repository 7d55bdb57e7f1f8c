import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { createViewRecorder, readPageCounts, type ViewRecorder } from '../../src/lib/views/index.ts';
import { describeSchema } from '../../src/lib/db/index.ts';
import { dialect, testDatabase } from '../support/db.ts';

const database = testDatabase();
let views: ViewRecorder;
let n = 0;
const key = () => `test-key-${String(++n).padStart(8, '0')}`;
const at = (iso: string) => new Date(iso);
const DAY1 = at('2026-03-01T12:00:00Z');
const DAY2 = at('2026-03-02T00:00:00.001Z');

beforeEach(async () => {
  views = createViewRecorder(database);
});

const all = async (table: string) => (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(database.db)).rows;

describe('counting', () => {
  it('counts 2,000 concurrent events exactly once each', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        views.record({ path: '/features', key: key(), visitorId: i % 2 ? 'VisitorAAAAAAAAAAAAAAAAA' : null }, DAY1),
      ),
    );
    expect(outcomes.every((o) => o.counted)).toBe(true);
    expect(await views.counts('/features')).toEqual({ path: '/features', views: 2000, visitors: 1 });
    expect(await all('view_daily')).toEqual([{ path: '/features', day: '2026-03-01', views: 2000, visitors: 1 }]);
    // Every answer includes its own view: the largest is the total.
    expect(Math.max(...outcomes.map((o) => o.views))).toBe(2000);
    expect(Math.min(...outcomes.map((o) => o.views))).toBeGreaterThanOrEqual(1);
  });

  it('counts exactly when two app servers count the same pages and keys at once', async () => {
    // Each recorder is one app server; the second sees the events in the opposite order, so
    // their batches reach the same rows in opposite orders unless they lock them sorted.
    const [one, two] = [createViewRecorder(database), createViewRecorder(database)];
    const events = Array.from({ length: 600 }, (_, i) => ({
      path: `/page-${i % 20}`,
      key: key(),
      visitorId: `Visitor${String(i % 7).repeat(17)}`,
    }));
    const outcomes = await Promise.all([
      ...events.map((event) => one.record(event, DAY1)),
      ...events.toReversed().map((event) => two.record(event, DAY1)),
    ]);
    expect(outcomes.filter((o) => o.counted)).toHaveLength(600);
    for (let page = 0; page < 20; page++) {
      expect(await one.counts(`/page-${page}`)).toEqual({ path: `/page-${page}`, views: 30, visitors: 7 });
    }
  });

  it('counts a mixed batch of the current day as it would count the same events one by one', async () => {
    const A = 'VisitorAAAAAAAAAAAAAAAAA';
    const B = 'VisitorBBBBBBBBBBBBBBBBB';
    const earlier = key();
    await views.record({ path: '/a', key: earlier, visitorId: A }, DAY1); // the day has started
    const twice = key();
    // One batch (the same turn of the event loop); on PostgreSQL, one statement.
    const outcomes = await Promise.all([
      views.record({ path: '/a', key: earlier, visitorId: A }, DAY1), // a retry: not counted
      views.record({ path: '/a', key: twice, visitorId: B }, DAY1), // B: new on /a and on the site
      views.record({ path: '/a', key: twice, visitorId: B }, DAY1), // the same key again
      views.record({ path: '/a', key: key(), visitorId: B }, DAY1), // B again: a view, not a visitor
      views.record({ path: '/b', key: key(), visitorId: A }, DAY1), // A: new on /b, not on the site
      views.record({ path: '/b', key: key(), visitorId: null }, DAY1), // no cookie: a view
    ]);
    expect(outcomes.map((o) => o.counted)).toEqual([false, true, false, true, true, true]);
    expect(outcomes.map((o) => [o.path, o.views, o.visitors])).toEqual([
      ['/a', 3, 2],
      ['/a', 3, 2],
      ['/a', 3, 2],
      ['/a', 3, 2],
      ['/b', 2, 1],
      ['/b', 2, 1],
    ]);
    const daily = (await all('view_daily')).sort((x, y) => String(x.path).localeCompare(String(y.path)));
    expect(daily).toEqual([
      { path: '/a', day: '2026-03-01', views: 3, visitors: 2 },
      { path: '/b', day: '2026-03-01', views: 2, visitors: 1 },
    ]);
    expect(await all('view_site_daily')).toEqual([{ day: '2026-03-01', visitors: 2 }]);
    expect(await all('view_event_key')).toHaveLength(5);
  });

  it('answers with counts that include the event itself', async () => {
    const first = await views.record({ path: '/a', key: key(), visitorId: 'VisitorAAAAAAAAAAAAAAAAA' }, DAY1);
    expect(first).toEqual({ counted: true, path: '/a', views: 1, visitors: 1 });
    const second = await views.record({ path: '/a', key: key(), visitorId: 'VisitorAAAAAAAAAAAAAAAAA' }, DAY1);
    expect(second).toEqual({ counted: true, path: '/a', views: 2, visitors: 1 });
  });

  it('counts the same idempotency key once, in one batch or in separate ones', async () => {
    const k = key();
    const [a, b] = await Promise.all([
      views.record({ path: '/a', key: k, visitorId: null }, DAY1),
      views.record({ path: '/a', key: k, visitorId: null }, DAY1),
    ]);
    expect([a.counted, b.counted].sort()).toEqual([false, true]);
    const again = await views.record({ path: '/a', key: k, visitorId: null }, DAY1);
    expect(again).toEqual({ counted: false, path: '/a', views: 1, visitors: 0 });
    // A retry just after midnight is still a repeat.
    expect((await views.record({ path: '/a', key: k, visitorId: null }, DAY2)).counted).toBe(false);
    expect((await views.counts('/a')).views).toBe(1);
  });

  it('counts unique visitors per page per day, and site-wide per day', async () => {
    const A = 'VisitorAAAAAAAAAAAAAAAAA';
    const B = 'VisitorBBBBBBBBBBBBBBBBB';
    for (const [path, visitorId] of [
      ['/a', A],
      ['/a', A],
      ['/b', A],
      ['/a', B],
    ] as const) {
      await views.record({ path, key: key(), visitorId }, DAY1);
    }
    expect(await views.counts('/a')).toEqual({ path: '/a', views: 3, visitors: 2 });
    expect(await views.counts('/b')).toEqual({ path: '/b', views: 1, visitors: 1 });
    expect(await all('view_site_daily')).toEqual([{ day: '2026-03-01', visitors: 2 }]);

    // The next day, the same visitor is a unique visitor again.
    await views.record({ path: '/a', key: key(), visitorId: A }, DAY2);
    expect(await views.counts('/a')).toEqual({ path: '/a', views: 4, visitors: 3 });
    expect(await all('view_site_daily')).toEqual([
      { day: '2026-03-01', visitors: 2 },
      { day: '2026-03-02', visitors: 1 },
    ]);
  });

  it('counts views without a cookie (Global Privacy Control) but not as visitors', async () => {
    await views.record({ path: '/a', key: key(), visitorId: null }, DAY1);
    await views.record({ path: '/a', key: key(), visitorId: null }, DAY1);
    expect(await views.counts('/a')).toEqual({ path: '/a', views: 2, visitors: 0 });
    expect(await all('view_site_daily')).toEqual([]);
    expect(await all('view_seen')).toEqual([]);
  });

  it('gives concurrent readers of a page one read, and reads again once it has settled', async () => {
    await views.record({ path: '/a', key: key(), visitorId: null }, DAY1);
    const first = readPageCounts(database, '/a');
    expect(readPageCounts(database, '/a')).toBe(first);
    const other = readPageCounts(database, '/b');
    expect(other).not.toBe(first);
    expect(await other).toEqual({ path: '/b', views: 0, visitors: 0 });
    expect(await first).toEqual({ path: '/a', views: 1, visitors: 0 });
    await views.record({ path: '/a', key: key(), visitorId: null }, DAY1);
    const next = readPageCounts(database, '/a');
    expect(next).not.toBe(first);
    expect(await next).toEqual({ path: '/a', views: 2, visitors: 0 });
  });

  it('answers zeros for a page never counted', async () => {
    expect(await views.counts('/never')).toEqual({ path: '/never', views: 0, visitors: 0 });
    expect(await readPageCounts(database, '/never')).toEqual({ path: '/never', views: 0, visitors: 0 });
  });
});

describe('what is stored', () => {
  it('never the visitor identifier, only keyed hashes of it, and nothing about the request', async () => {
    const id = 'SecretVisitorIdentifier1';
    await views.record({ path: '/a', key: key(), visitorId: id }, DAY1);
    const tables = (await describeSchema(database.db)).tables.filter((t) => t.name.startsWith('view'));
    for (const { name } of tables) {
      for (const row of await all(name)) {
        for (const value of Object.values(row)) {
          const text = Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
          expect(text, name).not.toContain(id);
        }
      }
    }
    expect(await all('view_seen')).toHaveLength(2); // one for the page, one for the site
  });

  it('rotates the salt at UTC midnight and deletes what the past day needed', async () => {
    await views.record({ path: '/a', key: key(), visitorId: 'VisitorAAAAAAAAAAAAAAAAA' }, DAY1);
    const [day1Salt] = await all('view_salt');
    expect(day1Salt).toMatchObject({ day: '2026-03-01' });

    await views.rotate(DAY2);
    const salts = await all('view_salt');
    expect(salts).toHaveLength(1);
    expect(salts[0]).toMatchObject({ day: '2026-03-02' });
    expect(Buffer.compare(salts[0]!.salt as Buffer, day1Salt!.salt as Buffer)).not.toBe(0);
    expect(await all('view_seen')).toEqual([]); // the day's dedupe rows are gone with it
    expect(await all('view_event_key')).toHaveLength(1); // keys stay one more day (retries over midnight)

    await views.rotate(at('2026-03-03T00:00:01Z'));
    expect(await all('view_event_key')).toHaveLength(0);
    // Aggregates stay.
    expect(await views.counts('/a')).toEqual({ path: '/a', views: 1, visitors: 1 });
  });
});

describe('never losing an acknowledged view', () => {
  it('refuses every event of a batch that cannot be committed, and keeps none of it', async () => {
    if (dialect === 'postgres') {
      await sql`create function boom() returns trigger language plpgsql as $$ begin raise exception 'boom'; end $$`.execute(database.db);
      await sql`create trigger boom before insert on view_daily for each row when (new.path = '/boom') execute function boom()`.execute(
        database.db,
      );
    } else {
      await sql`create trigger boom before insert on view_daily when new.path = '/boom' begin select raise(abort, 'boom'); end`.execute(
        database.db,
      );
    }
    const results = await Promise.allSettled([
      views.record({ path: '/ok', key: key(), visitorId: null }, DAY1),
      views.record({ path: '/boom', key: key(), visitorId: null }, DAY1),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await views.counts('/ok')).views).toBe(0);
    expect(await all('view_event_key')).toEqual([]); // a retry with the same key will count
    const retry = await views.record({ path: '/ok', key: 'test-key-00000001', visitorId: null }, DAY1);
    expect(retry.counted).toBe(true);
  });

  it('does not end up inside a transaction another request has open', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const other = database.db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('app_meta').values({ key: 'in-flight', value: 'x' }).execute();
        await held;
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    const counted = views.record({ path: '/a', key: key(), visitorId: null }, DAY1);
    // One turn of the event loop: the recording has started while the other transaction is open.
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await other;
    expect((await counted).counted).toBe(true);
    // The other transaction rolled back; the view did not go with it.
    expect((await views.counts('/a')).views).toBe(1);
  });
});
