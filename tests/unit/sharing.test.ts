import { describe, expect, it } from 'vitest';
import { chooseSharing, exportAccount, recordGpcSignal, updateProfile } from '../../src/lib/accounts/index.ts';
import { createAccount, normalizeEmail } from '../../src/lib/auth/index.ts';
import { DEFAULT_NOTICE_DAYS } from '../../src/lib/policy/check.ts';
import {
  accountNotices,
  addRecipient,
  checkDisclosureForm,
  checkPurposeForm,
  disclosureNoticeJob,
  disclosuresFor,
  checkRecipientForm,
  checkShareForm,
  DAY_MS,
  editRecipient,
  listRecipients,
  noticeForLink,
  noticeJob,
  noticeProgress,
  optOutByLink,
  optOutOfPurpose,
  proposePurpose,
  queueNotices,
  recordLegalDisclosure,
  recipientChanges,
  removeRecipient,
  runShare,
  sendNotices,
  type NoticeMessage,
  type RecipientValues,
} from '../../src/lib/sharing/index.ts';
import { enqueueMail } from '../../src/lib/mail/outbox.ts';
import { testDatabase, type DB } from '../support/db.ts';
import { queuedMail } from '../support/outbox.ts';

const database = testDatabase();
const ADMIN = { userId: 1, ip: '127.0.0.1' };
const SITE = 'http://127.0.0.1:4466';
const T0 = new Date('2031-03-01T09:00:00Z');
const after = (days: number) => new Date(T0.getTime() + days * DAY_MS);

const THIRD_PARTY: RecipientValues = {
  name: 'Acme Leads Ltd',
  country: 'United Kingdom',
  dataReceived: 'Email address and company',
  purpose: 'Industry newsletters',
  kind: 'third-party',
  since: '2031-03-01',
};

async function account(db: DB, label: string, { verified = true } = {}) {
  const id = await createAccount(db, normalizeEmail(`${label}@example.com`)!, [], null, T0);
  if (!verified) await db.updateTable('user').set({ email_verified_at: null }).where('id', '=', id).execute();
  return id;
}

/** The real mail outbox of the test's database: messages are rows written in the sending transaction. */
function recordingOutbox() {
  return {
    messages: (): Promise<NoticeMessage[]> => queuedMail(database),
    enqueue: (trx: DB, message: NoticeMessage) => enqueueMail(trx, message),
  };
}

async function purposeFor(db: DB, fields = ['email', 'company'] as const) {
  const recipientId = await addRecipient(db, ADMIN, THIRD_PARTY, T0);
  const proposed = await proposePurpose(db, ADMIN, { recipientId, description: 'Newsletters', fields: [...fields], noticeDays: 30 }, T0);
  if (!proposed.ok) throw new Error(proposed.problem);
  return proposed.id;
}

const tokenOf = (message: NoticeMessage) => /token=([^\s]+)/.exec(message.text)![1]!;

describe('the register of recipients', () => {
  it('checks what an admin types, naming each field with a problem', () => {
    expect(checkRecipientForm({ ...THIRD_PARTY })).toEqual({ ok: true, value: THIRD_PARTY });
    const bad = checkRecipientForm({ name: ' ', country: 'x'.repeat(81), kind: 'friend', since: '31/01/2026' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(Object.keys(bad.errors).sort()).toEqual(['country', 'dataReceived', 'kind', 'name', 'purpose', 'since']);
  });

  it('adds, edits and removes, with a public change log and an audit entry for each', async () => {
    const db = database.db;
    const id = await addRecipient(db, ADMIN, THIRD_PARTY, T0);
    expect(await editRecipient(db, ADMIN, id, { ...THIRD_PARTY, country: 'Ireland' }, after(1))).toEqual({ ok: true, changed: true });
    expect(await editRecipient(db, ADMIN, id, { ...THIRD_PARTY, country: 'Ireland' }, after(1))).toEqual({ ok: true, changed: false });
    expect((await listRecipients(db)).map((r) => r.country)).toEqual(['Ireland']);
    expect(await removeRecipient(db, ADMIN, id, after(2))).toEqual({ ok: true, changed: true });
    expect(await removeRecipient(db, ADMIN, id, after(2))).toEqual({ ok: false, problem: 'not-found' });
    expect(await listRecipients(db)).toEqual([]);
    expect((await listRecipients(db, { removed: true })).length).toBe(1);
    const changes = await recipientChanges(db);
    expect(changes.map((c) => c.change)).toEqual(['removed', 'edited', 'added']);
    expect(changes[1]!.summary).toContain('“United Kingdom” → “Ireland”');
    const audit = await db.selectFrom('audit_log').select(['action', 'actor_user_id']).orderBy('id').execute();
    expect(audit).toEqual([
      { action: 'recipient.add', actor_user_id: 1 },
      { action: 'recipient.edit', actor_user_id: 1 },
      { action: 'recipient.remove', actor_user_id: 1 },
    ]);
  });
});

describe('proposing a purpose', () => {
  it('never accepts a notice period shorter than the policy’s notice for a material change', () => {
    const base = { recipientId: '1', description: 'Newsletters', fields: ['email'] };
    expect(checkPurposeForm({ ...base, noticeDays: String(DEFAULT_NOTICE_DAYS - 1) }).ok).toBe(false);
    expect(checkPurposeForm({ ...base, noticeDays: '' })).toMatchObject({ ok: true, value: { noticeDays: DEFAULT_NOTICE_DAYS } });
    expect(checkPurposeForm({ ...base, fields: ['password_hash'] }).ok).toBe(false);
  });

  it('is for third parties only: a processor acts on our behalf and gets no purpose of its own', async () => {
    const db = database.db;
    const processor = await addRecipient(db, ADMIN, { ...THIRD_PARTY, name: 'Mail Co', kind: 'processor' }, T0);
    expect(await proposePurpose(db, ADMIN, { recipientId: processor, description: 'x', fields: ['email'], noticeDays: 30 }, T0)).toEqual({
      ok: false,
      problem: 'not-third-party',
    });
  });
});

describe('notices', () => {
  it('reach every affected account exactly once, however often the job runs, at a bounded rate', async () => {
    const db = database.db;
    const users = [];
    for (let i = 0; i < 7; i++) users.push(await account(db, `n${i}`));
    const unconfirmed = await account(db, 'unconfirmed', { verified: false });
    const purposeId = await purposeFor(db);
    const outbox = recordingOutbox();
    expect(await queueNotices(db, T0, 5)).toBe(5);
    expect(await queueNotices(db, T0, 5)).toBe(3);
    expect(await queueNotices(db, T0, 5)).toBe(0);
    expect(await sendNotices(db, outbox.enqueue, SITE, T0, 4)).toBe(4);
    expect(await noticeProgress(db, purposeId)).toEqual({ accounts: 8, queued: 8, sent: 4, unconfirmed: 1, optedOut: 0 });
    const job = noticeJob({ siteUrl: SITE, enqueue: outbox.enqueue });
    for (let i = 0; i < 3; i++) await job.run(db, after(i));
    // Two more runs in parallel: still one message per account.
    await Promise.all([sendNotices(db, outbox.enqueue, SITE, T0), sendNotices(db, outbox.enqueue, SITE, T0)]);
    const to = (await outbox.messages()).map((m) => m.to).sort();
    expect(to).toEqual(users.map((_, i) => `n${i}@example.com`).sort());
    expect(new Set(to).size).toBe(7);
    // A second notice for the same account and purpose is refused by the database itself.
    await expect(
      db.insertInto('purpose_notice').values({ purpose_id: purposeId, user_id: users[0]!, queued_at: 0 }).execute(),
    ).rejects.toThrow(/UNIQUE|PRIMARY/i);
    expect((await accountNotices(db, unconfirmed)).length).toBe(1);
    // An account made later is told too.
    const late = await account(db, 'late');
    await job.run(db, after(5));
    expect((await outbox.messages()).at(-1)!.to).toBe('late@example.com');
    expect((await outbox.messages()).at(-1)!.text).toContain(`${SITE}/account/opt-out?token=`);
    expect((await accountNotices(db, late))[0]).toMatchObject({ recipient: 'Acme Leads Ltd', fields: 'Email address, Company' });
  });

  it('has a one-click opt-out link that needs no sign-in and works once', async () => {
    const db = database.db;
    const user = await account(db, 'linked');
    await purposeFor(db);
    const outbox = recordingOutbox();
    await queueNotices(db, T0);
    await sendNotices(db, outbox.enqueue, SITE, T0);
    const token = tokenOf((await outbox.messages())[0]!);
    expect(await noticeForLink(db, token)).toMatchObject({ userId: user, recipient: 'Acme Leads Ltd' });
    expect(await noticeForLink(db, token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a'))).toBeUndefined();
    expect(await optOutByLink(db, token, after(1))).toEqual({ ok: true, recipient: 'Acme Leads Ltd' });
    expect(await optOutByLink(db, token, after(1))).toEqual({ ok: false, problem: 'invalid' });
    expect((await accountNotices(db, user))[0]!.optedOutAt).toBe(after(1).getTime());
  });
});

describe('a share', () => {
  async function setUp(db: DB) {
    const ids = {
      allowed: await account(db, 'allowed'),
      optedOut: await account(db, 'opted-out'),
      gpc: await account(db, 'gpc'),
      refusedPurpose: await account(db, 'refused'),
      refusedByLink: await account(db, 'by-link'),
      changedMind: await account(db, 'changed-mind'),
      unconfirmed: await account(db, 'never-mailed', { verified: false }),
    };
    for (const id of Object.values(ids)) await updateProfile(db, id, { company: `Company ${id}` }, T0);
    const purposeId = await purposeFor(db);
    const outbox = recordingOutbox();
    await queueNotices(db, T0);
    await sendNotices(db, outbox.enqueue, SITE, T0);
    await chooseSharing(db, ids.optedOut, true, false, after(1));
    await recordGpcSignal(db, ids.gpc, after(1));
    await optOutOfPurpose(db, ids.refusedPurpose, purposeId, after(2));
    const linkMessage = (await outbox.messages()).find((m) => m.to === 'by-link@example.com')!;
    expect((await optOutByLink(db, tokenOf(linkMessage), after(2))).ok).toBe(true);
    await chooseSharing(db, ids.changedMind, true, false, after(3));
    await chooseSharing(db, ids.changedMind, false, false, after(4));
    return { ids, purposeId };
  }

  it('is refused before the notice period ends, and shares nothing', async () => {
    const db = database.db;
    const { purposeId } = await setUp(db);
    const outcome = await runShare(db, ADMIN, { purposeId, fields: ['email'], format: 'csv', filter: {} }, after(29));
    expect(outcome).toEqual({ ok: false, problem: 'notice-period', noticeEndsAt: after(30).getTime() });
    expect(await db.selectFrom('disclosure').selectAll().execute()).toEqual([]);
    expect(await db.selectFrom('share').selectAll().execute()).toEqual([]);
  });

  it('never includes an account that opted out (by choice, by GPC, by refusing the purpose) or was not told in time', async () => {
    const db = database.db;
    const { ids, purposeId } = await setUp(db);
    const outcome = await runShare(db, ADMIN, { purposeId, fields: ['email', 'company'], format: 'csv', filter: {} }, after(31));
    if (!outcome.ok) throw new Error(outcome.problem);
    const lines = outcome.body.trim().split('\r\n');
    expect(lines[0]).toBe('email,company');
    expect(lines.slice(1).sort()).toEqual([
      `allowed@example.com,Company ${ids.allowed}`,
      `changed-mind@example.com,Company ${ids.changedMind}`,
    ]);
    for (const label of ['opted-out', 'gpc', 'refused', 'by-link', 'never-mailed']) expect(outcome.body).not.toContain(label);
    expect(outcome).toMatchObject({ included: 2, excluded: 5 });
    // One disclosure per included account, in the same transaction, with the policy version.
    const disclosures = await db.selectFrom('disclosure').selectAll().orderBy('user_id').execute();
    expect(disclosures.map((d) => d.user_id)).toEqual([ids.allowed, ids.changedMind]);
    expect(disclosures[0]).toMatchObject({
      kind: 'share',
      share_id: outcome.shareId,
      recipient: 'Acme Leads Ltd',
      purpose: 'Newsletters',
      fields: '["email","company"]',
      disclosed_at: after(31).getTime(),
    });
    expect(await db.selectFrom('audit_log').select('action').where('action', '=', 'share.run').execute()).toHaveLength(1);
  });

  it('re-checks the opt-out at the moment it runs, and applies the filter and the JSON format', async () => {
    const db = database.db;
    const { ids, purposeId } = await setUp(db);
    await recordGpcSignal(db, ids.allowed, after(30));
    const outcome = await runShare(db, ADMIN, { purposeId, fields: ['email'], format: 'json', filter: { withCompany: true } }, after(31));
    if (!outcome.ok) throw new Error(outcome.problem);
    expect(JSON.parse(outcome.body).records).toEqual([{ email: 'changed-mind@example.com' }]);
  });

  it('refuses fields outside the purpose and a purpose that does not exist', async () => {
    const db = database.db;
    const { purposeId } = await setUp(db);
    expect(await runShare(db, ADMIN, { purposeId, fields: ['phone'], format: 'csv', filter: {} }, after(31))).toEqual({
      ok: false,
      problem: 'fields-not-in-purpose',
    });
    expect(await runShare(db, ADMIN, { purposeId: 999, fields: ['email'], format: 'csv', filter: {} }, after(31))).toEqual({
      ok: false,
      problem: 'no-purpose',
    });
    expect(checkShareForm({ purposeId: '1', fields: ['email'], format: 'xml' }).ok).toBe(false);
  });
});

describe('legal and fraud disclosures', () => {
  const FORM = {
    kind: 'legal',
    requester: 'Metropolitan Police',
    legalBasis: 'Production order under PACE 1984',
    reference: 'MP-2031-0042',
    fields: ['email', 'phone'],
    reason: 'A court order for the account holder’s contact details',
  };

  it('checks the form: every part named, a hold only in the future', () => {
    expect(checkDisclosureForm({ ...FORM, userId: '7' }, T0)).toMatchObject({ ok: true, value: { userId: 7, kind: 'legal' } });
    const past = checkDisclosureForm({ ...FORM, userId: '7', holdUntil: '2031-02-01' }, T0);
    expect(past.ok).toBe(false);
    const empty = checkDisclosureForm({ userId: 'x', kind: 'gossip', fields: [] }, T0);
    expect(empty.ok).toBe(false);
    if (!empty.ok)
      expect(Object.keys(empty.errors).sort()).toEqual(['fields', 'kind', 'legalBasis', 'reason', 'reference', 'requester', 'userId']);
  });

  it('is told and shown at once without a hold; with a hold, only once the hold ends (injected clock)', async () => {
    const db = database.db;
    const open = await account(db, 'open');
    const held = await account(db, 'held');
    const outbox = recordingOutbox();
    const job = disclosureNoticeJob({ siteUrl: SITE, enqueue: outbox.enqueue });
    const form = (userId: number, holdUntil?: string) => {
      const check = checkDisclosureForm({ ...FORM, userId: String(userId), holdUntil }, T0);
      if (!check.ok) throw new Error(JSON.stringify(check.errors));
      return check.value;
    };
    expect((await recordLegalDisclosure(db, ADMIN, form(open), T0)).ok).toBe(true);
    expect((await recordLegalDisclosure(db, ADMIN, form(held, '2031-04-01'), T0)).ok).toBe(true);
    expect(await recordLegalDisclosure(db, ADMIN, form(999), T0)).toEqual({ ok: false, problem: 'no-account' });

    expect(await job.run(db, after(0))).toBe(1);
    expect((await outbox.messages()).map((m) => m.to)).toEqual(['open@example.com']);
    expect((await disclosuresFor(db, open, after(0)))[0]).toMatchObject({
      kind: 'legal',
      recipient: 'Metropolitan Police',
      fields: 'Email address, Phone number',
    });
    expect(await disclosuresFor(db, held, after(0))).toEqual([]);
    const exported = await exportAccount(db, held, new URL(SITE), after(0));
    expect(exported!.tables.disclosure!.rows).toEqual([]);

    // The day before the hold ends: still nothing. The day it ends: the mail, the record, the export.
    expect(await job.run(db, new Date('2031-03-31T23:59:59Z'))).toBe(0);
    expect(await job.run(db, new Date('2031-04-01T00:00:00Z'))).toBe(1);
    expect(await job.run(db, new Date('2031-04-02T00:00:00Z'))).toBe(0);
    expect((await outbox.messages()).map((m) => m.to)).toEqual(['open@example.com', 'held@example.com']);
    expect(await disclosuresFor(db, held, new Date('2031-04-01T00:00:00Z'))).toHaveLength(1);
    expect((await exportAccount(db, held, new URL(SITE), new Date('2031-04-01T00:00:00Z')))!.tables.disclosure!.rows).toHaveLength(1);
    const audit = await db
      .selectFrom('audit_log')
      .select(['action', 'subject_user_id'])
      .where('action', '=', 'disclosure.record')
      .execute();
    expect(audit).toEqual([
      { action: 'disclosure.record', subject_user_id: open },
      { action: 'disclosure.record', subject_user_id: held },
    ]);
  });

  it('lists shares and disclosures together, newest first, in "Where your data went"', async () => {
    const db = database.db;
    const user = await account(db, 'went');
    const purposeId = await purposeFor(db);
    const outbox = recordingOutbox();
    await queueNotices(db, T0);
    await sendNotices(db, outbox.enqueue, SITE, T0);
    const share = await runShare(db, ADMIN, { purposeId, fields: ['email'], format: 'csv', filter: {} }, after(31));
    expect(share.ok).toBe(true);
    const check = checkDisclosureForm({ ...FORM, kind: 'fraud', userId: String(user) }, after(32));
    if (!check.ok) throw new Error('form');
    await recordLegalDisclosure(db, ADMIN, check.value, after(32));
    expect((await disclosuresFor(db, user, after(33))).map((d) => [d.kind, d.recipient])).toEqual([
      ['fraud', 'Metropolitan Police'],
      ['share', 'Acme Leads Ltd'],
    ]);
  });
});
