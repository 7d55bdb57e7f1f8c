// Reading the audit log: the admins' filters, pages and CSV; the account holder's own list.
import { beforeEach, describe, expect, it } from 'vitest';
import {
  auditCsv,
  csvCell,
  listAudit,
  parseAuditFilters,
  recordAudit,
  staffAccessFor,
  type AuditEntry,
} from '../../src/lib/audit/index.ts';
import { account, staffDatabase } from '../support/staff.ts';

const database = staffDatabase();
let support: number;
let admin: number;
let alice: number;
let bob: number;

async function log(entry: Omit<AuditEntry, 'at'> & { at: string }) {
  await database.db.transaction().execute((trx) => recordAudit(trx, { ...entry, at: new Date(entry.at) }));
}

beforeEach(async () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  support = await account(database, 'support@customertrackr.com', ['support'], {}, t0);
  admin = await account(database, 'admin@customertrackr.com', ['admin'], {}, t0);
  alice = await account(database, 'alice@example.com', [], {}, t0);
  bob = await account(database, 'bob@example.com', [], {}, t0);
  await log({
    action: 'account.view',
    actor: { userId: support, ip: '10.0.0.1' },
    subjectUserId: alice,
    fields: ['email'],
    at: '2026-11-20T09:00:00.000Z',
  });
  await log({
    action: 'account.reveal',
    actor: { userId: support, ip: '10.0.0.1' },
    subjectUserId: alice,
    fields: ['phone'],
    reason: '=HYPERLINK("http://evil")',
    at: '2026-11-21T23:59:59.999Z',
  });
  await log({ action: 'account.view', actor: { userId: admin, ip: '::1' }, subjectUserId: bob, at: '2026-11-22T00:00:00.000Z' });
  await log({
    action: 'role.grant',
    actor: { userId: admin, ip: '::1' },
    subjectUserId: support,
    fields: ['role:support'],
    at: '2026-11-23T12:00:00.000Z',
  });
  await log({
    action: 'account.delete',
    actor: 'account-holder',
    subjectUserId: bob,
    reason: 'Deletion request T-1, "confirmed"\nby link',
    at: '2026-11-24T12:00:00.000Z',
  });
});

const ids = async (filters: Parameters<typeof listAudit>[1]) => (await listAudit(database.db, filters)).rows.map((r) => r.id);

describe('filters', () => {
  it('by actor, subject, action and UTC days (inclusive), newest first', async () => {
    expect(await ids({})).toEqual([5, 4, 3, 2, 1]);
    expect(await ids({ actorUserId: support })).toEqual([2, 1]);
    expect(await ids({ subjectUserId: bob })).toEqual([5, 3]);
    expect(await ids({ action: 'account.view' })).toEqual([3, 1]);
    expect(await ids({ from: '2026-11-21', to: '2026-11-21' })).toEqual([2]);
    expect(await ids({ from: '2026-11-22' })).toEqual([5, 4, 3]);
    expect(await ids({ to: '2026-11-21' })).toEqual([2, 1]);
    expect(await ids({ actorUserId: admin, subjectUserId: bob, action: 'account.view', from: '2026-11-22', to: '2026-11-22' })).toEqual([
      3,
    ]);
  });

  it('reads the form: account numbers or addresses, an action from the list, dates', async () => {
    expect(
      await parseAuditFilters(database.db, {
        actor: ' #' + support,
        subject: 'ALICE@example.com',
        action: 'account.view',
        from: '2026-11-01',
        to: '',
      }),
    ).toEqual({
      ok: true,
      filters: { actorUserId: support, subjectUserId: alice, action: 'account.view', from: '2026-11-01' },
    });
    expect(await parseAuditFilters(database.db, { subject: '999' })).toEqual({ ok: true, filters: { subjectUserId: 999 } });
    expect(await parseAuditFilters(database.db, {})).toEqual({ ok: true, filters: {} });
    expect(await parseAuditFilters(database.db, { actor: 'nobody@example.com' })).toMatchObject({
      ok: false,
      field: 'actor',
      message: expect.stringMatching(/No account has this address/),
    });
    expect(await parseAuditFilters(database.db, { subject: 'drop table' })).toMatchObject({ ok: false, field: 'subject' });
    expect(await parseAuditFilters(database.db, { action: 'account.hack' })).toMatchObject({ ok: false, field: 'action' });
    expect(await parseAuditFilters(database.db, { from: '2026-02-30' })).toMatchObject({ ok: false, field: 'from' });
    expect(await parseAuditFilters(database.db, { from: '2026-11-02', to: '2026-11-01' })).toMatchObject({ ok: false, field: 'to' });
  });

  it('pages through older entries', async () => {
    const first = await listAudit(database.db, {}, { limit: 2 });
    expect(first.rows.map((r) => r.id)).toEqual([5, 4]);
    expect(first.more).toBe(true);
    const second = await listAudit(database.db, {}, { limit: 2, before: 4 });
    expect(second.rows.map((r) => r.id)).toEqual([3, 2]);
    const last = await listAudit(database.db, {}, { limit: 2, before: 2 });
    expect(last).toMatchObject({ rows: [{ id: 1 }], more: false });
  });

  it('names staff by their address, and the account holder acting through a link as nobody', async () => {
    const { rows } = await listAudit(database.db, {});
    expect(rows.find((r) => r.id === 1)).toMatchObject({
      actorEmail: 'support@customertrackr.com',
      actorIp: '10.0.0.1',
      actionLabel: 'Viewed the account record',
      subjectExists: true,
      fields: ['email'],
    });
    expect(rows.find((r) => r.id === 5)).toMatchObject({ actorUserId: null, actorEmail: null, actorIp: null });
  });
});

describe('the CSV export', () => {
  it('has a header and one row per entry, oldest first, quoted where needed, formulas defused', async () => {
    const csv = await auditCsv(database.db, {});
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('id,time_utc,actor_account,actor_email,actor_ip,action,subject_account,fields,reason');
    expect(lines).toHaveLength(7);
    expect(lines.at(-1)).toBe('');
    expect(lines[1]).toBe(`1,2026-11-20T09:00:00.000Z,${support},support@customertrackr.com,10.0.0.1,account.view,${alice},email,`);
    expect(lines[2]).toBe(
      `2,2026-11-21T23:59:59.999Z,${support},support@customertrackr.com,10.0.0.1,account.reveal,${alice},phone,"'=HYPERLINK(""http://evil"")"`,
    );
    // A reason is one line (the staff forms fold line breaks); a raw one is still quoted safely.
    expect(csv).toContain(`5,2026-11-24T12:00:00.000Z,,,,account.delete,${bob},,"Deletion request T-1, ""confirmed""\nby link"`);
    expect(await auditCsv(database.db, { actorUserId: admin })).toMatch(/^id,.*\r\n3,.*\r\n4,.*\r\n$/);
  });

  it('escapes cells', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(-1)).toBe('-1');
    expect(csvCell('+1 555')).toBe("'+1 555");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell(' padded ')).toBe('" padded "');
  });
});

describe('what the account holder sees', () => {
  it('their entries, newest first, in their words, with fields and reasons, never who', async () => {
    const entries = await staffAccessFor(database.db, alice);
    expect(entries).toEqual([
      {
        at: '2026-11-21T23:59:59.999Z',
        action: 'account.reveal',
        description: 'Our support team revealed a masked detail of your account.',
        fields: ['Phone number'],
        reason: '=HYPERLINK("http://evil")',
      },
      {
        at: '2026-11-20T09:00:00.000Z',
        action: 'account.view',
        description: 'Our support team opened your account record, with your personal details masked.',
        fields: ['Email address'],
        reason: null,
      },
    ]);
    expect(JSON.stringify(entries)).not.toContain('support@customertrackr.com');
    expect(JSON.stringify(entries)).not.toContain('10.0.0.1');
    expect((await staffAccessFor(database.db, support)).map((e) => e.fields)).toEqual([['the support role']]);
  });
});
