import { checkRole, type Access } from '../auth/roles.ts';
import type { SessionUser } from '../auth/sessions.ts';
import type { Role } from '../auth/tables.ts';
import { ADMIN_HOME_ROLES, adminSection } from '../staff/sections.ts';

/**
 * Who may call each sharing action (src/actions/sharing.ts): admins (the `sharing` section of
 * the admin area), the holder of an emailed opt-out link (no sign-in: the link is the
 * authority), any signed-in account acting on its own notices, or any staff member
 * acknowledging the handbook. The actions check this
 * table first, and the role-matrix test (tests/http/staff-roles.test.ts) is generated from it.
 */
export const SHARING_ACTIONS = {
  addRecipient: 'sharing',
  editRecipient: 'sharing',
  removeRecipient: 'sharing',
  proposePurpose: 'sharing',
  recordDisclosure: 'sharing',
  optOutByLink: 'link-holder',
  optOutOfPurpose: 'account-holder',
  acknowledgeHandbook: 'staff',
} as const satisfies Record<string, 'sharing' | 'link-holder' | 'account-holder' | 'staff'>;

export type SharingActionName = keyof typeof SHARING_ACTIONS;

/** The roles that may call `action`; 'anyone' (the link is the authority) or 'signed-in'. */
export function sharingActionRoles(action: SharingActionName): readonly Role[] | 'anyone' | 'signed-in' {
  const who = SHARING_ACTIONS[action];
  if (who === 'link-holder') return 'anyone';
  if (who === 'account-holder') return 'signed-in';
  if (who === 'staff') return ADMIN_HOME_ROLES;
  return adminSection(who).roles;
}

export function sharingActionAccess(user: SessionUser | null | undefined, action: SharingActionName): Access {
  const roles = sharingActionRoles(action);
  if (roles === 'anyone') return 'allowed';
  if (roles === 'signed-in') return user ? 'allowed' : 'unauthenticated';
  return checkRole(user, roles);
}
