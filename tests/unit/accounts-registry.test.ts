// The personal-data registry against the schema the migrations build, and the export and
// erasure that work from it.
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  deleteOwnAccount,
  ERASED_TABLES,
  eraseAccount,
  exportAccount,
  exportRateLimitKey,
  listDeletionRecords,
  NOT_PERSONAL,
  PERSONAL_DATA,
  rateLimitKeyHash,
  registryEntry,
  updateProfile,
} from '../../src/lib/accounts/index.ts';
import { createAccount, createSession, hashPassword, normalizeEmail } from '../../src/lib/auth/index.ts';
import { describeSchema } from '../../src/lib/db/index.ts';
import { accountKey, backoff, BACKOFFS, hit, LIMITS } from '../../src/lib/rate-limit/index.ts';
import { dialect, testDatabase } from '../support/db.ts';

const database = testDatabase();
beforeEach(async () => {
  await database.db
    .insertInto('policy_version')
    .values({
      effective_date: '2009-01-01',
      version: 1,
      title: 'Privacy Policy',
      content_sha256: 'a'.repeat(64),
      material: false,
      recorded_at: '2026-01-01T00:00:00Z',
    })
    .execute();
});

async function schema() {
  return (await describeSchema(database.db)).tables.map(({ name, columns, foreignKeys }) => ({
    name,
    columns: columns.map((c) => c.name),
    userKeys: foreignKeys.filter((fk) => fk.table === 'user').map((fk) => fk.from),
  }));
}

async function populatedUser(email: string) {
  const id = await createAccount(database.db, normalizeEmail(email)!, ['support'], 'not-a-real-hash');
  await updateProfile(database.db, id, { full_name: 'Sam Sample', phone: '+1 617 555 0123' });
  await createSession(database.db, id, 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0');
  await database.db
    .insertInto('policy_agreement')
    .values({
      user_id: id,
      policy_effective_date: '2009-01-01',
      agreed_at: '2026-01-01T00:00:00.000Z',
      context: 'registration',
      wording: 'I agree.',
    })
    .execute();
  await database.db
    .insertInto('sharing_choice')
    .values({ user_id: id, opted_out: true, chosen_at: '2026-01-02T00:00:00.000Z', source: 'gpc' })
    .execute();
  await backoff(database.db, BACKOFFS.signInPerAccount, normalizeEmail(email)!.normalized);
  await hit(database.db, LIMITS.mailResetPassword, email.toLowerCase());
  await hit(database.db, LIMITS.reauthPerAccount, accountKey(id));
  await database.db
    .insertInto('password_reset_request')
    .values({ email: normalizeEmail(email)!.normalized, requested_at: 0 })
    .execute();
  await hit(database.db, LIMITS.exportPerAccount, exportRateLimitKey(id));
  return id;
}

describe('the registry', () => {
  it('names every table of the schema: as personal data with every column classified, or as not personal with a reason', async () => {
    const problems: string[] = [];
    for (const table of await schema()) {
      const entry = registryEntry(table.name);
      if (!entry) {
        if (!NOT_PERSONAL[table.name]) problems.push(`${table.name}: unclassified`);
        if (table.userKeys.length > 0) problems.push(`${table.name}: references user but is not personal data`);
        continue;
      }
      expect(Object.keys(entry.columns).sort(), table.name).toEqual([...table.columns].sort());
      for (const key of table.userKeys)
        if (!entry.userColumns.includes(key)) problems.push(`${table.name}.${key}: a user reference not in userColumns`);
    }
    expect(problems).toEqual([]);
    for (const [table, reason] of Object.entries(NOT_PERSONAL)) expect(reason.length, table).toBeGreaterThan(20);
    for (const e of PERSONAL_DATA) {
      for (const [column, rule] of Object.entries(e.columns)) {
        const text = 'export' in rule ? rule.export : rule.exclude;
        expect(text.length, `${e.table}.${column}`).toBeGreaterThan(3);
      }
    }
  });

  it('keeps a table only when it says why, and such a table has no foreign key to user (erasure would change it)', async () => {
    const keys = new Map((await schema()).map((t) => [t.name, t.userKeys]));
    for (const e of PERSONAL_DATA.filter((e) => e.erase === 'keep')) {
      expect(e.kept?.length ?? 0, e.table).toBeGreaterThan(20);
      expect(keys.get(e.table), e.table).toEqual([]);
    }
  });

  it('keeps the secrets out: password hash, session and token ids and secret hashes are excluded', () => {
    const excluded = PERSONAL_DATA.flatMap((e) =>
      Object.entries(e.columns)
        .filter(([, r]) => 'exclude' in r)
        .map(([c]) => `${e.table}.${c}`),
    );
    expect(excluded).toEqual(
      expect.arrayContaining(['user.password_hash', 'session.id', 'session.secret_hash', 'email_token.id', 'email_token.secret_hash']),
    );
  });
});

describe('exportAccount', () => {
  it("holds the user's rows of every personal table, converted to readable values", async () => {
    const id = await populatedUser('x@example.com');
    await populatedUser('other@example.com');
    const data = (await exportAccount(database.db, id, new URL('https://customertrackr.example'), new Date('2026-11-25T00:00:00Z')))!;
    expect(data).toMatchObject({
      format: 'customertrackr-account-export',
      formatVersion: 1,
      accountId: id,
      documentation: 'https://customertrackr.example/account/export-format',
    });
    expect(data.tables.user!.rows).toEqual([
      expect.objectContaining({ id, email: 'x@example.com', email_normalized: 'x@example.com', display_name: null }),
    ]);
    expect(data.tables.user!.rows[0]).not.toHaveProperty('password_hash');
    expect(data.tables.account_profile!.rows).toEqual([expect.objectContaining({ full_name: 'Sam Sample', phone: '+1 617 555 0123' })]);
    expect(data.tables.session!.rows).toEqual([
      { user_id: id, created_at: expect.stringMatching(/Z$/), last_active_at: expect.stringMatching(/Z$/), client: 'Firefox on Linux' },
    ]);
    expect(data.tables.sharing_choice!.rows).toEqual([expect.objectContaining({ opted_out: true, source: 'gpc' })]);
    expect(data.tables.user_role!.rows).toEqual([expect.objectContaining({ role: 'support' })]);
    expect(data.tables.data_change!.rows.map((r) => r.field)).toEqual(['full_name', 'phone']);
    expect(data.tables).not.toHaveProperty('rate_limit');
    expect(JSON.stringify(data)).not.toContain('other@example.com');
    expect(JSON.stringify(data)).not.toContain('not-a-real-hash');
  });

  it('lists rows in the order they were written, and rows written together in the same order every time', async () => {
    const id = await createAccount(database.db, normalizeEmail('order@example.com')!, [], null, new Date('2026-11-25T00:00:00Z'));
    const grantedAt = '2026-11-25T00:00:00.000Z';
    await database.db.transaction().execute(async (trx) => {
      for (const role of ['support', 'admin'] as const)
        await trx.insertInto('user_role').values({ user_id: id, role, granted_at: grantedAt }).execute();
    });
    const roles = async () =>
      (await exportAccount(database.db, id, new URL('https://customertrackr.example')))!.tables.user_role!.rows.map((row) => row.role);
    // SQLite numbers each row as it is added; PostgreSQL gives both rows the one transaction's
    // id, and the tie is broken by the rows' values instead of where they happen to lie.
    const expected = dialect === 'postgres' ? ['admin', 'support'] : ['support', 'admin'];
    expect(await roles()).toEqual(expected);
    expect(await roles()).toEqual(expected);
  });

  it('answers undefined for an account that does not exist', async () => {
    expect(await exportAccount(database.db, 999, new URL('https://x.example'))).toBeUndefined();
  });
});

describe('eraseAccount', () => {
  it('removes every row of the user from every personal table, rate limits included, and keeps an anonymous record', async () => {
    const id = await populatedUser('gone@example.com');
    const keep = await populatedUser('stay@example.com');
    // Staff records the user acted on stay, without saying whose they were.
    const at = '2026-01-03T00:00:00.000Z';
    const { id: announcement } = await database.db
      .insertInto('announcement')
      .values({
        text: 'Hi',
        level: 'info',
        audience: 'everyone',
        link_url: null,
        link_text: null,
        dismissible: true,
        starts_at: 0,
        ends_at: null,
        revision: 1,
        created_at: at,
        created_by: id,
        updated_at: at,
        updated_by: keep,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await database.db
      .insertInto('announcement_change')
      .values({ announcement_id: announcement, policy_effective_date: null, at, by_user_id: id, action: 'created', details: '{}' })
      .execute();
    // The audit log outlives the account; an open deletion request is closed and forgets the address.
    await database.db
      .insertInto('audit_log')
      .values({
        at,
        actor_user_id: keep,
        actor_ip: '192.0.2.1',
        action: 'account.view',
        subject_user_id: id,
        fields: '["email"]',
        reason: 'Ticket 1',
      })
      .execute();
    await database.db
      .insertInto('deletion_request')
      .values({
        ticket: 'T-1',
        requester_email: 'gone@example.com',
        user_id: id,
        status: 'pending',
        received_at: at,
        recorded_at: at,
        token_id: null,
        token_hash: null,
        token_expires_at: null,
        confirmed_at: null,
        confirmed_via: null,
        closed_at: null,
      })
      .execute();

    const rateRows = async () => (await database.db.selectFrom('rate_limit').select('key_hash').execute()).map((r) => r.key_hash);
    expect(await rateRows()).toEqual(
      expect.arrayContaining([rateLimitKeyHash('gone@example.com'), rateLimitKeyHash(exportRateLimitKey(id))]),
    );

    const now = new Date('2026-11-25T12:00:00Z');
    const erased = await eraseAccount(database.db, id, 'self-service', now);
    expect(erased).toEqual({
      email: 'gone@example.com',
      record: { deletedAt: now.toISOString(), via: 'self-service', policyInEffect: '2009-01-01', lastAgreedPolicy: '2009-01-01' },
    });

    for (const e of PERSONAL_DATA) {
      if (e.erase === 'rate-limit-keys' || e.erase === 'by-address' || e.erase === 'keep') continue;
      for (const column of e.userColumns) {
        const { n } = (
          await sql<{ n: number }>`select count(*) as n from ${sql.table(e.table)} where ${sql.ref(column)} = ${id}`.execute(database.db)
        ).rows[0]!;
        expect(n, `${e.table}.${column}`).toBe(0);
      }
    }
    const remaining = await rateRows();
    expect(remaining).not.toContain(rateLimitKeyHash('gone@example.com'));
    expect(remaining).not.toContain(rateLimitKeyHash(exportRateLimitKey(id)));
    expect(remaining).toContain(rateLimitKeyHash('stay@example.com'));
    // A reset asked for with the address and not yet handled goes too.
    expect(await database.db.selectFrom('password_reset_request').select('email').execute()).toEqual([{ email: 'stay@example.com' }]);
    // The announcement and its history remain, unlinked.
    expect(await database.db.selectFrom('announcement').select(['created_by', 'updated_by']).executeTakeFirstOrThrow()).toEqual({
      created_by: null,
      updated_by: keep,
    });
    expect(await database.db.selectFrom('announcement_change').select('by_user_id').executeTakeFirstOrThrow()).toEqual({
      by_user_id: null,
    });
    expect(await database.db.selectFrom('audit_log').select('subject_user_id').execute()).toEqual([{ subject_user_id: id }]);
    expect(
      await database.db.selectFrom('deletion_request').select(['user_id', 'requester_email', 'status']).executeTakeFirstOrThrow(),
    ).toEqual({
      user_id: null,
      requester_email: null,
      status: 'completed',
    });
    // The other account is whole.
    expect(await database.db.selectFrom('session').select('id').where('user_id', '=', keep).execute()).toHaveLength(1);
    expect(await listDeletionRecords(database.db)).toEqual([erased!.record]);
    expect(await eraseAccount(database.db, id, 'self-service')).toBeUndefined();
  });

  it('uses the same key hash as the rate limiter', async () => {
    await hit(database.db, LIMITS.exportPerAccount, 'user:42');
    const row = await database.db.selectFrom('rate_limit').select('key_hash').executeTakeFirstOrThrow();
    expect(row.key_hash).toBe(rateLimitKeyHash('user:42'));
  });
});

// The erased rows' old versions leave PostgreSQL's tables and indexes right after the erasure
// (decision 0025); SQLite's counterpart, the WAL checkpoint, is tested in db.test.ts.
describe.runIf(dialect === 'postgres')('after an erasure on PostgreSQL', () => {
  it('vacuums every table the erasure deleted or changed rows in, and only those', async () => {
    const password = 'a long and unusual passphrase 4711';
    const id = await createAccount(database.db, normalizeEmail('vacuumed@example.com')!, [], await hashPassword(password));
    await createSession(database.db, id, null);
    expect(await deleteOwnAccount(database.db, id, password)).toMatchObject({ ok: true });

    const vacuumed = async () =>
      (
        await sql<{ relname: string }>`select relname from pg_stat_user_tables where last_vacuum is not null order by relname`.execute(
          database.db,
        )
      ).rows.map((r) => r.relname);
    // Vacuum records that it ran when it ends; a slow one goes on after the answer (scrubErasedBytes).
    await expect.poll(vacuumed, { timeout: 20_000 }).toEqual([...ERASED_TABLES].sort());
    expect(ERASED_TABLES).toContain('user');
    expect(ERASED_TABLES).not.toContain('audit_log');
  });
});
