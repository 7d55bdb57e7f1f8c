// Staff kept up to date, against the real built server: a staff member without a current
// acknowledgement of the handbook and the policy cannot open the support tools (pages answer
// with the acknowledgement step, actions with 403) until they acknowledge; acknowledgements
// older than 12 months, or of an older handbook, do not count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../src/lib/db/index.ts';
import { CURRENCY_MS, staffCurrency } from '../../src/lib/sharing/staff-currency.ts';
import { signedInClient } from '../support/account-profile.ts';
import { startSite, type RunningSite } from '../support/site.ts';

let site: RunningSite;
let database: OpenDatabase;
beforeAll(async () => {
  site = await startSite();
  database = openDatabase(site.databasePath);
});
afterAll(async () => {
  await database?.close();
  await site?.stop();
});

describe('staff currency', () => {
  it('sends a support member without an acknowledgement to the handbook, refuses the actions, and lets them in once acknowledged', async () => {
    const { client, id } = await signedInClient(site, { label: 'stale-support', roles: ['support'], acknowledged: false, password: null });
    for (const path of ['/admin/users', '/admin/deletion-requests']) {
      const res = await client.get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location')).toBe(`/admin/handbook?next=${encodeURIComponent(path)}`);
    }
    const search = await client.post('/_actions/staff.searchAccounts', { q: 'someone' }, { accept: 'application/json' });
    expect(search.status).toBe(403);
    expect(await search.text()).toMatch(/acknowledge the current staff handbook/);
    // The admin home and the handbook itself stay open.
    expect((await client.get('/admin')).status).toBe(200);
    const handbook = await client.get('/admin/handbook?next=%2Fadmin%2Fusers');
    expect(handbook.status).toBe(200);
    expect(await handbook.text()).toContain('Please read and acknowledge first');

    const ack = await client.post('/_actions/sharing.acknowledgeHandbook', { next: '/admin/users' }, { accept: 'application/json' });
    expect(ack.status).toBe(200);
    expect((await staffCurrency(database.db, id)).current).toBe(true);
    expect((await client.get('/admin/users')).status).toBe(200);
    expect((await client.post('/_actions/staff.searchAccounts', { q: 'someone' }, { accept: 'application/json' })).status).toBe(200);
  });

  it('does not count an acknowledgement older than 12 months', async () => {
    const { client, id } = await signedInClient(site, { label: 'old-support', roles: ['support'], password: null });
    expect((await client.get('/admin/users')).status).toBe(200);
    await database.db
      .updateTable('staff_acknowledgement')
      .set({ acknowledged_at: Date.now() - CURRENCY_MS - 60_000 })
      .where('user_id', '=', id)
      .execute();
    expect((await staffCurrency(database.db, id)).current).toBe(false);
    expect((await client.get('/admin/users')).status).toBe(303);
  });

  it('shows admins every acknowledgement', async () => {
    const { email } = await signedInClient(site, { label: 'acked-editor', roles: ['editor'], password: null });
    const { client } = await signedInClient(site, { label: 'acks-admin', roles: ['admin'], password: null });
    const page = await (await client.get('/admin/handbook')).text();
    expect(page).toContain('Acknowledgements by staff');
    expect(page).toContain(email);
  });
});
