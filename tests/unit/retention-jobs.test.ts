// Each retention job with an injected clock: rows just inside their retention stay, rows just
// past it go (README "Retention", src/lib/jobs).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ABSOLUTE_LIFETIME_MS,
  EMAIL_TOKEN_RETENTION_MS,
  IDLE_TIMEOUT_MS,
  pruneEmailTokens,
  pruneExpiredSessions,
  pruneResetRequests,
  RESET_REQUEST_STALE_MS,
  SESSION_RETENTION_AFTER_EXPIRY_MS,
} from '../../src/lib/auth/index.ts';
import { migrate, openDatabase, type OpenDatabase } from '../../src/lib/db/index.ts';
import { BACKOFFS, LIMITS, pruneRateLimits } from '../../src/lib/rate-limit/index.ts';
import { pruneDedupeData, viewsRetentionJob } from '../../src/lib/views/index.ts';

let database: OpenDatabase;
let userId: number;
const t0 = new Date('2026-03-10T12:00:00Z');
const ms = (offset: number) => t0.getTime() + offset;
const DAY = 24 * 60 * 60_000;

beforeEach(async () => {
  database = openDatabase(':memory:');
  await migrate(database.db);
  ({ id: userId } = await database.db
    .insertInto('user')
    .values({
      email: 'jane@example.com',
      email_normalized: 'jane@example.com',
      password_hash: null,
      created_at: '2026-01-01T00:00:00.000Z',
    })
    .returning('id')
    .executeTakeFirstOrThrow());
});
afterEach(() => database.close());

describe('expired sessions', () => {
  const session = (id: string, created_at: number, last_active_at: number) =>
    database.db
      .insertInto('session')
      .values({ id, user_id: userId, secret_hash: new Uint8Array(32), created_at, last_active_at, client: '' })
      .execute();
  const left = async () => (await database.db.selectFrom('session').select('id').orderBy('id').execute()).map((r) => r.id);

  it('are deleted a day after they end (idle or past their absolute lifetime), not before', async () => {
    const grace = SESSION_RETENTION_AFTER_EXPIRY_MS;
    expect(grace).toBe(DAY);
    // Ended by idleness exactly a day ago / a second less than a day ago.
    await session('idle-gone', ms(-grace - IDLE_TIMEOUT_MS - 5 * DAY), ms(-grace - IDLE_TIMEOUT_MS));
    await session('idle-kept', ms(-grace - IDLE_TIMEOUT_MS - 5 * DAY), ms(-grace - IDLE_TIMEOUT_MS + 1000));
    // Ended by the absolute lifetime though active recently.
    await session('old-gone', ms(-grace - ABSOLUTE_LIFETIME_MS), ms(-grace - 1000));
    await session('old-kept', ms(-grace - ABSOLUTE_LIFETIME_MS + 1000), ms(-grace - 1000));
    await session('live', ms(-DAY), ms(-60_000));
    expect(await pruneExpiredSessions(database.db, t0)).toBe(2);
    expect(await left()).toEqual(['idle-kept', 'live', 'old-kept']);
    // Idempotent.
    expect(await pruneExpiredSessions(database.db, t0)).toBe(0);
  });
});

describe('emailed links', () => {
  const token = (id: string, expires_at: number, used_at: number | null) =>
    database.db
      .insertInto('email_token')
      .values({
        id,
        user_id: userId,
        purpose: 'verify-email',
        secret_hash: new Uint8Array(32),
        email: 'jane@example.com',
        created_at: ms(-10 * DAY),
        expires_at,
        used_at,
      })
      .execute();
  const left = async () => (await database.db.selectFrom('email_token').select('id').orderBy('id').execute()).map((r) => r.id);

  it('are deleted a day after they were used or expired', async () => {
    const keep = EMAIL_TOKEN_RETENTION_MS;
    expect(keep).toBe(DAY);
    await token('expired-gone', ms(-keep), null);
    await token('expired-kept', ms(-keep + 1000), null);
    await token('used-gone', ms(DAY), ms(-keep));
    await token('used-kept', ms(DAY), ms(-keep + 1000));
    await token('unused', ms(DAY), null);
    expect(await pruneEmailTokens(database.db, t0)).toBe(2);
    expect(await left()).toEqual(['expired-kept', 'unused', 'used-kept']);
  });
});

describe('password-reset queue', () => {
  it('drops requests the worker has not taken within a reset link’s lifetime', async () => {
    await database.db
      .insertInto('password_reset_request')
      .values([
        { email: 'gone@example.com', requested_at: ms(-RESET_REQUEST_STALE_MS - 1) },
        { email: 'kept@example.com', requested_at: ms(-RESET_REQUEST_STALE_MS) },
      ])
      .execute();
    expect(await pruneResetRequests(database.db, t0)).toBe(1);
    expect(await database.db.selectFrom('password_reset_request').select('email').execute()).toEqual([{ email: 'kept@example.com' }]);
  });
});

describe('rate limits', () => {
  const row = (bucket: string, key_hash: string, window_start: number, blocked_until = 0) =>
    database.db.insertInto('rate_limit').values({ bucket, key_hash, window_start, count: 1, blocked_until }).execute();
  const left = async () =>
    (await database.db.selectFrom('rate_limit').select('key_hash').orderBy('key_hash').execute()).map((r) => r.key_hash);

  it('are deleted once their own window has passed, and a backoff once its wait is over too', async () => {
    const short = LIMITS.signInPerIp; // 15 minutes
    const long = LIMITS.mailAlreadyRegistered; // a day
    const slow = BACKOFFS.signInPerAccount;
    await row(short.bucket, 'short-gone', ms(-short.windowMs));
    await row(short.bucket, 'short-kept', ms(-short.windowMs + 1));
    await row(long.bucket, 'long-gone', ms(-long.windowMs));
    await row(long.bucket, 'long-kept', ms(-short.windowMs));
    await row(slow.bucket, 'backoff-gone', ms(-slow.windowMs), ms(-1));
    await row(slow.bucket, 'backoff-waiting', ms(-slow.windowMs), ms(1000));
    // A bucket no longer listed: by the longest window.
    await row('retired', 'retired-gone', ms(-DAY));
    await row('retired', 'retired-kept', ms(-DAY + 1));
    expect(await pruneRateLimits(database.db, t0)).toBe(4);
    expect(await left()).toEqual(['backoff-waiting', 'long-kept', 'retired-kept', 'short-kept']);
  });
});

describe('view statistics', () => {
  it('drop past days’ dedupe data (salts, hashes; keys older than yesterday) and old daily detail', async () => {
    const salt = new Uint8Array(32);
    await database.db
      .insertInto('view_salt')
      .values([
        { day: '2026-03-09', salt },
        { day: '2026-03-10', salt },
      ])
      .execute();
    await database.db
      .insertInto('view_seen')
      .values([
        { hash: new Uint8Array(32).fill(1), day: '2026-03-09' },
        { hash: new Uint8Array(32).fill(2), day: '2026-03-10' },
      ])
      .execute();
    await database.db
      .insertInto('view_event_key')
      .values([
        { key: 'a', day: '2026-03-08' },
        { key: 'b', day: '2026-03-09' },
        { key: 'c', day: '2026-03-10' },
      ])
      .execute();
    await database.db
      .insertInto('view_daily')
      .values([
        { path: '/', day: '2026-03-08', views: 1, visitors: 1 },
        { path: '/', day: '2026-03-09', views: 1, visitors: 1 },
      ])
      .execute();
    await database.db.insertInto('view_total').values({ path: '/', views: 2, visitors: 2 }).execute();

    const job = viewsRetentionJob({ retentionDays: 2 });
    // Just after midnight UTC, every day.
    expect(job.next(t0).toISOString()).toBe('2026-03-11T00:00:01.000Z');
    expect(await job.run(database.db, t0)).toBe(4);
    expect(await database.db.selectFrom('view_salt').select('day').execute()).toEqual([{ day: '2026-03-10' }]);
    expect(await database.db.selectFrom('view_seen').select('day').execute()).toEqual([{ day: '2026-03-10' }]);
    expect((await database.db.selectFrom('view_event_key').select('key').orderBy('key').execute()).map((r) => r.key)).toEqual(['b', 'c']);
    expect(await database.db.selectFrom('view_daily').select('day').execute()).toEqual([{ day: '2026-03-09' }]);
    expect(await database.db.selectFrom('view_total').select('views').execute()).toEqual([{ views: 2 }]);
    expect(await pruneDedupeData(database.db, t0)).toBe(0);
  });
});
