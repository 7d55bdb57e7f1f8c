// Helpers for the staff HTTP tests (tests/http/staff*.test.ts): signed-in clients for each
// role, made straight in the site's database (no sign-in form, so no sign-in rate limit), and
// accounts and deletion requests to act on.
import type { Role } from '../../src/lib/auth/index.ts';
import { issueToken } from '../../src/lib/auth/tokens.ts';
import type { DB } from '../../src/lib/db/index.ts';
import { DELETION_LINK_TTL_MS } from '../../src/lib/staff/deletion-requests.ts';
import { Client, signedInClient } from './account-profile.ts';
import type { RunningSite } from './site.ts';
import { createUser } from './users.ts';

/** Who asks: a visitor, a signed-in user without a role, or a staff member with one role. */
export type Who = 'visitor' | 'user' | Role;
export const WHO: readonly Who[] = ['visitor', 'user', 'support', 'editor', 'admin'];

export function rolesOf(who: Who): Role[] {
  return who === 'visitor' || who === 'user' ? [] : [who];
}

/** A verified account with `roles` and no password, as the staff tools see most accounts; returns its id and address. */
export function makeAccount(db: DB, label: string, roles: Role[] = [], options: { verified?: boolean } = {}) {
  return createUser(db, { label, roles, verified: options.verified, password: null, agreed: false });
}

/** A client for `who`: a visitor, or signed in as a new account with its role (a session made directly). */
export async function clientFor(site: RunningSite, who: Who): Promise<{ client: Client; id: number | null; email: string | null }> {
  if (who === 'visitor') return { client: new Client(site), id: null, email: null };
  return signedInClient(site, { label: who, roles: rolesOf(who), password: null, agreed: false });
}

/** A pending deletion request for a new account, with the token of its confirmation link. */
export async function pendingRequest(db: DB, label = 'request', roles: Role[] = []) {
  const { id: userId, email } = await makeAccount(db, label, roles);
  return pendingRequestFor(db, userId, email);
}

/** A pending deletion request for the account `userId` (address `email`), with the token of its confirmation link. */
export async function pendingRequestFor(db: DB, userId: number, email: string) {
  const { id: tokenId, token, secretHash } = issueToken();
  const now = new Date();
  const { id } = await db
    .insertInto('deletion_request')
    .values({
      ticket: `T-${userId}`,
      requester_email: email,
      user_id: userId,
      status: 'pending',
      received_at: now.toISOString(),
      recorded_at: now.toISOString(),
      token_id: tokenId,
      token_hash: secretHash,
      token_expires_at: now.getTime() + DELETION_LINK_TTL_MS,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { requestId: id, userId, email, token };
}

/** A confirmed request whose erasure has not run (as after a failure between the two steps). */
export async function confirmedRequest(db: DB, label = 'confirmed', roles: Role[] = []) {
  const request = await pendingRequest(db, label, roles);
  await db
    .updateTable('deletion_request')
    .set({
      status: 'confirmed',
      confirmed_via: 'email-link',
      confirmed_at: new Date().toISOString(),
      token_id: null,
      token_hash: null,
      token_expires_at: null,
    })
    .where('id', '=', request.requestId)
    .execute();
  return request;
}

export async function auditCount(db: DB): Promise<number> {
  const row = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
