import { beforeEach, describe, expect, it } from 'vitest';
import { chooseSharing, effectiveSharing, recordGpcSignal, sendsGpc, storedOptOut } from '../../src/lib/accounts/index.ts';
import { createAccount, normalizeEmail } from '../../src/lib/auth/index.ts';
import { testDatabase } from '../support/db.ts';

const database = testDatabase();
let userId: number;
beforeEach(async () => {
  userId = await createAccount(database.db, normalizeEmail('s@example.com')!, [], null);
});

describe('the sharing preference', () => {
  it('starts as the default (not refused) and keeps every change with its time and source', async () => {
    expect(await effectiveSharing(database.db, userId, false)).toMatchObject({
      optedOut: false,
      storedOptedOut: false,
      isDefault: true,
      history: [],
    });
    const t1 = new Date('2026-11-25T10:00:00Z');
    const t2 = new Date('2026-11-25T11:00:00Z');
    expect(await chooseSharing(database.db, userId, true, false, t1)).toBe('changed');
    expect(await chooseSharing(database.db, userId, true, false, t1)).toBe('unchanged');
    expect(await chooseSharing(database.db, userId, false, false, t2)).toBe('changed');
    const state = await effectiveSharing(database.db, userId, false);
    expect(state.optedOut).toBe(false);
    expect(state.history).toEqual([
      { optedOut: false, chosenAt: t2.toISOString(), source: 'account-page' },
      { optedOut: true, chosenAt: t1.toISOString(), source: 'account-page' },
    ]);
  });
});

describe('Global Privacy Control', () => {
  it('reads Sec-GPC: 1 and nothing else as the signal', () => {
    expect(sendsGpc(new Headers({ 'sec-gpc': '1' }))).toBe(true);
    for (const value of ['0', 'true', '', 'yes']) expect(sendsGpc(new Headers({ 'sec-gpc': value }))).toBe(false);
    expect(sendsGpc(new Headers())).toBe(false);
  });

  it('counts at once when reading, without writing anything', async () => {
    const state = await effectiveSharing(database.db, userId, true);
    expect(state).toMatchObject({ optedOut: true, storedOptedOut: false, gpc: true });
    expect(await database.db.selectFrom('sharing_choice').selectAll().execute()).toEqual([]);
  });

  it('is recorded once as an opt-out with source "gpc"', async () => {
    expect(await recordGpcSignal(database.db, userId)).toBe(true);
    expect(await recordGpcSignal(database.db, userId)).toBe(false);
    expect(await storedOptOut(database.db, userId)).toBe(true);
    const rows = await database.db.selectFrom('sharing_choice').select(['opted_out', 'source']).execute();
    expect(rows).toEqual([{ opted_out: true, source: 'gpc' }]);
  });

  it('refuses to opt in while the browser sends it, and records the opt-out', async () => {
    expect(await chooseSharing(database.db, userId, false, true)).toBe('refused-gpc');
    expect(await storedOptOut(database.db, userId)).toBe(true);
    // Without the signal the user may opt in again.
    expect(await chooseSharing(database.db, userId, false, false)).toBe('changed');
    expect(await storedOptOut(database.db, userId)).toBe(false);
  });
});
