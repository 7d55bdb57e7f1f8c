import { eraseAccountIn, scrubErasedBytes } from '../accounts/deletion.ts';
import { accountDeletedMessage } from '../accounts/emails.ts';
import { recordAudit, type AuditActor } from '../audit/log.ts';
import { isLastAdmin } from '../auth/role-grants.ts';
import { siteLink } from '../auth/site-links.ts';
import { issueToken, parseToken, secretMatches } from '../auth/tokens.ts';
import { isUniqueViolation, writeTransaction, type DB } from '../db/index.ts';
import { enqueueMail } from '../mail/index.ts';
import { deletionConfirmationMessage } from './deletion-request-emails.ts';
import type { DeletionRequestForm } from './deletion-request-form.ts';
import { mayActOn, STAFF_ACCOUNT, type StaffActor } from './lookup.ts';
import type { ConfirmedVia, DeletionStatus } from './tables.ts';

/**
 * The deletion-request workflow (the steps are described in deletion-requests.ts): recording a
 * request and emailing the confirmation link, resending or cancelling it, the owner's
 * confirmation through the link, and the erasure that completes a request.
 *
 * Each step is one transaction that takes the write lock before it reads the request
 * (writeTransaction), so two steps on one request run one after the other and the second sees
 * what the first did: of a concurrent approval and cancellation, one happens and the other is
 * refused. At most one request per account is open, by a partial unique index (migration
 * 0011), whatever the steps check. Messages are queued in the step's transaction (src/lib/mail).
 */

export const DELETION_LINK_TTL_MS = 7 * 24 * 60 * 60_000;
export const CONFIRM_DELETION_PATH = '/account/confirm-deletion';

// ---------------------------------------------------------------------------------------------
// Recording, resending, cancelling

export type RecordOutcome =
  | { ok: true; id: number }
  | { ok: false; problem: 'no-account' }
  | { ok: false; problem: typeof STAFF_ACCOUNT }
  | { ok: false; problem: 'already-open'; id: number };

function newLink(now: Date) {
  const { id, token, secretHash } = issueToken();
  return { token, values: { token_id: id, token_hash: secretHash, token_expires_at: now.getTime() + DELETION_LINK_TTL_MS } };
}

/** Queues, in `trx`, the message with the link that confirms the request. */
async function queueConfirmationLink(trx: DB, siteUrl: URL, to: string, token: string, ticket: string, now: Date): Promise<void> {
  await enqueueMail(trx, deletionConfirmationMessage(to, siteLink(siteUrl, CONFIRM_DELETION_PATH, { token }), ticket), now);
}

/** The one-open-request index (migration 0011): a second open request for an account. */
class AlreadyOpen extends Error {
  readonly userId: number;
  constructor(userId: number) {
    super('an open deletion request exists for this account');
    this.userId = userId;
  }
}

/**
 * Records a request and emails the account's owner a link to confirm it. An account with an
 * open request gets no second one ('already-open'): usually seen by the check below; when two
 * are recorded at once, the partial unique index refuses the second, with the same answer.
 */
export async function recordDeletionRequest(
  db: DB,
  siteUrl: URL,
  actor: StaffActor,
  form: DeletionRequestForm,
  now = new Date(),
): Promise<RecordOutcome> {
  const { token, values } = newLink(now);
  const recorded = await writeTransaction(db, 'deletion-requests', async (trx) => {
    const user = await trx
      .selectFrom('user')
      .select(['id', 'email'])
      .where('email_normalized', '=', form.email.normalized)
      .executeTakeFirst();
    if (!user) return { ok: false as const, problem: 'no-account' as const };
    if (!(await mayActOn(trx, actor, user.id))) return { ok: false as const, problem: STAFF_ACCOUNT };
    const open = await openRequestOf(trx, user.id);
    if (open) return { ok: false as const, problem: 'already-open' as const, id: open.id };
    const { id } = await trx
      .insertInto('deletion_request')
      .values({
        ticket: form.ticket,
        requester_email: form.email.email,
        user_id: user.id,
        status: 'pending',
        received_at: form.receivedAt.toISOString(),
        recorded_at: now.toISOString(),
        ...values,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
      .catch((error: unknown) => {
        if (isUniqueViolation(error, 'deletion_request.user_id')) throw new AlreadyOpen(user.id);
        throw error;
      });
    await recordAudit(trx, {
      action: 'deletion-request.record',
      actor,
      subjectUserId: user.id,
      fields: ['email'],
      reason: `Deletion request ${form.ticket} received by email`,
      at: now,
    });
    await queueConfirmationLink(trx, siteUrl, user.email, token, form.ticket, now);
    return { ok: true as const, id };
  }).catch(async (error: unknown): Promise<RecordOutcome> => {
    if (!(error instanceof AlreadyOpen)) throw error;
    const open = await openRequestOf(db, error.userId);
    // Closed again between the refusal and this look: the caller may simply try again.
    if (!open) throw new Error('deletion request: the open request of this account was closed meanwhile', { cause: error });
    return { ok: false, problem: 'already-open', id: open.id };
  });
  return recorded;
}

async function openRequestOf(db: DB, userId: number) {
  return db
    .selectFrom('deletion_request')
    .select('id')
    .where('user_id', '=', userId)
    .where('status', 'in', ['pending', 'confirmed'])
    .executeTakeFirst();
}

export type RequestProblem = 'not-found' | 'not-pending' | 'not-confirmed' | 'closed' | 'last-admin' | typeof STAFF_ACCOUNT;

/** A new link for a pending request (the old one stops working). */
export async function resendDeletionLink(
  db: DB,
  siteUrl: URL,
  actor: StaffActor,
  requestId: number,
  now = new Date(),
): Promise<{ ok: true } | { ok: false; problem: RequestProblem }> {
  const { token, values } = newLink(now);
  return writeTransaction(db, 'deletion-requests', async (trx) => {
    const request = await trx
      .selectFrom('deletion_request')
      .select(['id', 'status', 'user_id', 'ticket'])
      .where('id', '=', requestId)
      .executeTakeFirst();
    if (!request) return { ok: false as const, problem: 'not-found' as const };
    if (request.status !== 'pending' || request.user_id === null) return { ok: false as const, problem: 'not-pending' as const };
    if (!(await mayActOn(trx, actor, request.user_id))) return { ok: false as const, problem: STAFF_ACCOUNT };
    const user = await trx.selectFrom('user').select('email').where('id', '=', request.user_id).executeTakeFirstOrThrow();
    await trx.updateTable('deletion_request').set(values).where('id', '=', requestId).execute();
    await recordAudit(trx, {
      action: 'deletion-request.resend',
      actor,
      subjectUserId: request.user_id,
      fields: ['email'],
      reason: `Deletion request ${request.ticket}: new confirmation link`,
      at: now,
    });
    await queueConfirmationLink(trx, siteUrl, user.email, token, request.ticket, now);
    return { ok: true as const };
  });
}

/** Cancels an open request, with the reason (the requester changed their mind, say); it forgets the address. */
export async function cancelDeletionRequest(
  db: DB,
  actor: StaffActor,
  requestId: number,
  reason: string,
  now = new Date(),
): Promise<{ ok: true } | { ok: false; problem: RequestProblem }> {
  return writeTransaction(db, 'deletion-requests', async (trx) => {
    const request = await trx.selectFrom('deletion_request').select(['status', 'user_id']).where('id', '=', requestId).executeTakeFirst();
    if (!request) return { ok: false, problem: 'not-found' };
    if (request.status !== 'pending' && request.status !== 'confirmed') return { ok: false, problem: 'closed' };
    if (request.user_id !== null && !(await mayActOn(trx, actor, request.user_id))) return { ok: false, problem: STAFF_ACCOUNT };
    await trx.updateTable('deletion_request').set(closedValues('cancelled', now)).where('id', '=', requestId).execute();
    await recordAudit(trx, { action: 'deletion-request.cancel', actor, subjectUserId: request.user_id, reason, at: now });
    return { ok: true };
  });
}

/** A confirmed request: how and when, and its link used up. */
function confirmedValues(via: ConfirmedVia, now: Date) {
  return {
    status: 'confirmed' as const,
    confirmed_via: via,
    confirmed_at: now.toISOString(),
    token_id: null,
    token_hash: null,
    token_expires_at: null,
  };
}

function closedValues(status: Extract<DeletionStatus, 'completed' | 'cancelled'>, now: Date) {
  return { status, closed_at: now.toISOString(), requester_email: null, token_id: null, token_hash: null, token_expires_at: null };
}

// ---------------------------------------------------------------------------------------------
// Confirming and completing

export type LinkProblem = 'invalid' | 'expired';

async function requestOfToken(db: DB, token: string | null | undefined, now: Date): Promise<{ id: number } | { problem: LinkProblem }> {
  const parsed = parseToken(token);
  if (!parsed) return { problem: 'invalid' };
  const row = await db
    .selectFrom('deletion_request')
    .select(['id', 'token_hash', 'token_expires_at', 'status'])
    .where('token_id', '=', parsed.id)
    .executeTakeFirst();
  if (!row?.token_hash || row.status !== 'pending' || !secretMatches(parsed.secret, row.token_hash)) return { problem: 'invalid' };
  if (row.token_expires_at === null || now.getTime() >= row.token_expires_at) return { problem: 'expired' };
  return { id: row.id };
}

/** Whether a link would be accepted now, without using it (for the page that shows the button). */
export async function checkDeletionLink(db: DB, token: string | null | undefined, now = new Date()): Promise<LinkProblem | undefined> {
  const found = await requestOfToken(db, token, now);
  return 'problem' in found ? found.problem : undefined;
}

export type CompletionOutcome = { ok: true } | { ok: false; problem: RequestProblem };

/**
 * Erases the account of a confirmed request, in one transaction with the audit entry, the
 * request's completion and the message that tells the owner (queued, so it is sent only if the
 * deletion commits). The last-admin rule is read under the same lock as the erasure.
 */
async function complete(
  db: DB,
  requestId: number,
  actor: AuditActor,
  reason: string,
  now: Date,
  confirm?: { via: ConfirmedVia },
): Promise<CompletionOutcome> {
  // Both rules: the request's one transition (against a cancel) and the last admin (against other erasures).
  const done = await writeTransaction(db, ['admins', 'deletion-requests'], async (trx) => {
    const request = await trx.selectFrom('deletion_request').select(['status', 'user_id']).where('id', '=', requestId).executeTakeFirst();
    if (!request) return { ok: false as const, problem: 'not-found' as const };
    if (request.status !== (confirm ? 'pending' : 'confirmed'))
      return { ok: false as const, problem: confirm ? ('not-pending' as const) : ('not-confirmed' as const) };
    if (request.user_id !== null && actor !== 'account-holder' && !(await mayActOn(trx, actor, request.user_id))) {
      return { ok: false as const, problem: STAFF_ACCOUNT };
    }
    if (request.user_id !== null && (await isLastAdmin(trx, request.user_id)))
      return { ok: false as const, problem: 'last-admin' as const };
    if (confirm) {
      await trx.updateTable('deletion_request').set(confirmedValues(confirm.via, now)).where('id', '=', requestId).execute();
    }
    let email: string | undefined;
    if (request.user_id !== null) {
      await recordAudit(trx, { action: 'account.delete', actor, subjectUserId: request.user_id, reason, at: now });
      email = (await eraseAccountIn(trx, request.user_id, 'support', now))?.email;
      if (email) await enqueueMail(trx, accountDeletedMessage(email, now), now, { forgetWhenSent: true });
    }
    await trx.updateTable('deletion_request').set(closedValues('completed', now)).where('id', '=', requestId).execute();
    return { ok: true as const, email };
  });
  if (!done.ok) return done;
  if (done.email) await scrubErasedBytes(db);
  return { ok: true };
}

export type ConfirmOutcome = { ok: true; deleted: boolean } | { ok: false; problem: LinkProblem | 'last-admin' };

/**
 * The owner's confirmation through the emailed link: marks the request confirmed (the link is
 * used up), then erases the account. When the erasure cannot happen now, the request stays
 * confirmed for support to complete (`deleted: false`).
 */
export async function confirmDeletionByLink(db: DB, token: string | null | undefined, now = new Date()): Promise<ConfirmOutcome> {
  const confirmed = await writeTransaction(
    db,
    ['admins', 'deletion-requests'],
    async (trx): Promise<{ id: number } | { problem: LinkProblem | 'last-admin' }> => {
      const found = await requestOfToken(trx, token, now);
      if ('problem' in found) return { problem: found.problem };
      // Checked before the link is used up: the owner is told to contact support instead.
      const { user_id: userId } = await trx
        .selectFrom('deletion_request')
        .select('user_id')
        .where('id', '=', found.id)
        .executeTakeFirstOrThrow();
      if (userId !== null && (await isLastAdmin(trx, userId))) return { problem: 'last-admin' };
      const { numUpdatedRows } = await trx
        .updateTable('deletion_request')
        .set(confirmedValues('email-link', now))
        .where('id', '=', found.id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return numUpdatedRows === 1n ? { id: found.id } : { problem: 'invalid' };
    },
  );
  if ('problem' in confirmed) return { ok: false, problem: confirmed.problem };
  const ticket = (await db.selectFrom('deletion_request').select('ticket').where('id', '=', confirmed.id).executeTakeFirst())?.ticket ?? '';
  try {
    const outcome = await complete(db, confirmed.id, 'account-holder', `Deletion request ${ticket} confirmed with the emailed link`, now);
    if (!outcome.ok && outcome.problem === 'last-admin') return { ok: false, problem: 'last-admin' };
    return { ok: true, deleted: outcome.ok };
  } catch (error) {
    console.error(
      'deletion request: confirmed, but the erasure failed (support can complete it from the queue):',
      error instanceof Error ? error.message : error,
    );
    return { ok: true, deleted: false };
  }
}

/** Support completes a confirmed request (the owner confirmed, but the erasure did not finish). */
export async function completeConfirmedRequest(db: DB, actor: StaffActor, requestId: number, now = new Date()): Promise<CompletionOutcome> {
  const request = await db
    .selectFrom('deletion_request')
    .select(['ticket', 'confirmed_via'])
    .where('id', '=', requestId)
    .executeTakeFirst();
  const how = request?.confirmed_via === 'support' ? 'by support' : 'with the emailed link';
  return complete(db, requestId, actor, `Deletion request ${request?.ticket ?? ''} confirmed ${how}`, now);
}

/**
 * Support deletes without the emailed confirmation, having verified the requester's identity
 * another way; the reason says how (it is audited).
 */
export async function deleteWithVerifiedIdentity(
  db: DB,
  actor: StaffActor,
  requestId: number,
  reason: string,
  now = new Date(),
): Promise<CompletionOutcome> {
  return complete(db, requestId, actor, reason, now, { via: 'support' });
}
