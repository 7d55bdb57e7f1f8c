import { ActionError, type ActionAPIContext } from 'astro:actions';
import { defineAction } from './define.ts';
import { z } from 'astro/zod';
import type { SessionUser } from '../lib/auth/index.ts';
import { isRole, normalizeEmail } from '../lib/auth/index.ts';
import { config } from '../lib/config/index.ts';
import { database } from '../lib/db/index.ts';
import { parseId } from '../lib/http/forms.ts';
import { limit } from './rate-limits.ts';
import { LIMITS, type Limit } from '../lib/rate-limit/index.ts';
import {
  cancelDeletionRequest,
  checkDeletionRequestForm,
  checkReason,
  completeConfirmedRequest,
  confirmDeletionByLink,
  deleteWithVerifiedIdentity,
  endSessions,
  grantRoleByEmail,
  isStaffField,
  recordDeletionRequest,
  resendDeletionLink,
  resendVerification,
  revealField,
  revokeRoleFrom,
  searchAccounts,
  staffActionAccess,
  STAFF_ACCOUNT,
  staffActor,
  type CompletionOutcome,
  type RequestProblem,
  type StaffActionName,
  type StaffActor,
} from '../lib/staff/index.ts';

/**
 * The staff area's forms: support tools on accounts, deletion requests, role administration
 * (src/lib/staff), and the account holder's confirmation of a deletion request.
 *
 * Every handler first checks who is asking against STAFF_ACTIONS (src/lib/staff/permissions.ts,
 * the table the role-matrix test is generated from), before it reads or writes anything. The
 * input schemas below only bound the size of what is read; the rules (a reason of 10 to 500
 * characters, a real address…) are checked after the role, so someone without the role gets
 * 401 or 403 whatever they send. Such rule errors are BAD_REQUEST with a message the page
 * shows next to the field.
 */

function requireAccess(context: ActionAPIContext, action: StaffActionName): SessionUser {
  const user = context.locals.user;
  switch (staffActionAccess(user, action)) {
    case 'unauthenticated':
      throw new ActionError({ code: 'UNAUTHORIZED', message: 'Please sign in first.' });
    case 'forbidden':
      throw new ActionError({ code: 'FORBIDDEN', message: 'Your account does not have a role that allows this.' });
    case 'allowed':
      return user!;
  }
}

/** The signed-in staff member, with the IP address of the request (for the audit log). */
function actorFor(context: ActionAPIContext, action: StaffActionName): StaffActor {
  return staffActor(requireAccess(context, action).id, context);
}

const TOO_MANY_MESSAGES = 'Too many messages to this account. Please wait a little and try again.';

/** Mail that staff make the site send to one account: at most 5 an hour per account. */
const STAFF_MAIL_LIMIT: Limit = { bucket: 'staff-mail:account', max: 5, windowMs: 60 * 60_000 };

/** Why a role is refused to an account whose address nobody has proven. */
const UNVERIFIED_MESSAGE =
  'This account has not confirmed its address, so it cannot be given a role: anyone can register any address with a password of their own. ' +
  'Ask its owner to confirm the address from the message we sent (or to reset the password), or add them with npm run user -- add, which takes the account over for them; then grant the role.';

const text = (max: number) => z.string().max(max, 'That is far too long.').nullish();

function bad(message: string): never {
  throw new ActionError({ code: 'BAD_REQUEST', message });
}

function id(value: string | null | undefined, what: string): number {
  return parseId(value) ?? bad(`No ${what} was chosen.`);
}

function reason(value: string | null | undefined): string {
  const verdict = checkReason(value);
  if (!verdict.ok) bad(verdict.message);
  return verdict.value;
}

/** How an action refuses: the status and the message the page shows. */
type Refusal = { code: 'NOT_FOUND' | 'CONFLICT' | 'FORBIDDEN'; message: string };

/** Support's actions on an account that holds a role are refused (mayActOn, src/lib/staff/lookup.ts). */
const STAFF_ACCOUNT_ERROR: Refusal = {
  code: 'FORBIDDEN',
  message: 'This account holds a staff role: only an admin can act on staff accounts. Please ask an admin.',
};

const REQUEST_PROBLEMS: Record<RequestProblem, Refusal> = {
  'staff-account': STAFF_ACCOUNT_ERROR,
  'not-found': { code: 'NOT_FOUND', message: 'That deletion request does not exist.' },
  'not-pending': { code: 'CONFLICT', message: 'This request is no longer waiting for confirmation.' },
  'not-confirmed': { code: 'CONFLICT', message: 'This request has not been confirmed.' },
  closed: { code: 'CONFLICT', message: 'This request is already closed.' },
  'last-admin': {
    code: 'CONFLICT',
    message: 'This account holds the only admin role, so it cannot be deleted: grant the admin role to someone else first.',
  },
};

/** Throws the refusal `refusals` gives `problem`. */
function refuse<P extends string>(problem: P, refusals: Record<P, Refusal>): never {
  throw new ActionError(refusals[problem]);
}

const ACCOUNT_GONE: Refusal = { code: 'NOT_FOUND', message: 'This account no longer exists.' };

/** A support tool's result on one account, or its refusal: the account holds a staff role, or is gone. */
function onAccount<T>(outcome: T | typeof STAFF_ACCOUNT | undefined): T {
  if (outcome === STAFF_ACCOUNT) throw new ActionError(STAFF_ACCOUNT_ERROR);
  if (outcome === undefined) throw new ActionError(ACCOUNT_GONE);
  return outcome;
}

function completed(outcome: CompletionOutcome) {
  if (!outcome.ok) refuse(outcome.problem, REQUEST_PROBLEMS);
  return {};
}

/**
 * The options of a staff form's defineAction: checks who is asking against STAFF_ACTIONS before
 * anything else (see above), then runs `handler` with the staff member; the handler parses the
 * input, calls the domain and maps the outcome to an ActionError.
 */
function staffForm<Fields extends z.ZodRawShape, Output>(
  action: StaffActionName,
  fields: Fields,
  handler: (input: z.output<z.ZodObject<Fields>>, actor: StaffActor, context: ActionAPIContext) => Promise<Output>,
) {
  return {
    accept: 'form' as const,
    input: z.object(fields),
    handler: async (input: z.output<z.ZodObject<Fields>>, context: ActionAPIContext) => handler(input, actorFor(context, action), context),
  };
}

export const staff = {
  searchAccounts: defineAction(
    staffForm('searchAccounts', { q: text(1000) }, async (input, actor) => {
      const { db } = await database();
      const outcome = await searchAccounts(db, actor, input.q ?? '');
      if (!outcome.ok) bad(outcome.message);
      return { accounts: outcome.accounts, truncated: outcome.truncated };
    }),
  ),

  revealField: defineAction(
    staffForm('revealField', { userId: text(20), field: text(40), reason: text(4000) }, async (input, actor) => {
      const userId = id(input.userId, 'account');
      const field = input.field ?? '';
      if (!isStaffField(field)) bad('Choose a field to reveal.');
      const why = reason(input.reason);
      const { db } = await database();
      return { userId, ...onAccount(await revealField(db, actor, userId, field, why)) };
    }),
  ),

  endSessions: defineAction(
    staffForm('endSessions', { userId: text(20), reason: text(4000) }, async (input, actor) => {
      const userId = id(input.userId, 'account');
      const why = reason(input.reason);
      const { db } = await database();
      return { userId, ended: onAccount(await endSessions(db, actor, userId, why)) };
    }),
  ),

  resendVerification: defineAction(
    staffForm('resendVerification', { userId: text(20) }, async (input, actor, context) => {
      const userId = id(input.userId, 'account');
      await limit(context, [[STAFF_MAIL_LIMIT, `user:${userId}`]], TOO_MANY_MESSAGES);
      const { db } = await database();
      const outcome = await resendVerification(db, config().siteUrl, actor, userId);
      if (!outcome.ok) {
        refuse(outcome.problem, {
          'no-account': ACCOUNT_GONE,
          'staff-account': STAFF_ACCOUNT_ERROR,
          'already-verified': { code: 'CONFLICT', message: 'This address is already confirmed: no message was sent.' },
        });
      }
      return { userId };
    }),
  ),

  recordDeletionRequest: defineAction(
    staffForm('recordDeletionRequest', { email: text(1000), receivedAt: text(100), ticket: text(1000) }, async (input, actor, context) => {
      const form = checkDeletionRequestForm(input);
      // The page shows each problem next to its field (it runs the same check on what was typed).
      if (!form.ok) bad('Please check the highlighted fields: nothing was recorded.');
      await limit(context, [[LIMITS.mailDeletionRequest, form.value.email.normalized]], TOO_MANY_MESSAGES);
      const { db } = await database();
      const outcome = await recordDeletionRequest(db, config().siteUrl, actor, form.value);
      if (!outcome.ok) {
        if (outcome.problem === 'already-open')
          throw new ActionError({ code: 'CONFLICT', message: `This account already has an open deletion request (number ${outcome.id}).` });
        refuse(outcome.problem, {
          'staff-account': STAFF_ACCOUNT_ERROR,
          'no-account': {
            code: 'NOT_FOUND',
            message:
              'No account has this address. Check it against the request; if it is right, tell the requester that we hold no account for it.',
          },
        });
      }
      return { id: outcome.id };
    }),
  ),

  resendDeletionLink: defineAction(
    staffForm('resendDeletionLink', { requestId: text(20) }, async (input, actor, context) => {
      const requestId = id(input.requestId, 'request');
      await limit(context, [[STAFF_MAIL_LIMIT, `deletion-request:${requestId}`]], TOO_MANY_MESSAGES);
      const { db } = await database();
      const outcome = await resendDeletionLink(db, config().siteUrl, actor, requestId);
      if (!outcome.ok) refuse(outcome.problem, REQUEST_PROBLEMS);
      return { id: requestId };
    }),
  ),

  deleteVerified: defineAction(
    staffForm('deleteVerified', { requestId: text(20), reason: text(4000) }, async (input, actor) => {
      const requestId = id(input.requestId, 'request');
      const why = reason(input.reason);
      const { db } = await database();
      return { id: requestId, ...completed(await deleteWithVerifiedIdentity(db, actor, requestId, why)) };
    }),
  ),

  completeDeletion: defineAction(
    staffForm('completeDeletion', { requestId: text(20) }, async (input, actor) => {
      const requestId = id(input.requestId, 'request');
      const { db } = await database();
      return { id: requestId, ...completed(await completeConfirmedRequest(db, actor, requestId)) };
    }),
  ),

  cancelDeletionRequest: defineAction(
    staffForm('cancelDeletionRequest', { requestId: text(20), reason: text(4000) }, async (input, actor) => {
      const requestId = id(input.requestId, 'request');
      const why = reason(input.reason);
      const { db } = await database();
      const outcome = await cancelDeletionRequest(db, actor, requestId, why);
      if (!outcome.ok) refuse(outcome.problem, REQUEST_PROBLEMS);
      return { id: requestId };
    }),
  ),

  grantRole: defineAction(
    staffForm('grantRole', { email: text(1000), role: text(40) }, async (input, actor) => {
      const email = normalizeEmail(input.email ?? '');
      if (!email) bad('Enter the address of the account, like name@example.com.');
      const role = input.role ?? '';
      if (!isRole(role)) bad('Choose a role.');
      const { db } = await database();
      const outcome = await grantRoleByEmail(db, actor, email.email, role);
      if (!outcome.ok) {
        refuse(outcome.problem, {
          unverified: { code: 'CONFLICT', message: UNVERIFIED_MESSAGE },
          'no-account': {
            code: 'NOT_FOUND',
            message: 'No account has this address. The person must register (or be added with npm run user) first.',
          },
        });
      }
      return { userId: outcome.userId, role, changed: outcome.changed };
    }),
  ),

  revokeRole: defineAction(
    staffForm('revokeRole', { userId: text(20), role: text(40) }, async (input, actor) => {
      const userId = id(input.userId, 'account');
      const role = input.role ?? '';
      if (!isRole(role)) bad('Choose a role.');
      const { db } = await database();
      const outcome = await revokeRoleFrom(db, actor, userId, role);
      if (!outcome.ok) {
        refuse(outcome.problem, {
          'last-admin': {
            code: 'CONFLICT',
            message: 'This is the last admin: there must always be one. Grant the admin role to someone else first.',
          },
        });
      }
      return { userId, role, changed: outcome.changed };
    }),
  ),

  /** The account holder, from the emailed link: the link is the authority, no sign-in needed. */
  confirmDeletion: defineAction({
    accept: 'form',
    input: z.object({ token: text(200) }),
    handler: async (input, context) => {
      requireAccess(context, 'confirmDeletion');
      const { db } = await database();
      const outcome = await confirmDeletionByLink(db, input.token);
      if (!outcome.ok) {
        const messages = {
          invalid: 'This link is not valid, or it has already been used. Check that you copied the whole link from the message.',
          expired: 'This link has expired (links work for 7 days). Reply to your request and our support team will send a new one.',
          'last-admin': 'This account cannot be deleted this way. Please reply to your request: our support team will contact you.',
        } as const;
        throw new ActionError({ code: outcome.problem === 'last-admin' ? 'CONFLICT' : 'BAD_REQUEST', message: messages[outcome.problem] });
      }
      return { deleted: outcome.deleted };
    },
  }),
};
