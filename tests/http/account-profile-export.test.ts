// "Download my data": the export holds every personal column of every table, checked against
// the live schema of the running site's database — so a table or column added without an
// entry in src/lib/accounts/registry.ts fails here — and never a secret.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_PERSONAL, PERSONAL_DATA, registryEntry } from '../../src/lib/accounts/registry.ts';
import { exportOrder } from '../../src/lib/accounts/export.ts';
import { describeSchema } from '../../src/lib/db/index.ts';
import { Client } from '../support/account-profile.ts';
import { withDatabase } from '../support/site-db.ts';
import { createUser, PASSWORD, uniqueEmail } from '../support/users.ts';
import { startSite, type RunningSite } from '../support/site.ts';

let site: RunningSite;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.stop();
});

interface Export {
  format: string;
  formatVersion: number;
  exportedAt: string;
  documentation: string;
  accountId: number;
  tables: Record<string, { description: string; retention: string; columns: Record<string, string>; rows: Record<string, unknown>[] }>;
  excluded: { table: string; column: string; reason: string }[];
}

interface LiveTable {
  name: string;
  columns: string[];
  /** Columns with a foreign key to user(id). */
  userKeys: string[];
}

/** Every table of the running site's database, its columns and its foreign keys to `user`. */
function liveSchema(): Promise<LiveTable[]> {
  return withDatabase(site, async (db) =>
    (await describeSchema(db)).tables.map((t) => ({
      name: t.name,
      columns: t.columns.map((c) => c.name),
      userKeys: t.foreignKeys.filter((fk) => fk.table === 'user').map((fk) => fk.from),
    })),
  );
}

/** A user with a row in every table that can hold personal data. */
async function fullyPopulatedUser() {
  const email = uniqueEmail('export');
  const { id } = await createUser(site, { email });
  const client = new Client(site, { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' });
  await client.signIn(email);
  await client.post('/account?_action=account.updateProfile', {
    display_name: 'Exporter',
    full_name: 'Ex Porter',
    company: 'Export & Sons',
    job_title: 'Archivist',
    phone: '+1 617 555 0177',
  });
  await client.post('/account/privacy?_action=account.setSharing', { choice: 'opt-out' });
  await client.post('/account/security?_action=account.changeEmail', { newEmail: uniqueEmail('export-next'), emailPassword: PASSWORD });
  await client.post('/account/policy-update?_action=account.acknowledgePolicy', { version: '2027-01-01', next: '/' });
  // Staff data: a role, and announcements the account wrote.
  await withDatabase(site, async (db) => {
    const at = new Date().toISOString();
    await db.insertInto('user_role').values({ user_id: id, role: 'editor', granted_at: at }).execute();
    const { id: announcementId } = await db
      .insertInto('announcement')
      .values({
        text: 'Hello',
        level: 'info',
        audience: 'everyone',
        link_url: null,
        link_text: null,
        dismissible: true,
        starts_at: Date.now(),
        ends_at: null,
        revision: 1,
        created_at: at,
        created_by: id,
        updated_at: at,
        updated_by: id,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('announcement_change')
      .values({ announcement_id: announcementId, policy_effective_date: null, at, by_user_id: id, action: 'created', details: '{}' })
      .execute();
    // Sharing: a notice of a new purpose, a disclosure about the account, and (as staff) an
    // acknowledgement of the handbook.
    const now = Date.now();
    const { id: recipientId } = await db
      .insertInto('recipient')
      .values({
        name: 'Partner Co',
        country: 'Iceland',
        data_received: 'Email address',
        purpose: 'Newsletters',
        kind: 'third-party',
        since: '2026-01-01',
        added_at: now,
        updated_at: now,
        removed_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { id: purposeId } = await db
      .insertInto('sharing_purpose')
      .values({
        recipient_id: recipientId,
        description: 'Newsletters',
        fields: '["email"]',
        notice_days: 30,
        proposed_at: now,
        notice_ends_at: now + 30 * 86_400_000,
        withdrawn_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('purpose_notice')
      .values({ purpose_id: purposeId, user_id: id, queued_at: now, sent_at: now, token_id: null, token_hash: null, opted_out_at: null })
      .execute();
    await db
      .insertInto('disclosure')
      .values({
        user_id: id,
        kind: 'legal',
        share_id: null,
        recipient: 'A court',
        purpose: 'To comply with the law',
        fields: '["email"]',
        disclosed_at: now,
        policy_version: null,
        legal_basis: 'Court order',
        reference: 'CO-1',
        reason: 'Order of the court',
        hold_until: null,
        notified_at: null,
      })
      .execute();
    await db
      .insertInto('staff_acknowledgement')
      .values({ user_id: id, document: 'handbook', version: '1', acknowledged_at: now })
      .execute();
    // Staff looked at the account; the owner asked support to delete it by email.
    await db
      .insertInto('audit_log')
      .values({
        at,
        actor_user_id: id,
        actor_ip: '192.0.2.7',
        action: 'account.view',
        subject_user_id: id,
        fields: '["email"]',
        reason: 'Ticket ZD-1',
      })
      .execute();
    await db
      .insertInto('deletion_request')
      .values({
        ticket: 'ZD-2',
        requester_email: email,
        user_id: id,
        status: 'pending',
        received_at: at,
        recorded_at: at,
        token_id: null,
        token_hash: null,
        token_expires_at: Date.now() + 3_600_000,
        confirmed_at: null,
        confirmed_via: null,
        closed_at: null,
      })
      .execute();
    // One row per policy version: the latest editor is the one it names.
    await db
      .insertInto('policy_announcement')
      .values({ policy_effective_date: '2027-01-01', text: 'New policy', ended_at: null, revision: 1, updated_at: at, updated_by: id })
      .onConflict((oc) => oc.column('policy_effective_date').doUpdateSet({ updated_by: id, updated_at: at }))
      .execute();
  });
  return { id, email, client };
}

describe('the personal-data registry', () => {
  it('classifies every table of the live schema, and every column of each personal table', async () => {
    const problems: string[] = [];
    for (const table of await liveSchema()) {
      const entry = registryEntry(table.name);
      if (!entry) {
        if (!(table.name in NOT_PERSONAL))
          problems.push(`table ${table.name} is neither in PERSONAL_DATA nor in NOT_PERSONAL (src/lib/accounts/registry.ts)`);
        if (table.userKeys.length > 0)
          problems.push(`table ${table.name} references user (${table.userKeys.join(', ')}) but is not in PERSONAL_DATA`);
        continue;
      }
      for (const column of table.columns)
        if (!(column in entry.columns)) problems.push(`${table.name}.${column} is neither exported nor excluded with a reason`);
      for (const column of Object.keys(entry.columns))
        if (!table.columns.includes(column)) problems.push(`${table.name}.${column} is in the registry but not in the database`);
      for (const column of table.userKeys)
        if (!entry.userColumns.includes(column)) problems.push(`${table.name}.${column} references user but is not one of its userColumns`);
    }
    const live = new Set((await liveSchema()).map((t) => t.name));
    for (const e of PERSONAL_DATA) if (!live.has(e.table)) problems.push(`registry table ${e.table} does not exist`);
    expect(problems).toEqual([]);
  });
});

describe('POST /account/export.json', () => {
  it('downloads a JSON file, privately', async () => {
    const { client } = await fullyPopulatedUser();
    const res = await client.post('/account/export.json', {});
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="customertrackr-data-\d{4}-\d\d-\d\d\.json"$/);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const data = (await res.json()) as Export;
    expect(data.format).toBe('customertrackr-account-export');
    expect(data.formatVersion).toBe(1);
    expect(data.documentation).toMatch(/\/account\/export-format$/);
    // The documentation page exists and describes every table.
    const doc = await (await fetch(`${site.url}/account/export-format`)).text();
    for (const e of PERSONAL_DATA) expect(doc).toMatch(new RegExp(`<h2[^>]*><code[^>]*>${e.table}</code></h2>`));
    // …and how long each kind of row is kept, as the registry states it.
    for (const e of PERSONAL_DATA) expect(doc).toContain(e.retention.rule);
  });

  it('contains every exported column of every personal table, with the stored values, and no excluded one', async () => {
    const { id, client } = await fullyPopulatedUser();
    const data = (await (await client.post('/account/export.json', {})).json()) as Export;
    expect(data.accountId).toBe(id);
    await withDatabase(site, async (db) => {
      for (const table of await liveSchema()) {
        const entry = registryEntry(table.name);
        if (!entry) continue;
        const exported = table.columns.filter((c) => 'export' in entry.columns[c]!);
        const excluded = table.columns.filter((c) => 'exclude' in entry.columns[c]!);
        for (const column of excluded) {
          expect(data.excluded, `${table.name}.${column}`).toContainEqual({
            table: table.name,
            column,
            reason: expect.stringMatching(/.{20}/),
          });
        }
        if (exported.length === 0) {
          expect(data.tables[table.name], table.name).toBeUndefined();
          continue;
        }
        const section = data.tables[table.name]!;
        expect(section, table.name).toBeDefined();
        expect(section.retention, table.name).toBe(entry.retention.rule);
        expect(Object.keys(section.columns).sort(), table.name).toEqual([...exported].sort());
        // The user's rows, straight from the database.
        const where = sql.join(
          entry.userColumns.map((c) => sql`${sql.ref(c)} = ${id}`),
          sql` or `,
        );
        const { rows: stored } = await sql<
          Record<string, unknown>
        >`select * from ${sql.table(table.name)} where ${where} order by ${sql.join(exportOrder(db, entry).map((key) => (typeof key === 'string' ? sql.ref(key) : key)))}`.execute(
          db,
        );
        expect(stored.length, `${table.name} has rows for this user`).toBeGreaterThan(0);
        expect(section.rows, table.name).toHaveLength(stored.length);
        stored.forEach((row, i) => {
          const out = section.rows[i]!;
          expect(Object.keys(out).sort(), table.name).toEqual([...exported].sort());
          for (const column of exported) {
            const rule = entry.columns[column]!;
            const format = 'export' in rule ? rule.format : undefined;
            const value = row[column];
            const expected =
              value === null
                ? null
                : format === 'epoch-ms-as-iso-time'
                  ? new Date(Number(value)).toISOString()
                  : format === 'boolean'
                    ? value === true || value === 1 // read here without the dialect's row mapper
                    : value;
            expect(out[column], `${table.name}.${column}`).toEqual(expected);
          }
          for (const column of excluded) expect(out, `${table.name}.${column}`).not.toHaveProperty(column);
        });
      }
    });
  });

  it('never contains a secret: no session or token id, no secret hash, no password hash', async () => {
    const { id, client } = await fullyPopulatedUser();
    const body = await (await client.post('/account/export.json', {})).text();
    await withDatabase(site, async (db) => {
      const user = await db.selectFrom('user').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow();
      expect(body).not.toContain(user.password_hash!);
      expect(body).not.toContain('$argon2');
      const secrets = [
        ...(await db.selectFrom('session').select(['id', 'secret_hash']).where('user_id', '=', id).execute()),
        ...(await db.selectFrom('email_token').select(['id', 'secret_hash']).where('user_id', '=', id).execute()),
      ];
      expect(secrets.length).toBeGreaterThan(1);
      for (const s of secrets) {
        expect(body).not.toContain(s.id);
        expect(body).not.toContain(Buffer.from(s.secret_hash).toString('hex'));
        expect(body).not.toContain(Buffer.from(s.secret_hash).toString('base64'));
      }
    });
    expect(body).not.toContain(client.cookies.get('session')!);
  });

  it('is a POST: a GET answers 405 and reveals nothing', async () => {
    const { email, client } = await fullyPopulatedUser();
    const res = await client.get('/account/export.json');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.text()).not.toContain(email);
  });

  it('is rate-limited per account', async () => {
    const email = uniqueEmail('export-limit');
    await createUser(site, { email });
    const client = new Client(site);
    await client.signIn(email);
    for (let i = 0; i < 5; i++) expect((await client.post('/account/export.json', {})).status).toBe(200);
    // A browser is sent back to the page, which says why; a script gets 429 and Retry-After.
    const page = await client.post('/account/export.json', {});
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/account/data?done=export-limited');
    const html = await (await client.get('/account/data?done=export-limited')).text();
    expect(html).toMatch(/downloads are paused for a while/);
    const script = await client.post('/account/export.json', {}, { accept: 'application/json' });
    expect(script.status).toBe(429);
    expect(Number(script.headers.get('retry-after'))).toBeGreaterThan(0);
    // The form of the old page for browsers without JavaScript sent where it was: the answer is the same.
    const basic = await client.post('/account/export.json', { from: '/account/basic' });
    expect(basic.headers.get('location')).toBe('/account/data?done=export-limited');
  });
});
