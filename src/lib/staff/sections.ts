import { checkRole, type Access } from '../auth/roles.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { ROLES, type Role } from '../auth/tables.ts';

/**
 * The staff area (/admin): its sections and the roles that may use each. The admin
 * navigation, the admin home and every admin route's guard read this one table, and the
 * role-matrix tests are generated from it.
 */
export interface AdminSection {
  id: 'announcements' | 'stats' | 'users' | 'deletion-requests' | 'roles' | 'audit' | 'mail' | 'sharing';
  path: string;
  label: string;
  description: string;
  roles: readonly Role[];
}

export const ADMIN_HOME = '/admin';

/** Any staff role may open the admin home (it lists what their roles allow). */
export const ADMIN_HOME_ROLES: readonly Role[] = ROLES;

export const ADMIN_SECTIONS = [
  {
    id: 'announcements',
    path: '/admin/announcements',
    label: 'Announcements',
    description: 'Post, schedule and end the banners shown on every page, including the notices of policy changes.',
    roles: ['editor', 'admin'],
  },
  {
    id: 'stats',
    path: '/admin/stats',
    label: 'Statistics',
    description: 'Page views and visitor counts, which are never linked to accounts.',
    roles: ['editor', 'admin'],
  },
  {
    id: 'users',
    path: '/admin/users',
    label: 'Users',
    description: 'Look up an account, with its personal details masked; end its sessions or resend its confirmation email.',
    roles: ['support', 'admin'],
  },
  {
    id: 'deletion-requests',
    path: '/admin/deletion-requests',
    label: 'Deletion requests',
    description: 'Record the deletion requests that arrive by email, and follow them until the account is deleted.',
    roles: ['support', 'admin'],
  },
  {
    id: 'roles',
    path: '/admin/roles',
    label: 'Roles',
    description: 'Who holds which staff role; grant and revoke roles.',
    roles: ['admin'],
  },
  {
    id: 'audit',
    path: '/admin/audit',
    label: 'Audit log',
    description: 'Who on the staff looked at or changed personal data, and when.',
    roles: ['admin'],
  },
  {
    id: 'mail',
    path: '/admin/mail',
    label: 'Failed mail',
    description: 'Messages the site gave up sending after its retries, with the mail server’s last answer.',
    roles: ['admin'],
  },
  {
    id: 'sharing',
    path: '/admin/sharing',
    label: 'Sharing',
    description:
      'The public register of recipients, purposes proposed to third parties with their notices, and shares that leave out everyone who opted out.',
    roles: ['admin'],
  },
] as const satisfies readonly AdminSection[];

export type AdminSectionId = (typeof ADMIN_SECTIONS)[number]['id'];

export function adminSection(id: AdminSectionId): AdminSection {
  return ADMIN_SECTIONS.find((s) => s.id === id)!;
}

/** The sections `user` may use, in navigation order. */
export function sectionsFor(user: SessionUser | null | undefined): AdminSection[] {
  return ADMIN_SECTIONS.filter((s) => checkRole(user, s.roles) === 'allowed');
}

/** The one check for an admin route: the home (`'home'`) or a section. */
export function adminAccess(user: SessionUser | null | undefined, area: AdminSectionId | 'home'): Access {
  return checkRole(user, area === 'home' ? ADMIN_HOME_ROLES : adminSection(area).roles);
}

/** Where to send someone who must sign in first, coming back to `url` afterwards. */
export function signInPath(url: URL): string {
  return `/login?next=${encodeURIComponent(url.pathname + url.search)}`;
}
