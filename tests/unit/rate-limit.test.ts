import { describe, expect, it } from 'vitest';
import { hit, hitAll, pruneRateLimits, refund } from '../../src/lib/rate-limit/index.ts';
import { testDatabase } from '../support/db.ts';

const database = testDatabase();

const limit = { bucket: 'test', max: 3, windowMs: 60_000 };

describe('hit', () => {
  it('allows max attempts per window, then says how long to wait', async () => {
    const t0 = new Date('2026-01-01T00:00:10Z');
    for (let i = 0; i < 3; i++) expect(await hit(database.db, limit, 'k', t0)).toEqual({ allowed: true });
    expect(await hit(database.db, limit, 'k', new Date('2026-01-01T00:00:20Z'))).toEqual({ allowed: false, retryAfterSeconds: 50 });
    // Other keys are counted separately.
    expect(await hit(database.db, limit, 'other', t0)).toEqual({ allowed: true });
    // The window is the key's own, opened by its first attempt: a minute on the clock
    // turning over gives no fresh allowance…
    expect((await hit(database.db, limit, 'k', new Date('2026-01-01T00:01:05Z'))).allowed).toBe(false);
    // …a minute after that first attempt does.
    expect(await hit(database.db, limit, 'k', new Date('2026-01-01T00:01:10Z'))).toEqual({ allowed: true });
  });

  it('gives back an attempt in the open window only, never below zero', async () => {
    const t0 = new Date('2026-01-01T00:00:10Z');
    for (let i = 0; i < 3; i++) await hit(database.db, limit, 'k', t0);
    await refund(database.db, limit, 'k', t0);
    expect(await hit(database.db, limit, 'k', t0)).toEqual({ allowed: true });
    expect((await hit(database.db, limit, 'k', t0)).allowed).toBe(false);
    // Once the window has closed there is nothing of it to give back.
    const t1 = new Date('2026-01-01T00:01:10Z');
    await refund(database.db, limit, 'k', t1);
    await hit(database.db, limit, 'k', t1);
    await refund(database.db, limit, 'k', t1);
    await refund(database.db, limit, 'k', t1);
    const [row] = await database.db.selectFrom('rate_limit').select(['count', 'window_start']).execute();
    expect(row).toEqual({ count: 0, window_start: t1.getTime() });
  });

  it('stores only a hash of the key', async () => {
    await hit(database.db, limit, '203.0.113.9');
    const rows = await database.db.selectFrom('rate_limit').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain('203.0.113.9');
  });

  it('counts concurrent attempts exactly', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const results = await Promise.all(Array.from({ length: 10 }, () => hit(database.db, limit, 'k', now)));
    expect(results.filter((r) => r.allowed)).toHaveLength(3);
  });

  it('combines limits and prunes old windows', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const strict = { bucket: 'strict', max: 1, windowMs: 3_600_000 };
    expect(await hitAll(database.db, [[limit, 'a'], [strict, 'b']], now)).toEqual({ allowed: true });
    expect(await hitAll(database.db, [[limit, 'a'], [strict, 'b']], now)).toEqual({ allowed: false, retryAfterSeconds: 3600 });
    await pruneRateLimits(database.db, new Date('2026-01-03T00:00:00Z'));
    expect(await database.db.selectFrom('rate_limit').selectAll().execute()).toEqual([]);
  });
});
