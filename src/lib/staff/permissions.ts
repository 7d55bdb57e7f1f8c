import { checkRole, type Access } from '../auth/roles.ts';
import type { SessionUser } from '../auth/sessions.ts';
import type { Role } from '../auth/tables.ts';
import { adminSection, type AdminSectionId } from './sections.ts';

/**
 * Who may call each staff action (src/actions/staff.ts): the admin section it belongs to, whose
 * roles in ADMIN_SECTIONS (sections.ts) are the rule, or `link-holder` for the one action the
 * account holder calls with the single-use link we emailed them (no sign-in needed).
 *
 * The actions check this table before they read or write anything, and the role-matrix test
 * (tests/http/staff-roles.test.ts) is generated from it: an action in src/actions/staff.ts
 * without an entry here fails the test.
 */
export const STAFF_ACTIONS = {
  searchAccounts: 'users',
  revealField: 'users',
  endSessions: 'users',
  resendVerification: 'users',
  recordDeletionRequest: 'deletion-requests',
  resendDeletionLink: 'deletion-requests',
  deleteVerified: 'deletion-requests',
  completeDeletion: 'deletion-requests',
  cancelDeletionRequest: 'deletion-requests',
  grantRole: 'roles',
  revokeRole: 'roles',
  confirmDeletion: 'link-holder',
} as const satisfies Record<string, AdminSectionId | 'link-holder'>;

export type StaffActionName = keyof typeof STAFF_ACTIONS;

/** The roles that may call `action`, or 'anyone' (the link is the authority). */
export function staffActionRoles(action: StaffActionName): readonly Role[] | 'anyone' {
  const area = STAFF_ACTIONS[action];
  return area === 'link-holder' ? 'anyone' : adminSection(area).roles;
}

/** The one check of a staff action, with the same rule as the pages (checkRole). */
export function staffActionAccess(user: SessionUser | null | undefined, action: StaffActionName): Access {
  const roles = staffActionRoles(action);
  return roles === 'anyone' ? 'allowed' : checkRole(user, roles);
}
