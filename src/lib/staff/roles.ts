import { recordAudit } from '../audit/log.ts';
import { normalizeEmail } from '../auth/email-address.ts';
import { grantRole, revokeRole } from '../auth/role-grants.ts';
import { ROLES, type Role } from '../auth/tables.ts';
import { writeTransaction, type DB } from '../db/index.ts';
import type { StaffActor } from './lookup.ts';

/**
 * Admins' role administration (/admin/roles): who holds which role, granting and revoking.
 * Each change is audited in its transaction. There is always at least one admin: revokeRole
 * refuses the last admin role (isLastAdmin, src/lib/auth/role-grants.ts).
 */

export interface RoleHolder {
  id: number;
  email: string;
  displayName: string | null;
  /** Whether the address is verified (roles are only granted to such accounts). */
  emailVerified: boolean;
  roles: { role: Role; grantedAt: string }[];
}

/** Every account that holds a role, by address, with its roles in the order of ROLES. */
export async function listRoleHolders(db: DB): Promise<RoleHolder[]> {
  const rows = await db
    .selectFrom('user_role')
    .innerJoin('user', 'user.id', 'user_role.user_id')
    .select(['user.id', 'user.email', 'user.display_name', 'user.email_verified_at', 'user_role.role', 'user_role.granted_at'])
    .orderBy('user.email_normalized')
    .execute();
  const holders = new Map<number, RoleHolder>();
  for (const r of rows) {
    let holder = holders.get(r.id);
    if (!holder)
      holders.set(
        r.id,
        (holder = { id: r.id, email: r.email, displayName: r.display_name, emailVerified: r.email_verified_at !== null, roles: [] }),
      );
    holder.roles.push({ role: r.role, grantedAt: r.granted_at });
  }
  for (const holder of holders.values()) holder.roles.sort((a, b) => ROLES.indexOf(a.role) - ROLES.indexOf(b.role));
  return [...holders.values()];
}

export type GrantOutcome = { ok: true; userId: number; changed: boolean } | { ok: false; problem: 'no-account' | 'unverified' };

/**
 * Grants `role` to the account with address `email`, only if the address is verified (see
 * grantRole: the check and the insert are one statement).
 */
export async function grantRoleByEmail(db: DB, actor: StaffActor, email: string, role: Role, now = new Date()): Promise<GrantOutcome> {
  const normalized = normalizeEmail(email)?.normalized;
  return db.transaction().execute(async (trx) => {
    const user = normalized
      ? await trx.selectFrom('user').select('id').where('email_normalized', '=', normalized).executeTakeFirst()
      : undefined;
    if (!user) return { ok: false, problem: 'no-account' };
    const granted = await grantRole(trx, user.id, role, now);
    if (granted === 'no-account' || granted === 'unverified') return { ok: false, problem: granted };
    const changed = granted === 'granted';
    if (changed) await recordAudit(trx, { action: 'role.grant', actor, subjectUserId: user.id, fields: [`role:${role}`], at: now });
    return { ok: true, userId: user.id, changed };
  });
}

export type RevokeOutcome = { ok: true; changed: boolean } | { ok: false; problem: 'last-admin' };

/** Takes `role` away from account `userId`; refused when it is the last admin role. */
export async function revokeRoleFrom(db: DB, actor: StaffActor, userId: number, role: Role, now = new Date()): Promise<RevokeOutcome> {
  return writeTransaction(db, 'admins', async (trx) => {
    const revoked = await revokeRole(trx, userId, role);
    if (revoked === 'last-admin') return { ok: false, problem: 'last-admin' };
    if (revoked === 'revoked')
      await recordAudit(trx, { action: 'role.revoke', actor, subjectUserId: userId, fields: [`role:${role}`], at: now });
    return { ok: true, changed: revoked === 'revoked' };
  });
}
