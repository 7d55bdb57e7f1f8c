import type { SessionUser } from './sessions.ts';
import type { Role } from './tables.ts';

/**
 * The one role check every protected route and action uses. Server-side only: what the
 * page shows is a convenience, this is the rule.
 *
 * - `unauthenticated`: nobody is signed in (send them to sign in);
 * - `forbidden`: signed in, but none of the roles allowed (403);
 * - `allowed`.
 */
export type Access = 'allowed' | 'unauthenticated' | 'forbidden';

export function checkRole(user: SessionUser | null | undefined, allowed: readonly Role[]): Access {
  if (!user) return 'unauthenticated';
  return user.roles.some((role) => allowed.includes(role)) ? 'allowed' : 'forbidden';
}

export function hasRole(user: SessionUser | null | undefined, role: Role): boolean {
  return checkRole(user, [role]) === 'allowed';
}
