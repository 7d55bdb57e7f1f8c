// The audit log itself (src/lib/audit): append-only at the database level, entries commit with
// the change they record, no values in them, and they survive the erasure of both accounts.
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { eraseAccount, eraseAccountIn, exportAccount } from '../../src/lib/accounts/index.ts';
import { AuditEntryError, isAuditFieldName, listAudit, recordAudit, staffAccessFor } from '../../src/lib/audit/index.ts';
import { describeSchema } from '../../src/lib/db/index.ts';
import { account, staffDatabase } from '../support/staff.ts';

const database = staffDatabase();

const staff = (userId: number) => ({ userId, ip: '192.0.2.7' });
const t = (iso: string) => new Date(iso);

async function count(): Promise<number> {
  const row = await database.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('recordAudit', () => {
  it('appends an entry with the UTC time, actor, IP, action, subject, field names and reason', async () => {
    const support = await account(database, 'support@example.com', ['support']);
    const user = await account(database, 'user@example.com');
    await database.db.transaction().execute((trx) =>
      recordAudit(trx, {
        action: 'account.reveal',
        actor: staff(support),
        subjectUserId: user,
        fields: ['phone'],
        reason: '  Caller asked us to read back their number  ',
        at: t('2026-11-25T10:00:00.000Z'),
      }),
    );
    expect(await database.db.selectFrom('audit_log').selectAll().execute()).toEqual([
      {
        id: 1,
        at: '2026-11-25T10:00:00.000Z',
        actor_user_id: support,
        actor_ip: '192.0.2.7',
        action: 'account.reveal',
        subject_user_id: user,
        fields: '["phone"]',
        reason: 'Caller asked us to read back their number',
      },
    ]);
  });

  it('takes field names only: anything that could be a value is refused, and nothing is written', async () => {
    for (const field of ['+1 617 555 0100', 'jane@example.com', 'Jane', 'phone=123', 'role:root']) {
      expect(isAuditFieldName(field), field).toBe(false);
      await expect(
        database.db
          .transaction()
          .execute((trx) => recordAudit(trx, { action: 'account.view', actor: staff(1), subjectUserId: 2, fields: [field] })),
      ).rejects.toThrow(AuditEntryError);
    }
    expect(['email', 'phone', 'full_name', 'role:admin'].every(isAuditFieldName)).toBe(true);
    expect(await count()).toBe(0);
  });

  it('commits with the change it records, or not at all', async () => {
    const user = await account(database, 'rollback@example.com');
    await expect(
      database.db.transaction().execute(async (trx) => {
        await recordAudit(trx, {
          action: 'account.end-sessions',
          actor: staff(1),
          subjectUserId: user,
          reason: 'Lost laptop, on the phone',
        });
        await trx.deleteFrom('session').where('user_id', '=', user).execute();
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await count()).toBe(0);
  });
});

describe('the database refuses to change the log', () => {
  beforeEach(async () => {
    await database.db
      .transaction()
      .execute((trx) => recordAudit(trx, { action: 'account.view', actor: staff(1), subjectUserId: 2, fields: ['email'] }));
  });

  it('refuses UPDATE, through Kysely and through raw SQL', async () => {
    await expect(database.db.updateTable('audit_log').set({ reason: 'rewritten' }).execute()).rejects.toThrow(/append-only/);
    await expect(database.db.updateTable('audit_log').set({ subject_user_id: null }).where('id', '=', 1).execute()).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`update audit_log set action = 'account.search'`.execute(database.db)).rejects.toThrow(
      /append-only: entries cannot be changed/,
    );
    await expect(sql`update audit_log set actor_ip = null`.execute(database.db)).rejects.toThrow(/append-only/);
    const row = await database.db.selectFrom('audit_log').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ action: 'account.view', reason: null, subject_user_id: 2, actor_ip: '192.0.2.7' });
  });

  it('refuses DELETE, of one entry or all', async () => {
    await expect(database.db.deleteFrom('audit_log').where('id', '=', 1).execute()).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log`.execute(database.db)).rejects.toThrow(/append-only: entries cannot be deleted/);
    await expect(sql`delete from audit_log where 1 = 1`.execute(database.db)).rejects.toThrow(/append-only/);
    expect(await count()).toBe(1);
  });

  it('has the triggers in the schema, on a STRICT table without foreign keys', async () => {
    const schema = await describeSchema(database.db);
    const triggers = schema.objects.filter((o) => o.kind === 'trigger' && o.table === 'audit_log');
    expect(triggers.map((t) => t.name).sort()).toEqual(['audit_log_no_delete', 'audit_log_no_update']);
    // SQLite: `before update on audit_log … raise(abort, …)`; PostgreSQL: a PL/pgSQL function that raises.
    const refuses = database.dialect === 'postgres' ? /raise exception/i : /raise\(abort/i;
    expect(triggers.every((t) => /before (update|delete) on (public\.)?"?audit_log"?/i.test(t.sql) && refuses.test(t.sql))).toBe(true);
    const table = schema.tables.find((t) => t.name === 'audit_log')!;
    expect(table.strict).toBe(true);
    expect(table.foreignKeys).toEqual([]);
  });
});

describe('erasure and the log', () => {
  it('erases an account that the log names as subject and as actor; the entries stay, with the numbers only', async () => {
    const support = await account(database, 'leaving-support@example.com', ['support'], { full_name: 'Sam Support' });
    const user = await account(database, 'subject@example.com', [], { full_name: 'Una User', phone: '+1 617 555 0199' });
    await database.db.transaction().execute(async (trx) => {
      await recordAudit(trx, { action: 'account.view', actor: staff(support), subjectUserId: user, fields: ['full_name', 'phone'] });
      await recordAudit(trx, {
        action: 'account.reveal',
        actor: staff(support),
        subjectUserId: user,
        fields: ['phone'],
        reason: 'Verifying the caller by phone',
      });
      // The support member's own account was looked at too.
      await recordAudit(trx, { action: 'account.view', actor: staff(user), subjectUserId: support, fields: ['email'] });
    });

    expect(await eraseAccount(database.db, user, 'self-service')).toBeDefined();
    expect(await eraseAccount(database.db, support, 'support')).toBeDefined();

    const rows = await database.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
    expect(rows.map((r) => [r.actor_user_id, r.subject_user_id, r.action])).toEqual([
      [support, user, 'account.view'],
      [support, user, 'account.reveal'],
      [user, support, 'account.view'],
    ]);
    const text = JSON.stringify(rows);
    for (const personal of ['subject@example.com', 'Una', 'User', '555', 'leaving-support', 'Sam']) expect(text).not.toContain(personal);
    const { rows: listed } = await listAudit(database.db, {});
    expect(listed.every((r) => !r.subjectExists && r.actorEmail === null)).toBe(true);
  });

  it('eraseAccountIn commits the caller’s audit entry with the erasure, or neither', async () => {
    const user = await account(database, 'both@example.com');
    await expect(
      database.db.transaction().execute(async (trx) => {
        await recordAudit(trx, { action: 'account.delete', actor: staff(1), subjectUserId: user, reason: 'Verified by a video call' });
        await eraseAccountIn(trx, user, 'support');
        throw new Error('later step failed');
      }),
    ).rejects.toThrow('later step failed');
    expect(await count()).toBe(0);
    expect(await database.db.selectFrom('user').select('id').where('id', '=', user).executeTakeFirst()).toEqual({ id: user });
  });

  it('never gives a deleted account’s number to a new account, so its entries stay its own', async () => {
    const first = await account(database, 'first@example.com', [], {}, t('2026-11-01T00:00:00.000Z'));
    await database.db.transaction().execute((trx) =>
      recordAudit(trx, {
        action: 'account.reveal',
        actor: staff(99),
        subjectUserId: first,
        fields: ['email'],
        reason: 'About the first holder',
        at: t('2026-11-02T00:00:00.000Z'),
      }),
    );
    expect(await staffAccessFor(database.db, first)).toHaveLength(1);
    // The newest account is deleted: SQLite used to give its number to the next one.
    await eraseAccount(database.db, first, 'self-service', t('2026-11-03T00:00:00.000Z'));

    const second = await account(database, 'second@example.com', [], {}, t('2026-11-04T00:00:00.000Z'));
    expect(second).toBeGreaterThan(first);
    expect(await staffAccessFor(database.db, second)).toEqual([]);
    const { rows } = await listAudit(database.db, { subjectUserId: first });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.subjectExists).toBe(false);
    const exported = await exportAccount(database.db, second, new URL('https://x.example'), t('2026-11-05T00:00:00.000Z'));
    expect(exported!.tables.audit_log?.rows ?? []).toEqual([]);
  });
});
