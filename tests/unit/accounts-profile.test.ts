import { beforeEach, describe, expect, it } from 'vitest';
import { checkProfileField, getProfile, listChanges, updateProfile } from '../../src/lib/accounts/index.ts';
import { createAccount, normalizeEmail } from '../../src/lib/auth/index.ts';
import { testDatabase } from '../support/db.ts';

describe('checkProfileField', () => {
  it('trims, normalises to NFC, and treats an empty value as "remove"', () => {
    expect(checkProfileField('full_name', '  Zoë  ')).toEqual({ ok: true, value: 'Zoë' });
    expect(checkProfileField('full_name', 'Zoe\u0308')).toEqual({ ok: true, value: 'Zoë' });
    expect(checkProfileField('company', '   ')).toEqual({ ok: true, value: null });
  });

  it('accepts any script, emoji and markup-like text (shown as text, never as HTML)', () => {
    for (const value of ['李小龍', 'Ана Петрова', 'محمد', '<script>alert(1)</script>', 'O’Brien & Sons', '👩‍💻 Dev']) {
      expect(checkProfileField('display_name', value), value).toEqual({ ok: true, value });
    }
  });

  it('limits the length in characters, not bytes', () => {
    expect(checkProfileField('display_name', 'é'.repeat(60))).toEqual({ ok: true, value: 'é'.repeat(60) });
    expect(checkProfileField('display_name', '😀'.repeat(60)).ok).toBe(true);
    const tooLong = checkProfileField('display_name', 'x'.repeat(61));
    expect(tooLong).toEqual({ ok: false, message: 'Use at most 60 characters (this has 61).' });
    expect(checkProfileField('full_name', 'x'.repeat(121)).ok).toBe(false);
  });

  it('refuses control characters, line breaks and direction overrides', () => {
    for (const value of ['a\nb', 'a\tb', 'a\u0000b', 'evil\u202Eexe.txt', 'a\u2028b', 'a\u2066b']) {
      expect(checkProfileField('full_name', value).ok, JSON.stringify(value)).toBe(false);
    }
  });

  it('accepts phone numbers written the usual ways, and nothing else', () => {
    for (const value of [
      '+1 617 555 0100',
      '(617) 555-0100',
      '+44 20 7946 0958',
      '030.123.456',
      '+1 617 555 0100 x 123',
      '617-555-0100 ext. 4',
    ]) {
      expect(checkProfileField('phone', value), value).toEqual({ ok: true, value });
    }
    for (const value of ['call me', '+1 617 555 0100 or so', '1+2', '123', '+1234567890123456', 'tel:+16175550100', '555-CALL']) {
      expect(checkProfileField('phone', value).ok, value).toBe(false);
    }
  });
});

describe('updateProfile', () => {
  const database = testDatabase();
  let userId: number;
  beforeEach(async () => {
    userId = await createAccount(database.db, normalizeEmail('p@example.com')!, [], null);
  });

  const empty = { display_name: null, full_name: null, company: null, job_title: null, phone: null };

  it('saves the fields and records one history entry per changed field, never a value', async () => {
    const t0 = new Date('2026-11-25T10:00:00Z');
    expect(await updateProfile(database.db, userId, { ...empty, display_name: 'Pat', phone: '+1 617 555 0100' }, t0)).toEqual([
      'display_name',
      'phone',
    ]);
    const profile = await getProfile(database.db, userId);
    expect(profile).toMatchObject({ display_name: 'Pat', phone: '+1 617 555 0100', full_name: null });

    const t1 = new Date('2026-11-25T11:00:00Z');
    expect(await updateProfile(database.db, userId, { ...empty, display_name: 'Pat', phone: null, company: 'ACME' }, t1)).toEqual([
      'company',
      'phone',
    ]);
    const history = await listChanges(database.db, userId);
    expect(history.map((c) => [c.field, c.changedAt, c.actor])).toEqual([
      ['phone', t1.toISOString(), 'you'],
      ['company', t1.toISOString(), 'you'],
      ['phone', t0.toISOString(), 'you'],
      ['display_name', t0.toISOString(), 'you'],
    ]);
    expect(history.map((c) => c.label)).toContain('Phone number');
    const rows = await database.db.selectFrom('data_change').selectAll().execute();
    expect(JSON.stringify(rows)).not.toMatch(/Pat|ACME|555/);
  });

  it('records nothing when nothing changed', async () => {
    await updateProfile(database.db, userId, { ...empty, full_name: 'Pat Doe' });
    expect(await updateProfile(database.db, userId, { ...empty, full_name: 'Pat Doe' })).toEqual([]);
    expect(await listChanges(database.db, userId)).toHaveLength(1);
  });

  it('leaves fields that are not part of the update as they are', async () => {
    await updateProfile(database.db, userId, { ...empty, full_name: 'Pat Doe', company: 'ACME' });
    await updateProfile(database.db, userId, { company: 'Initech' });
    expect(await getProfile(database.db, userId)).toMatchObject({ full_name: 'Pat Doe', company: 'Initech' });
  });
});
