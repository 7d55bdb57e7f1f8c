import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  announcementHistory,
  bannersFor,
  changePolicyAnnouncement,
  createAnnouncement,
  endAnnouncement,
  getAnnouncement,
  listAnnouncements,
  listPolicyAnnouncements,
  policyHistory,
  updateAnnouncement,
  validateAnnouncement,
  type AnnouncementForm,
  type AnnouncementInput,
} from '../../src/lib/announcements/index.ts';
import { createAccount, normalizeEmail } from '../../src/lib/auth/index.ts';
import { syncPolicyVersions } from '../../src/lib/policy/sync.ts';
import { openTestDatabase, testDatabase, type DB } from '../support/db.ts';
import { openDatabaseAt } from '../support/site-db.ts';

const T0 = new Date('2026-11-25T10:00:00.000Z');
const later = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const database = testDatabase();
let editor: number;

beforeEach(async () => {
  await syncPolicyVersions(database.db, [
    { version: 1, effective: '2009-01-01', title: 'Privacy Policy', sha256: 'a'.repeat(64), material: false },
    { version: 2, effective: '2027-01-01', title: 'Privacy Policy', sha256: 'b'.repeat(64), material: true },
  ]);
  editor = await createAccount(database.db, normalizeEmail('editor@example.com')!, ['editor'], null, T0);
});

function input(form: AnnouncementForm, now = T0): AnnouncementInput {
  const result = validateAnnouncement(
    { text: 'Maintenance on Saturday.', level: 'info', audience: 'everyone', dismissible: true, ...form },
    now,
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

describe('announcements in the database', () => {
  it('creates, lists with a status, and records who and when', async () => {
    const id = await createAnnouncement(
      database.db,
      input({ startsAt: '2026-12-01T09:00', linkUrl: '/privacy', linkText: 'Read it' }),
      editor,
      T0,
    );
    const record = await getAnnouncement(database.db, id, T0);
    expect(record).toMatchObject({
      text: 'Maintenance on Saturday.',
      link: { url: '/privacy', text: 'Read it' },
      status: 'scheduled',
      revision: 1,
      createdBy: 'editor@example.com',
      updatedBy: 'editor@example.com',
      createdAt: T0.toISOString(),
    });
    expect((await listAnnouncements(database.db, new Date('2026-12-01T09:00:00Z')))[0]?.status).toBe('active');
    const history = await announcementHistory(database.db, id);
    expect(history).toEqual([
      {
        at: T0.toISOString(),
        by: 'editor@example.com',
        action: 'created',
        details: expect.objectContaining({ text: 'Maintenance on Saturday.', link: 'Read it → /privacy' }),
      },
    ]);
  });

  it('bumps the revision only when what readers see changes', async () => {
    const id = await createAnnouncement(database.db, input({}), editor, T0);
    let record = (await getAnnouncement(database.db, id, T0))!;

    // The schedule and audience are not what a reader dismissed.
    expect(
      await updateAnnouncement(
        database.db,
        id,
        input({ audience: 'signed-in', endsAt: '2026-12-31T00:00' }),
        editor,
        record.updatedAt,
        later(1),
      ),
    ).toEqual({ ok: true, changed: true });
    record = (await getAnnouncement(database.db, id, later(1)))!;
    expect(record.revision).toBe(1);

    expect(
      await updateAnnouncement(
        database.db,
        id,
        input({ audience: 'signed-in', endsAt: '2026-12-31T00:00', text: 'Maintenance on Sunday.' }),
        editor,
        record.updatedAt,
        later(2),
      ),
    ).toEqual({ ok: true, changed: true });
    record = (await getAnnouncement(database.db, id, later(2)))!;
    expect(record.revision).toBe(2);

    // Saving the form unchanged (start shown to the minute) changes nothing.
    expect(
      await updateAnnouncement(
        database.db,
        id,
        input({ audience: 'signed-in', endsAt: '2026-12-31T00:00', text: 'Maintenance on Sunday.', startsAt: '2026-11-25T10:00' }),
        editor,
        record.updatedAt,
        later(3),
      ),
    ).toEqual({ ok: true, changed: false });

    const history = await announcementHistory(database.db, id);
    expect(history.map((h) => h.action)).toEqual(['edited', 'edited', 'created']);
    expect(history[0]!.details).toEqual({ text: 'Maintenance on Sunday.' });
    expect(history[1]!.details).toEqual({ audience: 'signed-in', ends: 'Dec 31, 2026, 00:00 UTC' });
  });

  it('refuses an edit made from a stale form', async () => {
    const id = await createAnnouncement(database.db, input({}), editor, T0);
    const stale = (await getAnnouncement(database.db, id, T0))!.updatedAt;
    await updateAnnouncement(database.db, id, input({ text: 'First edit.' }), editor, stale, later(1));
    expect(await updateAnnouncement(database.db, id, input({ text: 'Second edit.' }), editor, stale, later(2))).toEqual({
      ok: false,
      problem: 'conflict',
    });
    expect((await getAnnouncement(database.db, id))!.text).toBe('First edit.');
    expect(await updateAnnouncement(database.db, 999, input({}), editor, stale, later(2))).toEqual({ ok: false, problem: 'not-found' });
  });

  it('ends now, once', async () => {
    const id = await createAnnouncement(database.db, input({}), editor, T0);
    expect(await endAnnouncement(database.db, id, editor, later(5))).toEqual({ ok: true, changed: true });
    expect((await getAnnouncement(database.db, id, later(5)))!.status).toBe('ended');
    expect(await endAnnouncement(database.db, id, editor, later(6))).toEqual({ ok: false, problem: 'already-ended' });
    expect(await endAnnouncement(database.db, 999, editor, later(6))).toEqual({ ok: false, problem: 'not-found' });
    // A scheduled one ended before its start never shows.
    const scheduled = await createAnnouncement(database.db, input({ startsAt: '2026-12-24T00:00' }), editor, T0);
    await endAnnouncement(database.db, scheduled, editor, later(7));
    expect(await bannersFor(database.db, { now: new Date('2026-12-24T00:00:00Z'), reader: 'signed-out', policyDays: 0 })).toEqual([]);
  });

  it('serves each reader the active banners for their audience, minus what they dismissed', async () => {
    const all = await createAnnouncement(database.db, input({ text: 'For everyone.' }), editor, T0);
    await createAnnouncement(database.db, input({ text: 'For members.', audience: 'signed-in' }), editor, T0);
    await createAnnouncement(database.db, input({ text: 'For visitors.', audience: 'signed-out' }), editor, T0);
    await createAnnouncement(database.db, input({ text: 'Later.', startsAt: '2026-11-26T00:00' }), editor, T0);
    const texts = async (reader: 'signed-in' | 'signed-out', now: Date, dismissed: string[] = []) =>
      (await bannersFor(database.db, { now, reader, policyDays: 0, dismissed })).map((b) => b.text).sort();
    expect(await texts('signed-in', later(1))).toEqual(['For everyone.', 'For members.']);
    expect(await texts('signed-out', later(1))).toEqual(['For everyone.', 'For visitors.']);
    expect(await texts('signed-out', new Date('2026-11-26T00:00:00Z'))).toEqual(['For everyone.', 'For visitors.', 'Later.']);
    expect(await texts('signed-out', later(1), [`a${all}r1`])).toEqual(['For visitors.']);
  });

  it('announces the upcoming policy version in its window, with editors’ changes recorded', async () => {
    const inWindow = new Date('2026-12-15T00:00:00Z');
    expect((await bannersFor(database.db, { now: T0, reader: 'signed-out', policyDays: 30 })).map((b) => b.key)).toEqual([]);
    const [banner] = await bannersFor(database.db, { now: inWindow, reader: 'signed-in', policyDays: 30 });
    expect(banner).toMatchObject({
      kind: 'policy',
      key: 'p20270101',
      token: 'p20270101r0',
      level: 'important',
      link: { url: '/privacy/changes/2009-01-01...2027-01-01' },
    });

    expect(
      await changePolicyAnnouncement(database.db, '2027-01-01', { kind: 'text', text: 'New policy soon.' }, editor, 30, inWindow),
    ).toEqual({ ok: true, changed: true });
    let [edited] = await listPolicyAnnouncements(database.db, 30, inWindow);
    expect(edited).toMatchObject({ text: 'New policy soon.', revision: 1, updatedBy: 'editor@example.com' });
    // The reader who dismissed the default text sees the new one.
    expect(
      (await bannersFor(database.db, { now: inWindow, reader: 'signed-in', policyDays: 30, dismissed: ['p20270101r0'] })).map(
        (b) => b.text,
      ),
    ).toEqual(['New policy soon.']);

    expect(
      await changePolicyAnnouncement(database.db, '2027-01-01', { kind: 'text', text: 'New policy soon.' }, editor, 30, inWindow),
    ).toEqual({ ok: true, changed: false });
    await changePolicyAnnouncement(database.db, '2027-01-01', { kind: 'end' }, editor, 30, inWindow);
    expect(await bannersFor(database.db, { now: inWindow, reader: 'signed-in', policyDays: 30 })).toEqual([]);
    expect(await changePolicyAnnouncement(database.db, '2027-01-01', { kind: 'end' }, editor, 30, inWindow)).toEqual({
      ok: false,
      problem: 'already-ended',
    });
    await changePolicyAnnouncement(database.db, '2027-01-01', { kind: 'resume' }, editor, 30, inWindow);
    await changePolicyAnnouncement(database.db, '2027-01-01', { kind: 'text', text: null }, editor, 30, inWindow);
    [edited] = await listPolicyAnnouncements(database.db, 30, inWindow);
    expect(edited).toMatchObject({ status: 'active', customText: null, revision: 2 });
    expect((await policyHistory(database.db, '2027-01-01')).map((h) => h.action)).toEqual([
      'text-restored',
      'resumed',
      'ended',
      'text-edited',
    ]);
    expect(await changePolicyAnnouncement(database.db, '2009-01-01', { kind: 'end' }, editor, 30, inWindow)).toEqual({
      ok: false,
      problem: 'not-found',
    });
  });

  it('keeps the history append-only, and anonymous once a staff account is deleted', async () => {
    const id = await createAnnouncement(database.db, input({}), editor, T0);
    await expect(database.db.updateTable('announcement_change').set({ details: '{}' }).execute()).rejects.toThrow(/append-only/);
    await database.db.deleteFrom('user').where('id', '=', editor).execute();
    expect((await announcementHistory(database.db, id))[0]!.by).toBeNull();
    expect((await getAnnouncement(database.db, id))!.createdBy).toBeNull();
  });

  it('the database refuses what the rules refuse, as a last line', async () => {
    const values = {
      text: 'x',
      level: 'info' as const,
      audience: 'everyone' as const,
      link_url: null,
      link_text: null,
      dismissible: true,
      starts_at: 0,
      ends_at: null,
      revision: 1,
      created_at: '',
      created_by: null,
      updated_at: '',
      updated_by: null,
    };
    await expect(
      database.db
        .insertInto('announcement')
        .values({ ...values, text: 'x'.repeat(281) })
        .execute(),
    ).rejects.toThrow(/CHECK|check constraint/);
    await expect(
      database.db
        .insertInto('announcement')
        .values({ ...values, link_url: '/privacy' })
        .execute(),
    ).rejects.toThrow(/CHECK|check constraint/);
    await expect(
      database.db
        .insertInto('announcement')
        .values({ ...values, level: 'urgent' as never })
        .execute(),
    ).rejects.toThrow(/CHECK|check constraint/);
  });
});

describe('the banners’ sources, kept between requests', () => {
  const texts = async (db: DB, now: Date) => (await bannersFor(db, { now, reader: 'signed-out', policyDays: 0 })).map((b) => b.text).sort();

  it('are read again after any change, from this connection or another one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ct-banners-'));
    const path = join(dir, 'site.db');
    const site = await openTestDatabase(path);
    const other = openDatabaseAt(site.target);
    try {
      const author = await createAccount(site.db, normalizeEmail('author@example.com')!, ['editor'], null, T0);
      expect(await texts(site.db, later(1))).toEqual([]);
      const first = await createAnnouncement(site.db, input({ text: 'First.' }), author, T0);
      expect(await texts(site.db, later(1))).toEqual(['First.']);
      // Written by another process (here: another connection), with plain SQL.
      await other.db.updateTable('announcement').set({ text: 'Changed elsewhere.' }).where('id', '=', first).execute();
      expect(await texts(site.db, later(2))).toEqual(['Changed elsewhere.']);
      // Written on the same connection, around the store.
      await site.db.deleteFrom('announcement').where('id', '=', first).execute();
      expect(await texts(site.db, later(3))).toEqual([]);
    } finally {
      await other.close();
      await site.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follow time without a change: an announcement ends, and a look at the past still sees it', async () => {
    await createAnnouncement(database.db, input({ text: 'Until noon.', endsAt: '2026-11-25T12:00' }), editor, T0);
    expect(await texts(database.db, later(1))).toEqual(['Until noon.']);
    expect(await texts(database.db, new Date('2026-11-25T12:00:00Z'))).toEqual([]);
    // Read afresh after it ended (a change elsewhere), then asked about a time before: it was showing then.
    await createAnnouncement(database.db, input({ text: 'Later.', startsAt: '2026-11-26T00:00' }), editor, T0);
    expect(await texts(database.db, new Date('2026-11-25T13:00:00Z'))).toEqual([]);
    expect(await texts(database.db, later(2))).toEqual(['Until noon.']);
  });
});
