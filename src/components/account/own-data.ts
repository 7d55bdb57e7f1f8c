import type { AstroGlobal } from 'astro';
import { getProfile } from '../../lib/accounts/index.ts';
import { database } from '../../lib/db/index.ts';

/**
 * What every part of the account area starts with: the signed-in user (from the request, never
 * from a prop, so a part shows its reader's own data whether it is rendered in the page or as
 * a server island), the database, and a response no cache may keep.
 */
export async function ownData(Astro: AstroGlobal) {
  Astro.response.headers.set('Cache-Control', 'private, no-store');
  const { user, session } = Astro.locals;
  const { db } = await database();
  return { user, session, db };
}

/** ownData, with the user's profile (undefined when nobody is signed in). */
export async function ownProfile(Astro: AstroGlobal) {
  const own = await ownData(Astro);
  return { ...own, profile: own.user ? await getProfile(own.db, own.user.id) : undefined };
}
