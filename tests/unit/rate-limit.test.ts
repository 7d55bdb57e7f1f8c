import { describe, expect, it } from 'vitest';
import {
  backoff,
  BACKOFFS,
  countReauth,
  countSignIn,
  hit,
  hitAll,
  LIMITS,
  pruneRateLimits,
  refund,
  signInSucceeded,
} from '../../src/lib/rate-limit/index.ts';
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
    expect(
      await hitAll(
        database.db,
        [
          [limit, 'a'],
          [strict, 'b'],
        ],
        now,
      ),
    ).toEqual({ allowed: true });
    expect(
      await hitAll(
        database.db,
        [
          [limit, 'a'],
          [strict, 'b'],
        ],
        now,
      ),
    ).toEqual({ allowed: false, retryAfterSeconds: 3600 });
    await pruneRateLimits(database.db, new Date('2026-01-03T00:00:00Z'));
    expect(await database.db.selectFrom('rate_limit').selectAll().execute()).toEqual([]);
  });
});

describe('backoff', () => {
  const slow = { bucket: 'slow', free: 2, windowMs: 3_600_000, stepMs: 10_000, maxDelayMs: 30_000 };
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000);

  it('lets the free attempts through, then makes each next one wait longer, up to the cap', async () => {
    const db = database.db;
    expect(await backoff(db, slow, 'k', t(0))).toEqual({ allowed: true });
    expect(await backoff(db, slow, 'k', t(0))).toEqual({ allowed: true });
    // The third passes, and sets a wait of one step for the next.
    expect(await backoff(db, slow, 'k', t(1))).toEqual({ allowed: true });
    expect(await backoff(db, slow, 'k', t(2))).toEqual({ allowed: false, retryAfterSeconds: 9 });
    // Refused attempts are not counted: the wait does not grow while refused.
    expect(await backoff(db, slow, 'k', t(5))).toEqual({ allowed: false, retryAfterSeconds: 6 });
    expect(await backoff(db, slow, 'k', t(11))).toEqual({ allowed: true });
    expect(await backoff(db, slow, 'k', t(12))).toEqual({ allowed: false, retryAfterSeconds: 19 });
    expect(await backoff(db, slow, 'k', t(31))).toEqual({ allowed: true });
    expect(await backoff(db, slow, 'k', t(32))).toEqual({ allowed: false, retryAfterSeconds: 29 });
    expect(await backoff(db, slow, 'k', t(61))).toEqual({ allowed: true });
    // At the cap.
    expect(await backoff(db, slow, 'k', t(62))).toEqual({ allowed: false, retryAfterSeconds: 29 });
    // A new window starts afresh.
    expect(await backoff(db, slow, 'k', t(3700))).toEqual({ allowed: true });
    expect(await backoff(db, slow, 'k', t(3700))).toEqual({ allowed: true });
  });

  it('gives one turn to one of many concurrent attempts', async () => {
    for (let i = 0; i < 2; i++) await backoff(database.db, slow, 'k', t(0));
    const results = await Promise.all(Array.from({ length: 10 }, () => backoff(database.db, slow, 'k', t(1))));
    expect(results.filter((r) => r.allowed)).toHaveLength(1);
  });
});

describe('sign-in and re-authentication limits', () => {
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000);
  const owner = 'owner@example.com';

  it("an attacker's failures from one address do not stop the owner signing in from another", async () => {
    const db = database.db;
    for (let i = 0; i < LIMITS.signInPerAccountIp.max; i++) expect((await countSignIn(db, owner, '203.0.113.1', t(i))).allowed).toBe(true);
    expect(await countSignIn(db, owner, '203.0.113.1', t(20))).toEqual({ allowed: false, retryAfterSeconds: 15 * 60 - 20 });
    // The owner, elsewhere:
    expect(await countSignIn(db, owner, '198.51.100.7', t(21))).toEqual({ allowed: true });
    await signInSucceeded(db, owner, '198.51.100.7', t(21));
  });

  it('one client address cannot reach the account-wide backoff; many can, and are slowed, not shut out', async () => {
    const db = database.db;
    const { free, stepMs } = BACKOFFS.signInPerAccount;
    // One address, a whole hour of its per-(account, address) windows: below the account's free failures.
    const perHour = LIMITS.signInPerAccountIp.max * (3_600_000 / LIMITS.signInPerAccountIp.windowMs);
    expect(perHour).toBeLessThan(free);
    // Many addresses: `free` failures pass, then each next attempt waits longer.
    for (let i = 0; i < free; i++) expect((await countSignIn(db, owner, `10.0.${Math.floor(i / 10)}.${i % 10}`, t(0))).allowed).toBe(true);
    expect(await countSignIn(db, owner, '10.1.0.1', t(1))).toEqual({ allowed: true });
    expect(await countSignIn(db, owner, '10.1.0.2', t(2))).toEqual({ allowed: false, retryAfterSeconds: stepMs / 1000 - 1 });
    // The owner waits seconds, not a quarter of an hour, and then gets a turn.
    expect(await countSignIn(db, owner, '198.51.100.7', t(1 + stepMs / 1000))).toEqual({ allowed: true });
  });

  it('an address over its own limit is refused before the account is counted', async () => {
    const db = database.db;
    for (let i = 0; i < LIMITS.signInPerIp.max; i++) await countSignIn(db, `user${i}@example.com`, '203.0.113.9', t(0));
    for (let i = 0; i < 50; i++) expect((await countSignIn(db, owner, '203.0.113.9', t(1))).allowed).toBe(false);
    const rows = await db
      .selectFrom('rate_limit')
      .select(['bucket', 'count'])
      .where('bucket', '=', BACKOFFS.signInPerAccount.bucket)
      .execute();
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(LIMITS.signInPerIp.max);
  });

  it('re-authentication has its own budget: failed sign-ins on the account leave it whole', async () => {
    const db = database.db;
    for (let i = 0; i < 200; i++) await countSignIn(db, owner, `10.2.${Math.floor(i / 10)}.${i % 10}`, t(0));
    expect(await countReauth(db, 1, '198.51.100.7', t(1))).toEqual({ allowed: true });
    for (let i = 1; i < LIMITS.reauthPerAccount.max; i++) await countReauth(db, 1, '198.51.100.7', t(1));
    expect((await countReauth(db, 1, '198.51.100.7', t(2))).allowed).toBe(false);
    // Another account's budget is its own.
    expect((await countReauth(db, 2, '198.51.100.8', t(2))).allowed).toBe(true);
  });
});
