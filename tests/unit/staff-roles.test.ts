// Role administration (src/lib/staff/roles.ts): audited grants and revocations, and the rule
// that the last admin cannot be removed — enforced inside the transaction.
import { describe, expect, it } from 'vitest';
import { grantRoleByEmail, listRoleHolders, revokeRoleFrom } from '../../src/lib/staff/index.ts';
import { account, staffDatabase } from '../support/staff.ts';

const database = staffDatabase();

const actor = (userId: number) => ({ userId, ip: '198.51.100.1' });
const admins = async () =>
  (await database.db.selectFrom('user_role').select('user_id').where('role', '=', 'admin').execute()).map((r) => r.user_id);
const log = async () =>
  database.db.selectFrom('audit_log').select(['action', 'actor_user_id', 'subject_user_id', 'fields']).orderBy('id').execute();

describe('granting and revoking', () => {
  it('grants by address, audited; granting again changes nothing and writes nothing', async () => {
    const admin = await account(database, 'admin@customertrackr.com', ['admin']);
    const sam = await account(database, 'sam@customertrackr.com');
    expect(await grantRoleByEmail(database.db, actor(admin), 'SAM@customertrackr.com', 'support')).toEqual({
      ok: true,
      userId: sam,
      changed: true,
    });
    expect(await grantRoleByEmail(database.db, actor(admin), 'sam@customertrackr.com', 'support')).toEqual({
      ok: true,
      userId: sam,
      changed: false,
    });
    expect(await grantRoleByEmail(database.db, actor(admin), 'nobody@customertrackr.com', 'support')).toEqual({
      ok: false,
      problem: 'no-account',
    });
    expect(await log()).toEqual([{ action: 'role.grant', actor_user_id: admin, subject_user_id: sam, fields: '["role:support"]' }]);

    expect(await revokeRoleFrom(database.db, actor(admin), sam, 'support')).toEqual({ ok: true, changed: true });
    expect(await revokeRoleFrom(database.db, actor(admin), sam, 'support')).toEqual({ ok: true, changed: false });
    expect((await log()).map((e) => e.action)).toEqual(['role.grant', 'role.revoke']);
  });

  it('lists every account with a role, with its roles', async () => {
    const admin = await account(database, 'b-admin@customertrackr.com', ['admin', 'support']);
    const editor = await account(database, 'a-editor@customertrackr.com', ['editor']);
    await account(database, 'customer@example.com');
    expect((await listRoleHolders(database.db)).map((h) => [h.id, h.email, h.roles.map((r) => r.role)])).toEqual([
      [editor, 'a-editor@customertrackr.com', ['editor']],
      [admin, 'b-admin@customertrackr.com', ['support', 'admin']],
    ]);
  });
});

describe('the last admin', () => {
  it('cannot be removed, not even by themselves; with a second admin, either can go', async () => {
    const first = await account(database, 'first@customertrackr.com', ['admin']);
    expect(await revokeRoleFrom(database.db, actor(first), first, 'admin')).toEqual({ ok: false, problem: 'last-admin' });
    expect(await admins()).toEqual([first]);
    expect(await log()).toEqual([]);

    const second = await account(database, 'second@customertrackr.com');
    await grantRoleByEmail(database.db, actor(first), 'second@customertrackr.com', 'admin');
    expect(await revokeRoleFrom(database.db, actor(second), first, 'admin')).toEqual({ ok: true, changed: true });
    expect(await revokeRoleFrom(database.db, actor(second), second, 'admin')).toEqual({ ok: false, problem: 'last-admin' });
    expect(await admins()).toEqual([second]);
  });

  it('holds when two admins revoke each other at the same moment: one succeeds, one is refused', async () => {
    const a = await account(database, 'a@customertrackr.com', ['admin']);
    const b = await account(database, 'b@customertrackr.com', ['admin']);
    const outcomes = await Promise.all([
      revokeRoleFrom(database.db, actor(a), b, 'admin'),
      revokeRoleFrom(database.db, actor(b), a, 'admin'),
    ]);
    expect(outcomes).toContainEqual({ ok: true, changed: true });
    expect(outcomes).toContainEqual({ ok: false, problem: 'last-admin' });
    expect(await admins()).toHaveLength(1);
  });
});
