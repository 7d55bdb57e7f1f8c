import { describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../src/lib/auth/email-address.ts';
import { createAccount } from '../../src/lib/auth/operator-accounts.ts';
import { grantRole, isLastAdmin, isRole, revokeRole } from '../../src/lib/auth/role-grants.ts';
import { checkRole, hasRole } from '../../src/lib/auth/roles.ts';
import type { SessionUser } from '../../src/lib/auth/sessions.ts';
import { ROLES, type Role } from '../../src/lib/auth/tables.ts';
import { testDatabase } from '../support/db.ts';

function user(roles: Role[]): SessionUser {
  return {
    id: 1,
    email: 'jane@example.com',
    displayName: null,
    emailVerified: true,
    roles,
  };
}

describe('checkRole', () => {
  it('sends visitors to sign in', () => {
    expect(checkRole(null, ['admin'])).toBe('unauthenticated');
    expect(checkRole(undefined, ['support', 'admin'])).toBe('unauthenticated');
  });

  it('forbids signed-in users without an allowed role', () => {
    expect(checkRole(user([]), ['admin'])).toBe('forbidden');
    expect(checkRole(user(['editor']), ['admin'])).toBe('forbidden');
    expect(checkRole(user(['support', 'editor']), ['admin'])).toBe('forbidden');
    // An empty list allows nobody (a route that forgot its roles fails closed).
    expect(checkRole(user([...ROLES]), [])).toBe('forbidden');
  });

  it('allows any one of the allowed roles', () => {
    expect(checkRole(user(['admin']), ['admin'])).toBe('allowed');
    expect(checkRole(user(['support']), ['support', 'admin'])).toBe('allowed');
    expect(checkRole(user(['editor', 'support']), ['support'])).toBe('allowed');
  });

  it('gives admin no implicit other roles', () => {
    expect(hasRole(user(['admin']), 'admin')).toBe(true);
    expect(hasRole(user(['admin']), 'editor')).toBe(false);
    expect(hasRole(null, 'support')).toBe(false);
  });
});

describe('isRole', () => {
  it.each(ROLES)('knows %s', (role) => expect(isRole(role)).toBe(true));
  it.each(['Admin', 'root', '', ' admin', 'toString', '__proto__'])('refuses %j', (role) => expect(isRole(role)).toBe(false));
});

describe('granting and revoking', () => {
  const database = testDatabase();

  const revoke = (id: number, role: Role) => database.db.transaction().execute((trx) => revokeRole(trx, id, role));
  const rolesOf = async (id: number) =>
    (await database.db.selectFrom('user_role').select('role').where('user_id', '=', id).orderBy('role').execute()).map((r) => r.role);

  it('creates a verified account with its roles and no password until one is set', async () => {
    const id = await createAccount(
      database.db,
      normalizeEmail(' Ops@Example.COM ')!,
      ['support', 'admin'],
      null,
      new Date('2026-03-01T00:00:00Z'),
    );
    const row = await database.db.selectFrom('user').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      email: 'Ops@Example.COM',
      email_normalized: 'ops@example.com',
      password_hash: null,
      email_verified_at: '2026-03-01T00:00:00.000Z',
    });
    expect(await rolesOf(id)).toEqual(['admin', 'support']);
  });

  it('refuses a second account for the same address, whatever its case', async () => {
    await createAccount(database.db, normalizeEmail('ops@example.com')!, [], null);
    await expect(createAccount(database.db, normalizeEmail('OPS@example.com')!, ['admin'], null)).rejects.toThrow(
      /UNIQUE|unique constraint/,
    );
    expect(await database.db.selectFrom('user_role').selectAll().execute()).toEqual([]);
  });

  it('grants and revokes idempotently, saying whether anything changed', async () => {
    const id = await createAccount(database.db, normalizeEmail('ops@example.com')!, [], null);
    expect(await grantRole(database.db, id, 'editor')).toBe('granted');
    expect(await grantRole(database.db, id, 'editor')).toBe('already-held');
    expect(await rolesOf(id)).toEqual(['editor']);
    expect(await revoke(id, 'editor')).toBe('revoked');
    expect(await revoke(id, 'editor')).toBe('not-held');
    expect(await rolesOf(id)).toEqual([]);
  });

  it('grants no role to an account whose address is not verified', async () => {
    const id = await createAccount(database.db, normalizeEmail('stranger@example.com')!, [], null);
    await database.db.updateTable('user').set({ email_verified_at: null }).where('id', '=', id).execute();
    expect(await grantRole(database.db, id, 'admin')).toBe('unverified');
    expect(await grantRole(database.db, id + 1000, 'admin')).toBe('no-account');
    expect(await rolesOf(id)).toEqual([]);
    await database.db.updateTable('user').set({ email_verified_at: new Date().toISOString() }).where('id', '=', id).execute();
    expect(await grantRole(database.db, id, 'admin')).toBe('granted');
  });

  it('never revokes the last admin role', async () => {
    const first = await createAccount(database.db, normalizeEmail('first@example.com')!, ['admin', 'editor'], null);
    const lastAdmin = (id: number) => database.db.transaction().execute((trx) => isLastAdmin(trx, id));
    expect(await lastAdmin(first)).toBe(true);
    expect(await revoke(first, 'admin')).toBe('last-admin');
    // Other roles of the last admin go as usual.
    expect(await revoke(first, 'editor')).toBe('revoked');
    expect(await rolesOf(first)).toEqual(['admin']);

    const second = await createAccount(database.db, normalizeEmail('second@example.com')!, ['admin'], null);
    const plain = await createAccount(database.db, normalizeEmail('plain@example.com')!, [], null);
    expect(await lastAdmin(first)).toBe(false);
    expect(await lastAdmin(plain)).toBe(false);
    expect(await revoke(first, 'admin')).toBe('revoked');
    expect(await lastAdmin(second)).toBe(true);
    expect(await revoke(second, 'admin')).toBe('last-admin');
    expect(await rolesOf(second)).toEqual(['admin']);
  });

  it('stores only known roles', async () => {
    const id = await createAccount(database.db, normalizeEmail('ops@example.com')!, [], null);
    await expect(grantRole(database.db, id, 'root' as Role)).rejects.toThrow(/CHECK|check constraint/);
  });
});
