import { describe, expect, it } from 'vitest';
import type { Role, SessionUser } from '../../src/lib/auth/index.ts';
import { ADMIN_SECTIONS, adminAccess, sectionsFor, signInPath } from '../../src/lib/staff/sections.ts';

function user(...roles: Role[]): SessionUser {
  return { id: 1, email: 'staff@example.com', displayName: null, emailVerified: true, roles };
}

describe('admin sections', () => {
  it('each role sees the sections its job needs', () => {
    const ids = (u: SessionUser | null) => sectionsFor(u).map((s) => s.id);
    expect(ids(null)).toEqual([]);
    expect(ids(user())).toEqual([]);
    expect(ids(user('support'))).toEqual(['users', 'deletion-requests']);
    expect(ids(user('editor'))).toEqual(['announcements', 'stats']);
    expect(ids(user('admin'))).toEqual(['announcements', 'stats', 'users', 'deletion-requests', 'roles', 'audit', 'mail', 'sharing']);
    expect(ids(user('support', 'editor'))).toEqual(['announcements', 'stats', 'users', 'deletion-requests']);
  });

  it('guards each route with the same table', () => {
    for (const section of ADMIN_SECTIONS) {
      expect(adminAccess(null, section.id)).toBe('unauthenticated');
      expect(adminAccess(user(), section.id)).toBe('forbidden');
      for (const role of ['support', 'editor', 'admin'] as const) {
        expect(adminAccess(user(role), section.id)).toBe(section.roles.includes(role as never) ? 'allowed' : 'forbidden');
      }
    }
    expect(adminAccess(user(), 'home')).toBe('forbidden');
    expect(adminAccess(user('support'), 'home')).toBe('allowed');
  });

  it('sends visitors to sign in and back', () => {
    expect(signInPath(new URL('http://x/admin/announcements/preview?at=2027-01-01T00:00'))).toBe(
      '/login?next=%2Fadmin%2Fannouncements%2Fpreview%3Fat%3D2027-01-01T00%3A00',
    );
  });
});
