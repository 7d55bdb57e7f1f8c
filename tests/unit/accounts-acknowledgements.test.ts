import { beforeEach, describe, expect, it } from 'vitest';
import { acknowledgePolicy, listAgreements, pendingAcknowledgement, policyFacts } from '../../src/lib/accounts/index.ts';
import { createAccount, normalizeEmail } from '../../src/lib/auth/index.ts';
import { testDatabase } from '../support/db.ts';

const database = testDatabase();
let userId: number;

async function version(effective: string, number: number, material: boolean) {
  await database.db
    .insertInto('policy_version')
    .values({
      effective_date: effective,
      version: number,
      title: 'Privacy Policy',
      content_sha256: String(number).repeat(64).slice(0, 64),
      material,
      recorded_at: '2026-01-01T00:00:00Z',
    })
    .execute();
}

async function agreed(effective: string) {
  await database.db
    .insertInto('policy_agreement')
    .values({
      user_id: userId,
      policy_effective_date: effective,
      agreed_at: '2026-01-02T00:00:00.000Z',
      context: 'registration',
      wording: 'I agree.',
    })
    .execute();
}

beforeEach(async () => {
  userId = await createAccount(database.db, normalizeEmail('a@example.com')!, [], null);
  await version('2009-01-01', 1, false);
  await version('2027-01-01', 2, true);
});

const before = new Date('2026-11-25T12:00:00Z');
const after = new Date('2027-01-01T00:00:00Z');

describe('pendingAcknowledgement', () => {
  it('announces a material version ahead of its date to users who agreed to an earlier one', async () => {
    await agreed('2009-01-01');
    const pending = await pendingAcknowledgement(database.db, userId, before);
    expect(pending).toMatchObject({
      target: { effective: '2027-01-01', version: 2, material: true },
      inEffect: false,
      lastAgreed: { effective: '2009-01-01' },
    });
    expect(pending!.steps).toEqual([{ from: '2009-01-01', to: '2027-01-01' }]);
  });

  it('waits for a non-material version to take effect, then asks', async () => {
    await agreed('2027-01-01');
    await version('2028-01-01', 3, false);
    expect(await pendingAcknowledgement(database.db, userId, new Date('2027-06-01T00:00:00Z'))).toBeUndefined();
    const pending = await pendingAcknowledgement(database.db, userId, new Date('2028-01-01T00:00:00Z'));
    expect(pending).toMatchObject({ target: { effective: '2028-01-01' }, inEffect: true });
  });

  it('asks for the newest version, with every step since the last agreed one', async () => {
    await agreed('2009-01-01');
    await version('2028-01-01', 3, false);
    const pending = await pendingAcknowledgement(database.db, userId, new Date('2028-02-01T00:00:00Z'));
    expect(pending!.target.effective).toBe('2028-01-01');
    expect(pending!.steps).toEqual([
      { from: '2009-01-01', to: '2027-01-01' },
      { from: '2027-01-01', to: '2028-01-01' },
    ]);
  });

  it('says nothing to a user who is up to date, and links the full text when no agreement is recorded', async () => {
    await agreed('2027-01-01');
    expect(await pendingAcknowledgement(database.db, userId, after)).toBeUndefined();
    const other = await createAccount(database.db, normalizeEmail('b@example.com')!, [], null);
    const pending = await pendingAcknowledgement(database.db, other, after);
    expect(pending).toMatchObject({ target: { effective: '2027-01-01' }, lastAgreed: undefined, steps: [] });
  });
});

describe('acknowledgePolicy', () => {
  it('records the pending version and the time, once', async () => {
    await agreed('2009-01-01');
    const at = new Date('2026-11-26T09:30:00Z');
    expect(await acknowledgePolicy(database.db, userId, '2027-01-01', at)).toMatchObject({ ok: true });
    expect(await acknowledgePolicy(database.db, userId, '2027-01-01', at)).toEqual({ ok: false, reason: 'not-pending' });
    const agreements = await listAgreements(database.db, userId);
    expect(agreements[0]).toEqual({
      policyEffectiveDate: '2027-01-01',
      version: 2,
      agreedAt: at.toISOString(),
      context: 'acknowledgement',
      wording: 'I have read the privacy policy version 2, effective 2027-01-01.',
    });
    expect(await pendingAcknowledgement(database.db, userId, at)).toBeUndefined();
  });

  it('refuses a version that is not the pending one', async () => {
    await agreed('2009-01-01');
    expect(await acknowledgePolicy(database.db, userId, '2009-01-01', before)).toEqual({ ok: false, reason: 'not-pending' });
    expect(await acknowledgePolicy(database.db, userId, '2031-01-01', before)).toEqual({ ok: false, reason: 'not-pending' });
    expect(await listAgreements(database.db, userId)).toHaveLength(1);
  });
});

describe('policyFacts', () => {
  it('names the version in effect and the last one agreed to', async () => {
    await agreed('2009-01-01');
    expect(await policyFacts(database.db, userId, before)).toEqual({ inEffect: '2009-01-01', lastAgreed: '2009-01-01' });
    expect(await policyFacts(database.db, userId, after)).toEqual({ inEffect: '2027-01-01', lastAgreed: '2009-01-01' });
  });
});
