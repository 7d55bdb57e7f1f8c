import { sql } from 'kysely';
import { getProfile } from '../accounts/profile.ts';
import { recordAudit } from '../audit/log.ts';
import { queueVerificationEmail } from '../auth/email-verification.ts';
import { invalidateUserSessions } from '../auth/sessions.ts';
import type { Role } from '../auth/tables.ts';
import { writeTransaction, type DB } from '../db/index.ts';
import { maskEmailFoundBy, maskField, STAFF_FIELDS, type StaffField } from './masking.ts';
import type { DeletionStatus } from './tables.ts';

/**
 * Support's tools on one account: find it by address, see its record masked, reveal one field
 * with a reason, end its sessions, resend the address confirmation. Each read or change of
 * personal data writes an audit entry in the same transaction (src/lib/audit).
 */

/** The staff member acting, and the IP address of their request. */
export interface StaffActor {
  userId: number;
  ip: string | null;
}

/**
 * The staff member `userId` acting through a request: `request` is Astro's context (a page's
 * `Astro` or an action's context), whose `clientAddress` throws when the adapter cannot tell
 * (it always can behind our server); the audit entry then records null.
 */
export function staffActor(userId: number, request: { readonly clientAddress: string }): StaffActor {
  try {
    return { userId, ip: request.clientAddress };
  } catch {
    return { userId, ip: null };
  }
}

/**
 * Only admins act on staff accounts: whether `actor` may act on account `subjectUserId` (it
 * holds no role, or the actor is an admin). Otherwise support could end an admin's sessions or,
 * through a deletion request, erase an admin. Every support action on an account asks this in
 * the transaction that acts, so a role granted meanwhile cannot slip between the two.
 */
export async function mayActOn(trx: DB, actor: StaffActor, subjectUserId: number): Promise<boolean> {
  const subjectRole = await trx.selectFrom('user_role').select('role').where('user_id', '=', subjectUserId).limit(1).executeTakeFirst();
  if (!subjectRole) return true;
  const actorAdmin = await trx
    .selectFrom('user_role')
    .select('role')
    .where('user_id', '=', actor.userId)
    .where('role', '=', 'admin')
    .executeTakeFirst();
  return actorAdmin !== undefined;
}

/** What a refused action on a staff account returns (see mayActOn). */
export const STAFF_ACCOUNT = 'staff-account' as const;

export const MIN_PREFIX_LENGTH = 3;
export const MAX_SEARCH_RESULTS = 20;

export interface AccountMatch {
  id: number;
  maskedEmail: string;
  createdAt: string;
  emailVerified: boolean;
}

export type SearchOutcome = { ok: true; accounts: AccountMatch[]; truncated: boolean } | { ok: false; message: string };

/** What was typed in the search box, as addresses are compared (trimmed, NFC, lower case). */
export function searchTerm(input: string): string {
  return input.normalize('NFC').trim().toLowerCase();
}

/**
 * Accounts whose address is `input` or starts with it (at least MIN_PREFIX_LENGTH characters),
 * the exact match first, at most MAX_SEARCH_RESULTS. Addresses are masked except for what
 * support typed. Each account listed is an audited read of its masked address ('account.search').
 */
export async function searchAccounts(db: DB, actor: StaffActor, input: string, now = new Date()): Promise<SearchOutcome> {
  const term = searchTerm(input);
  if ([...term].length < MIN_PREFIX_LENGTH) return { ok: false, message: `Type at least ${MIN_PREFIX_LENGTH} characters of the address.` };
  if (term.length > 254) return { ok: false, message: 'That is longer than any email address.' };
  // LIKE with its wildcards escaped: what support types is matched literally.
  const pattern = `${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('user')
      .select(['id', 'email', 'created_at', 'email_verified_at'])
      .where((eb) => eb.or([eb('email_normalized', '=', term), sql<boolean>`${sql.ref('email_normalized')} like ${pattern} escape '\\'`]))
      .orderBy(sql`${sql.ref('email_normalized')} = ${term}`, 'desc')
      .orderBy('email_normalized')
      .limit(MAX_SEARCH_RESULTS + 1)
      .execute();
    const listed = rows.slice(0, MAX_SEARCH_RESULTS);
    for (const row of listed) {
      await recordAudit(trx, { action: 'account.search', actor, subjectUserId: row.id, fields: ['email'], at: now });
    }
    return {
      ok: true as const,
      truncated: rows.length > MAX_SEARCH_RESULTS,
      accounts: listed.map((r) => ({
        id: r.id,
        maskedEmail: maskEmailFoundBy(r.email, term),
        createdAt: r.created_at,
        emailVerified: r.email_verified_at !== null,
      })),
    };
  });
}

export interface AccountRecord {
  id: number;
  createdAt: string;
  emailVerified: boolean;
  lastSignInAt: string | null;
  roles: Role[];
  activeSessions: number;
  /** Each personal field, masked; null when it is not filled in. */
  masked: Record<StaffField, string | null>;
  /** The open deletion request for this account, if any. */
  deletionRequest: { id: number; status: DeletionStatus } | null;
}

/** The account's record, masked, as an audited read ('account.view'); undefined when there is no such account. */
export async function viewAccount(db: DB, actor: StaffActor, userId: number, now = new Date()): Promise<AccountRecord | undefined> {
  return db.transaction().execute(async (trx) => {
    const profile = await getProfile(trx, userId);
    if (!profile) return undefined;
    const roles = await trx.selectFrom('user_role').select('role').where('user_id', '=', userId).orderBy('role').execute();
    const { n } = await trx
      .selectFrom('session')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    const request = await trx
      .selectFrom('deletion_request')
      .select(['id', 'status'])
      .where('user_id', '=', userId)
      .where('status', 'in', ['pending', 'confirmed'])
      .orderBy('id', 'desc')
      .executeTakeFirst();
    const masked = Object.fromEntries(STAFF_FIELDS.map((f) => [f, maskField(f, profile[f])])) as Record<StaffField, string | null>;
    await recordAudit(trx, {
      action: 'account.view',
      actor,
      subjectUserId: userId,
      fields: STAFF_FIELDS.filter((f) => masked[f] !== null),
      at: now,
    });
    return {
      id: userId,
      createdAt: profile.createdAt,
      emailVerified: profile.emailVerifiedAt !== null,
      lastSignInAt: profile.lastSignInAt,
      roles: roles.map((r) => r.role),
      activeSessions: Number(n),
      masked,
      deletionRequest: request ?? null,
    };
  });
}

/**
 * One field in clear, with the reason (checked by the caller: reasons.ts). The read and its
 * audit entry are one transaction. Undefined when there is no such account.
 */
export async function revealField(
  db: DB,
  actor: StaffActor,
  userId: number,
  field: StaffField,
  reason: string,
  now = new Date(),
): Promise<{ field: StaffField; value: string | null } | undefined | typeof STAFF_ACCOUNT> {
  return db.transaction().execute(async (trx) => {
    const profile = await getProfile(trx, userId);
    if (!profile) return undefined;
    if (!(await mayActOn(trx, actor, userId))) return STAFF_ACCOUNT;
    await recordAudit(trx, { action: 'account.reveal', actor, subjectUserId: userId, fields: [field], reason, at: now });
    return { field, value: profile[field] };
  });
}

/**
 * Signs the account out everywhere, with the reason; the number of sessions ended, undefined
 * when there is no such account, STAFF_ACCOUNT when only an admin may (mayActOn).
 */
export async function endSessions(
  db: DB,
  actor: StaffActor,
  userId: number,
  reason: string,
  now = new Date(),
): Promise<number | undefined | typeof STAFF_ACCOUNT> {
  return db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('user').select('id').where('id', '=', userId).executeTakeFirst();
    if (!user) return undefined;
    if (!(await mayActOn(trx, actor, userId))) return STAFF_ACCOUNT;
    const ended = await invalidateUserSessions(trx, userId);
    await recordAudit(trx, { action: 'account.end-sessions', actor, subjectUserId: userId, reason, at: now });
    return ended;
  });
}

export type ResendOutcome = { ok: true } | { ok: false; problem: 'no-account' | 'already-verified' | typeof STAFF_ACCOUNT };

/** Sends a new address confirmation link: the audit entry, the link and the queued message are one transaction. */
export async function resendVerification(
  db: DB,
  siteUrl: URL,
  actor: StaffActor,
  userId: number,
  now = new Date(),
): Promise<ResendOutcome> {
  const user = await writeTransaction(db, 'user', async (trx) => {
    const row = await trx.selectFrom('user').select(['id', 'email', 'email_verified_at']).where('id', '=', userId).executeTakeFirst();
    if (!row || row.email_verified_at !== null) return row;
    if (!(await mayActOn(trx, actor, userId))) return STAFF_ACCOUNT;
    await recordAudit(trx, { action: 'account.resend-verification', actor, subjectUserId: userId, fields: ['email'], at: now });
    await queueVerificationEmail(trx, siteUrl, row.id, row.email, now);
    return row;
  });
  if (user === STAFF_ACCOUNT) return { ok: false, problem: STAFF_ACCOUNT };
  if (!user) return { ok: false, problem: 'no-account' };
  if (user.email_verified_at !== null) return { ok: false, problem: 'already-verified' };
  return { ok: true };
}
