import type { DB } from '../db/index.ts';
import { ROLES, type Role } from './tables.ts';

/**
 * Giving and taking roles: a role only on a verified address, and never the last admin role
 * (isLastAdmin, the rule that there is always an admin).
 */

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export type RoleGrant = 'granted' | 'already-held' | 'unverified' | 'no-account';

/**
 * Gives account `userId` the role `role`, only if its address is verified: anyone can register
 * someone else's address with a password of their own, so a role on an address nobody has
 * proven would let a stranger sign in as staff. The check and the insert are one statement.
 */
export async function grantRole(db: DB, userId: number, role: Role, now = new Date()): Promise<RoleGrant> {
  const result = await db
    .insertInto('user_role')
    .columns(['user_id', 'role', 'granted_at'])
    .expression((eb) =>
      eb
        .selectFrom('user')
        .select((s) => ['user.id', s.val(role).as('role'), s.val(now.toISOString()).as('granted_at')])
        .where('user.id', '=', userId)
        .where('user.email_verified_at', 'is not', null),
    )
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0n) > 0) return 'granted';
  const user = await db.selectFrom('user').select('email_verified_at').where('id', '=', userId).executeTakeFirst();
  if (!user) return 'no-account';
  return user.email_verified_at === null ? 'unverified' : 'already-held';
}

/**
 * The rule that there is always at least one admin: whether taking the admin role from account
 * `userId`, or deleting the account, would leave none. Every path that removes an admin role or
 * an account asks this before the removal, in the transaction that removes (hence the type):
 * SQLite runs write transactions one at a time and fails one whose earlier reads another has
 * since changed, so two admins removed at the same moment cannot both pass on the same count.
 */
export async function isLastAdmin(trx: DB, userId: number): Promise<boolean> {
  const admins = await trx.selectFrom('user_role').select('user_id').where('role', '=', 'admin').limit(2).execute();
  return admins.length === 1 && admins[0]!.user_id === userId;
}

export type RoleRevocation = 'revoked' | 'not-held' | 'last-admin';

/** Takes `role` away from account `userId`, unless it is the last admin role (see isLastAdmin). */
export async function revokeRole(trx: DB, userId: number, role: Role): Promise<RoleRevocation> {
  if (role === 'admin' && (await isLastAdmin(trx, userId))) return 'last-admin';
  const result = await trx.deleteFrom('user_role').where('user_id', '=', userId).where('role', '=', role).executeTakeFirst();
  return result.numDeletedRows > 0n ? 'revoked' : 'not-held';
}
