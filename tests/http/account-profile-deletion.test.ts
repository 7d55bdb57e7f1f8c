// Deleting an account over HTTP: re-authenticated and confirmed; afterwards no table holds
// the address, the name or the phone number, every session is refused, a deletion record
// with nothing personal remains, the confirmation is emailed, and nothing else changes. The
// last admin cannot delete their account.
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantRole } from '../../src/lib/auth/role-grants.ts';
import { issueToken } from '../../src/lib/auth/tokens.ts';
import { describeSchema } from '../../src/lib/db/index.ts';
import { DELETION_LINK_TTL_MS } from '../../src/lib/staff/deletion-request-workflow.ts';
import { Client, fieldError, mailsTo } from '../support/account-profile.ts';
import { dialect } from '../support/postgres.ts';
import { waitForMailDelivered, withDatabase } from '../support/site-db.ts';
import { createUser, PASSWORD, uniqueEmail } from '../support/users.ts';
import { publishedVersions, versionInEffect } from '../support/policy-versions.ts';
import { startSite, type RunningSite } from '../support/site.ts';

let site: RunningSite;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.stop();
});

const NAME = 'Zebedee Quixote-Marchbanks';
const PHONE = '+1 617 555 0199';

async function userWithData(label: string, phone = '+1 617 555 0111') {
  const email = uniqueEmail(label);
  const { id } = await createUser(site, { email });
  const client = new Client(site);
  await client.signIn(email);
  const pendingEmail = uniqueEmail(`${label}-pending`);
  const company = `Deletion Corp ${label}`;
  await client.post('/account?_action=account.updateProfile', {
    display_name: `${label} Q`,
    full_name: `${NAME} ${label}`,
    company,
    job_title: 'Leaver',
    phone,
  });
  await client.post('/account/privacy?_action=account.setSharing', { choice: 'opt-out' });
  await client.post('/account/security?_action=account.changeEmail', { newEmail: pendingEmail, emailPassword: PASSWORD });
  await client.post('/account/export.json', {});
  return { id, email, client, pendingEmail, company };
}

/**
 * Where the raw bytes of the database file and its write-ahead log hold one of `needles` (as
 * typed or in lower case): what a copy of the files would give away, deleted rows included.
 */
function rawBytesHolding(needles: string[]): string[] {
  const found: string[] = [];
  for (const file of [site.databasePath, `${site.databasePath}-wal`]) {
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    for (const needle of needles) {
      for (const form of new Set([needle, needle.toLowerCase()]))
        if (bytes.includes(Buffer.from(form, 'utf8'))) found.push(`${basename(file)} holds "${form}"`);
    }
  }
  return found;
}

/** Every cell of every table whose text (or bytes read as text) contains one of `needles`. */
async function findEverywhere(needles: string[]): Promise<string[]> {
  return withDatabase(site, async (db) => {
    const found: string[] = [];
    for (const { name } of (await describeSchema(db)).tables) {
      const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
      for (const row of rows) {
        for (const [column, value] of Object.entries(row)) {
          if (value === null || value === undefined) continue;
          const text = (Buffer.isBuffer(value) ? value.toString('latin1') : String(value)).toLowerCase();
          for (const needle of needles) if (text.includes(needle.toLowerCase())) found.push(`${name}.${column} holds "${needle}"`);
        }
      }
    }
    return found;
  });
}

function countRows(table: string): Promise<number> {
  return withDatabase(site, async (db) => {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
    return Number(rows[0]!.n);
  });
}

describe('deleting an account', () => {
  it('needs the current password and the typed confirmation, and deletes nothing without them', async () => {
    const { id, client } = await userWithData('keep');
    const wrong = await client.post('/account/data?_action=account.deleteAccount', {
      deletePassword: 'this is not it at all',
      confirmation: 'delete my account',
    });
    expect(wrong.status).toBe(403);
    expect(fieldError(await wrong.text(), 'deletePassword')).toMatch(/not your current password/);
    const unconfirmed = await client.post('/account/data?_action=account.deleteAccount', { deletePassword: PASSWORD, confirmation: 'yes' });
    expect(unconfirmed.status).toBe(400);
    expect(fieldError(await unconfirmed.text(), 'confirmation')).toMatch(/delete my account/);
    const user = await withDatabase(site, (db) => db.selectFrom('user').select('id').where('id', '=', id).executeTakeFirst());
    expect(user).toBeDefined();
    expect((await client.get('/account')).status).toBe(200);
  });

  it('erases every row of personal data at once, ends every session, keeps an anonymous record and emails a confirmation', async () => {
    const other = await userWithData('bystander');
    const { id, email, client, pendingEmail, company } = await userWithData('leaver', PHONE);
    const elsewhere = new Client(site);
    await elsewhere.signIn(email);
    const oldCookie = client.cookies.get('session')!;
    const needles = [email, `${NAME} leaver`, 'leaver Q', PHONE];
    expect((await findEverywhere(needles)).length).toBeGreaterThan(0);
    const everyValue = [...needles, pendingEmail, company];
    // The files' raw bytes: SQLite's one file and its log (PostgreSQL: tests/unit/accounts-registry.test.ts, the vacuum after erasure).
    if (dialect === 'sqlite') expect(rawBytesHolding(everyValue).length).toBeGreaterThan(0);
    // Visitor statistics: whatever the counting capability holds must be untouched.
    const statistics = ['view_daily', 'view_total', 'view_site_daily'];
    const before = Object.fromEntries(await Promise.all(statistics.map(async (t) => [t, await countRows(t)] as const)));
    const recordsBefore = await countRows('deletion_record');

    const res = await client.post('/account/data?_action=account.deleteAccount', {
      deletePassword: PASSWORD,
      confirmation: 'Delete my account ',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account/deleted');
    expect(client.cookies.has('session')).toBe(false);
    const page = await client.get('/account/deleted');
    expect(page.status).toBe(200);

    // No table holds the address, the name or the phone number; nor does any byte of the
    // database file or its log (deleted rows and old log frames included) once the confirmation
    // to the address has gone out (its outbox row is deleted when sent).
    await waitForMailDelivered(site);
    await expect.poll(() => findEverywhere(needles), { timeout: 20_000 }).toEqual([]);
    if (dialect === 'sqlite') await expect.poll(() => rawBytesHolding(everyValue), { timeout: 20_000 }).toEqual([]);
    await withDatabase(site, async (db) => {
      for (const table of [
        'session',
        'email_token',
        'policy_agreement',
        'sharing_choice',
        'data_change',
        'account_profile',
        'user_role',
      ] as const) {
        const rows = await db.selectFrom(table).select('user_id').where('user_id', '=', id).execute();
        expect(rows, table).toEqual([]);
      }
      expect(await db.selectFrom('user').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
    });

    // The old cookie is refused; so is the other browser's.
    const replay = new Client(site);
    replay.cookies.set('session', oldCookie);
    const refused = await replay.get('/account');
    expect(refused.status).toBe(303);
    expect(refused.headers.get('location')).toBe('/login?next=%2Faccount');
    expect((await elsewhere.get('/account')).status).toBe(303);
    await expect(new Client(site).signIn(email)).rejects.toThrow();

    // The record of the deletion: when, how, which policy versions — nothing else.
    expect(await countRows('deletion_record')).toBe(recordsBefore + 1);
    const record = await withDatabase(site, (db) =>
      db.selectFrom('deletion_record').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow(),
    );
    expect(Object.keys(record).sort()).toEqual(['deleted_at', 'id', 'last_agreed_policy', 'policy_in_effect', 'via']);
    // createUser records agreement to the first version at registration.
    expect(record).toMatchObject({
      via: 'self-service',
      policy_in_effect: versionInEffect().effective,
      last_agreed_policy: publishedVersions()[0]!.effective,
    });
    expect(record.deleted_at).toMatch(/^\d{4}-\d\d-\d\dT/);

    const [confirmation] = await mailsTo(site, email, /account has been deleted/);
    expect(confirmation).toBeDefined();

    // Nobody else lost anything; visitor statistics are as they were.
    expect((await other.client.get('/account')).status).toBe(200);
    expect((await findEverywhere([other.email, `${NAME} bystander`])).length).toBeGreaterThan(0);
    for (const t of statistics) expect(await countRows(t), t).toBe(before[t]);
  });

  // SQLite's files only: on PostgreSQL erasure ends with a vacuum (tests/unit/accounts-registry.test.ts).
  it.runIf(dialect === 'sqlite')(
    'by a deletion request confirmed with the emailed link, also leaves no byte of the account in the database files',
    async () => {
      const { id, email, pendingEmail, company } = await userWithData('requested', '+1 617 555 0142');
      const everyValue = [email, `${NAME} requested`, 'requested Q', '+1 617 555 0142', pendingEmail, company];
      const { id: tokenId, token, secretHash } = issueToken();
      const now = new Date();
      await withDatabase(site, (db) =>
        db
          .insertInto('deletion_request')
          .values({
            ticket: 'T-BYTES',
            requester_email: email,
            user_id: id,
            status: 'pending',
            received_at: now.toISOString(),
            recorded_at: now.toISOString(),
            token_id: tokenId,
            token_hash: secretHash,
            token_expires_at: now.getTime() + DELETION_LINK_TTL_MS,
          })
          .execute(),
      );
      expect(rawBytesHolding(everyValue).length).toBeGreaterThan(0);
      const res = await new Client(site).post('/_actions/staff.confirmDeletion', { token }, { accept: 'application/json' });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await withDatabase(site, (db) => db.selectFrom('user').select('id').where('id', '=', id).executeTakeFirst())).toBeUndefined();
      await waitForMailDelivered(site);
      await expect.poll(() => rawBytesHolding(everyValue), { timeout: 20_000 }).toEqual([]);
    },
  );

  it('lets the address register again as a new account', async () => {
    const { email, client } = await userWithData('again');
    await client.post('/account/data?_action=account.deleteAccount', { deletePassword: PASSWORD, confirmation: 'delete my account' });
    const { id } = await createUser(site, { email });
    const fresh = new Client(site);
    await fresh.signIn(email);
    const data = (await (await fresh.post('/account/export.json', {})).json()) as {
      accountId: number;
      tables: Record<string, { rows: unknown[] }>;
    };
    expect(data.accountId).toBe(id);
    expect(data.tables.account_profile!.rows).toEqual([]);
    expect(data.tables.data_change!.rows).toEqual([]);
  });

  it('refuses to delete the last admin, says why and keeps what was typed but the password; with a second admin it deletes', async () => {
    const email = uniqueEmail('only-admin');
    const { id } = await createUser(site, { email });
    await withDatabase(site, (db) => grantRole(db, id, 'admin'));
    const client = new Client(site);
    await client.signIn(email);

    const refused = await client.post('/account/data?_action=account.deleteAccount', {
      deletePassword: PASSWORD,
      confirmation: 'Delete my account',
    });
    expect(refused.status).toBe(409);
    const html = await refused.text();
    expect(html).toContain('you are the only admin, and there must always be one. Grant the admin role to someone else first');
    expect(html).toMatch(/<input[^>]*name="confirmation"[^>]*value="Delete my account"/);
    expect(html).not.toContain(PASSWORD);
    expect(await withDatabase(site, (db) => db.selectFrom('user').select('id').where('id', '=', id).executeTakeFirst())).toEqual({ id });
    expect((await client.get('/account')).status).toBe(200);
    expect(await mailsTo(site, email, /account has been deleted/)).toEqual([]);

    const { id: second } = await createUser(site, { email: uniqueEmail('second-admin') });
    await withDatabase(site, (db) => grantRole(db, second, 'admin'));
    const deleted = await client.post('/account/data?_action=account.deleteAccount', {
      deletePassword: PASSWORD,
      confirmation: 'delete my account',
    });
    expect(deleted.status).toBe(303);
    expect(deleted.headers.get('location')).toBe('/account/deleted');
    expect(await withDatabase(site, (db) => db.selectFrom('user').select('id').where('id', '=', id).executeTakeFirst())).toBeUndefined();
  });
});
