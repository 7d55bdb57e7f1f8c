import { beforeEach, describe, expect, it } from 'vitest';
import { checkEmailToken, consumeEmailToken, createEmailToken, EMAIL_TOKEN_TTL_MS } from '../../src/lib/auth/email-tokens.ts';
import { testDatabase } from '../support/db.ts';

const database = testDatabase();
let userId: number;
const t0 = new Date('2026-03-01T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const HOUR = 60 * 60_000;

beforeEach(async () => {
  ({ id: userId } = await database.db
    .insertInto('user')
    .values({
      email: 'jane@example.com',
      email_normalized: 'jane@example.com',
      password_hash: null,
      created_at: t0.toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow());
});

describe('emailed link tokens', () => {
  it('expire within an hour for verification and reset', () => {
    expect(EMAIL_TOKEN_TTL_MS['verify-email']).toBeLessThanOrEqual(HOUR);
    expect(EMAIL_TOKEN_TTL_MS['reset-password']).toBeLessThanOrEqual(HOUR);
  });

  it('are stored hashed', async () => {
    const token = await createEmailToken(database.db, userId, 'reset-password', 'jane@example.com', t0);
    const rows = await database.db.selectFrom('email_token').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token.split('.')[1]);
    expect(Buffer.from(rows[0]!.secret_hash).toString('latin1')).not.toContain(token.split('.')[1]);
  });

  it('work once', async () => {
    const token = await createEmailToken(database.db, userId, 'verify-email', 'jane@example.com', t0);
    expect(await checkEmailToken(database.db, token, 'verify-email', at(1000))).toBeUndefined();
    const used = await consumeEmailToken(database.db, token, 'verify-email', at(1000));
    expect(used).toEqual({
      ok: true,
      token: { id: token.split('.')[0], userId, email: 'jane@example.com' },
    });
    expect(await consumeEmailToken(database.db, token, 'verify-email', at(2000))).toEqual({ ok: false, problem: 'used' });
    expect(await checkEmailToken(database.db, token, 'verify-email', at(2000))).toBe('used');
  });

  it('work once even when used concurrently', async () => {
    const token = await createEmailToken(database.db, userId, 'reset-password', 'jane@example.com', t0);
    const results = await Promise.all(Array.from({ length: 5 }, () => consumeEmailToken(database.db, token, 'reset-password', at(1000))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it.each(['verify-email', 'reset-password'] as const)('%s tokens expire after their lifetime', async (purpose) => {
    const token = await createEmailToken(database.db, userId, purpose, 'jane@example.com', t0);
    const ttl = EMAIL_TOKEN_TTL_MS[purpose];
    expect(await checkEmailToken(database.db, token, purpose, at(ttl - 1))).toBeUndefined();
    expect(await checkEmailToken(database.db, token, purpose, at(ttl))).toBe('expired');
    expect(await consumeEmailToken(database.db, token, purpose, at(ttl))).toEqual({ ok: false, problem: 'expired' });
    // An expired token stays unused: it was refused, not spent.
    const row = await database.db.selectFrom('email_token').select('used_at').executeTakeFirstOrThrow();
    expect(row.used_at).toBeNull();
  });

  it('refuse a tampered or malformed token, or one for another purpose', async () => {
    const token = await createEmailToken(database.db, userId, 'reset-password', 'jane@example.com', t0);
    const [id, secret] = token.split('.') as [string, string];
    const tampered = `${id}.${secret[0] === 'a' ? 'b' : 'a'}${secret.slice(1)}`;
    expect(await consumeEmailToken(database.db, tampered, 'reset-password', t0)).toEqual({ ok: false, problem: 'invalid' });
    expect(await consumeEmailToken(database.db, 'garbage', 'reset-password', t0)).toEqual({ ok: false, problem: 'invalid' });
    expect(await consumeEmailToken(database.db, null, 'reset-password', t0)).toEqual({ ok: false, problem: 'invalid' });
    expect(await consumeEmailToken(database.db, token, 'verify-email', t0)).toEqual({ ok: false, problem: 'invalid' });
    expect(await consumeEmailToken(database.db, token, 'set-password', t0)).toEqual({ ok: false, problem: 'invalid' });
    // None of those used it up.
    expect((await consumeEmailToken(database.db, token, 'reset-password', t0)).ok).toBe(true);
  });

  it('only the newest link of a kind works', async () => {
    const first = await createEmailToken(database.db, userId, 'reset-password', 'jane@example.com', t0);
    const verify = await createEmailToken(database.db, userId, 'verify-email', 'jane@example.com', t0);
    const second = await createEmailToken(database.db, userId, 'reset-password', 'jane@example.com', at(1000));
    expect(await checkEmailToken(database.db, first, 'reset-password', at(2000))).toBe('invalid');
    expect(await checkEmailToken(database.db, second, 'reset-password', at(2000))).toBeUndefined();
    // Links of another kind are unaffected.
    expect(await checkEmailToken(database.db, verify, 'verify-email', at(2000))).toBeUndefined();
  });
});
