import { ActionError, type ActionAPIContext } from 'astro:actions';
import { defineAction } from './define.ts';
import { z } from 'astro/zod';
import {
  acknowledgePolicy,
  cancelEmailChange,
  changePassword,
  checkProfileField,
  chooseSharing,
  confirmEmailChange,
  deleteOwnAccount,
  PROFILE_FIELDS,
  recordGpcSignal,
  requestEmailChange,
  revokeOtherSessions,
  revokeSessionByRef,
  sendsGpc,
  updateProfile,
  type ProfileField,
  type ProfileValues,
} from '../lib/accounts/index.ts';
import { invalidateSession, MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH, normalizeEmail, sessionCookie } from '../lib/auth/index.ts';
import { config } from '../lib/config/index.ts';
import { database } from '../lib/db/index.ts';
import { limit, refuseOver } from './rate-limits.ts';
import { safeNextPath } from '../lib/http/forms.ts';
import { countReauth, LIMITS, reauthSucceeded } from '../lib/rate-limit/index.ts';

/**
 * The account page's forms (src/pages/account/index.astro). Every action works on the
 * signed-in user's own data only: nothing in the input says whose data it is.
 *
 * Errors found after the input was parsed (a wrong current password, say) are ActionErrors
 * with a code; ERROR_FIELDS says which field each one belongs to, so the page can show it
 * next to that field.
 */
export const ERROR_FIELDS = {
  changeEmail: { FORBIDDEN: 'emailPassword', CONFLICT: 'newEmail' },
  changePassword: { FORBIDDEN: 'currentPassword', UNPROCESSABLE_CONTENT: 'newPassword' },
  deleteAccount: { FORBIDDEN: 'deletePassword' },
} as const;

/** What the delete form asks the user to type. */
export const DELETE_CONFIRMATION = 'delete my account';

const WRONG_PASSWORD = 'That is not your current password.';

function signedIn(context: ActionAPIContext) {
  const { user, session } = context.locals;
  if (!user || !session) throw new ActionError({ code: 'UNAUTHORIZED', message: 'Please sign in first.' });
  return { user, session };
}

/**
 * Re-authentication attempts have their own budget (per account and per client address),
 * counted before the password is verified: a stolen session cookie must not become a way to
 * guess the password, and failed sign-ins by someone else must not stop the owner here.
 */
async function countReauthAttempt(context: ActionAPIContext, userId: number) {
  const { db } = await database();
  refuseOver(context, await countReauth(db, userId, context.clientAddress));
}

/** A right password is not a guess: it gives back its attempt, as a successful sign-in does. */
async function refundReauth(userId: number) {
  await reauthSucceeded((await database()).db, userId);
}

/** Global Privacy Control: a state-changing request that carries it records an opt-out (docs/decisions/0005-gpc.md). */
async function honourGpc(context: ActionAPIContext, userId: number) {
  if (!sendsGpc(context.request.headers)) return;
  const { db } = await database();
  await recordGpcSignal(db, userId);
}

const text = z.string().max(4000, 'That is far too long.');

// Astro parses an empty field and a missing one alike (null): both remove what was stored.
// The form always sends all five fields.
const profileField = (field: ProfileField) =>
  text.nullish().transform((value, ctx) => {
    const verdict = checkProfileField(field, value ?? '');
    if (!verdict.ok) {
      ctx.addIssue({ code: 'custom', message: verdict.message });
      return z.NEVER;
    }
    return verdict.value;
  });

const currentPassword = z
  .string({ error: 'Enter your current password.' })
  .min(1, 'Enter your current password.')
  .max(MAX_PASSWORD_LENGTH * 4, 'That password is too long.');

export const account = {
  updateProfile: defineAction({
    accept: 'form',
    input: z.object({
      display_name: profileField('display_name'),
      full_name: profileField('full_name'),
      company: profileField('company'),
      job_title: profileField('job_title'),
      phone: profileField('phone'),
    }),
    handler: async (input, context) => {
      const { user } = signedIn(context);
      await honourGpc(context, user.id);
      const values = Object.fromEntries(PROFILE_FIELDS.map((f) => [f, input[f]])) as ProfileValues;
      const { db } = await database();
      const changed = await updateProfile(db, user.id, values);
      return { changed };
    },
  }),

  changeEmail: defineAction({
    accept: 'form',
    input: z.object({
      newEmail: z
        .string({ error: 'Enter the new address.' })
        .max(1000, 'That is too long to be an email address.')
        .transform((value, ctx) => {
          const normalized = normalizeEmail(value);
          if (!normalized) {
            ctx.addIssue({
              code: 'custom',
              message: `Enter an email address like name@example.com (at most ${MAX_EMAIL_LENGTH} characters).`,
            });
            return z.NEVER;
          }
          return normalized;
        }),
      emailPassword: currentPassword,
    }),
    handler: async (input, context) => {
      const { user } = signedIn(context);
      await honourGpc(context, user.id);
      await countReauthAttempt(context, user.id);
      await limit(context, [[LIMITS.mailChangeEmail, input.newEmail.normalized]]);
      const { db } = await database();
      const outcome = await requestEmailChange(db, config().siteUrl, user.id, input.emailPassword, input.newEmail);
      if (outcome.ok || outcome.problem !== 'wrong-password') await refundReauth(user.id);
      if (!outcome.ok) {
        if (outcome.problem === 'wrong-password') throw new ActionError({ code: 'FORBIDDEN', message: WRONG_PASSWORD });
        throw new ActionError({ code: 'CONFLICT', message: 'That is already your address.' });
      }
      return { sent: true };
    },
  }),

  cancelEmailChange: defineAction({
    accept: 'form',
    handler: async (_input, context) => {
      const { user } = signedIn(context);
      await honourGpc(context, user.id);
      const { db } = await database();
      await cancelEmailChange(db, user.id);
      return { cancelled: true };
    },
  }),

  /** From the emailed link: the token proves the new mailbox; no sign-in needed. */
  confirmEmailChange: defineAction({
    accept: 'form',
    input: z.object({ token: z.string().max(200) }),
    handler: async (input) => {
      const { db } = await database();
      const outcome = await confirmEmailChange(db, input.token);
      if (!outcome.ok) {
        const messages = {
          taken: 'That address now belongs to another account, so your address was not changed.',
          expired: 'This link has expired. Links work for an hour: start the change again from your account page.',
          used: 'This link has already been used.',
          invalid: 'This link is not valid. Check that you copied the whole link from the message.',
        } as const;
        throw new ActionError({ code: outcome.problem === 'taken' ? 'CONFLICT' : 'BAD_REQUEST', message: messages[outcome.problem] });
      }
      return { email: outcome.email };
    },
  }),

  changePassword: defineAction({
    accept: 'form',
    input: z.object({
      currentPassword,
      newPassword: z
        .string({ error: 'Choose a new password.' })
        .max(MAX_PASSWORD_LENGTH * 4, `Use at most ${MAX_PASSWORD_LENGTH} characters.`),
      signOutOthers: z.literal('yes').optional(),
    }),
    handler: async (input, context) => {
      const { user, session } = signedIn(context);
      await honourGpc(context, user.id);
      await countReauthAttempt(context, user.id);
      const { db } = await database();
      const outcome = await changePassword(
        db,
        user.id,
        session.id,
        input.currentPassword,
        input.newPassword,
        input.signOutOthers === 'yes',
      );
      if (outcome.ok || outcome.problem !== 'wrong-password') await refundReauth(user.id);
      if (!outcome.ok) {
        if (outcome.problem === 'wrong-password') throw new ActionError({ code: 'FORBIDDEN', message: WRONG_PASSWORD });
        throw new ActionError({ code: 'UNPROCESSABLE_CONTENT', message: outcome.reason });
      }
      return { signedOut: outcome.signedOut };
    },
  }),

  revokeSession: defineAction({
    accept: 'form',
    input: z.object({ session: z.string().regex(/^[0-9a-f]{20}$/, 'That session is not one of yours.') }),
    handler: async (input, context) => {
      const { user, session } = signedIn(context);
      await honourGpc(context, user.id);
      const { db } = await database();
      const outcome = await revokeSessionByRef(db, user.id, input.session, session.id);
      if (outcome === 'not-found') throw new ActionError({ code: 'NOT_FOUND', message: 'That session has already ended.' });
      if (outcome === 'current') {
        // Ending the session in use is signing out.
        await invalidateSession(db, session.id);
        context.cookies.delete(sessionCookie(config().siteUrl).name, { path: '/' });
      }
      return { signedOut: outcome === 'current' };
    },
  }),

  revokeOtherSessions: defineAction({
    accept: 'form',
    handler: async (_input, context) => {
      const { user, session } = signedIn(context);
      await honourGpc(context, user.id);
      const { db } = await database();
      return { ended: await revokeOtherSessions(db, user.id, session.id) };
    },
  }),

  setSharing: defineAction({
    accept: 'form',
    input: z.object({ choice: z.enum(['opt-out', 'opt-in'], { error: 'Choose whether to allow sharing.' }) }),
    handler: async (input, context) => {
      const { user } = signedIn(context);
      const { db } = await database();
      const outcome = await chooseSharing(db, user.id, input.choice === 'opt-out', sendsGpc(context.request.headers));
      return { outcome };
    },
  }),

  acknowledgePolicy: defineAction({
    accept: 'form',
    input: z.object({
      version: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'That is not a policy version.'),
      next: z.string().max(2000).optional(),
    }),
    handler: async (input, context) => {
      const { user } = signedIn(context);
      await honourGpc(context, user.id);
      const { db } = await database();
      const outcome = await acknowledgePolicy(db, user.id, input.version);
      if (!outcome.ok) {
        throw new ActionError({
          code: 'CONFLICT',
          message: 'That version does not need acknowledging (perhaps you already did, in another tab).',
        });
      }
      return { version: outcome.version.effective, next: safeNextPath(input.next) ?? '/account' };
    },
  }),

  deleteAccount: defineAction({
    accept: 'form',
    input: z.object({
      deletePassword: currentPassword,
      confirmation: z
        .string({ error: `Type “${DELETE_CONFIRMATION}” to confirm.` })
        .max(200)
        .refine((value) => value.trim().toLowerCase() === DELETE_CONFIRMATION, `Type “${DELETE_CONFIRMATION}” exactly, to confirm.`),
    }),
    handler: async (input, context) => {
      const { user } = signedIn(context);
      await countReauthAttempt(context, user.id);
      const { db } = await database();
      const outcome = await deleteOwnAccount(db, user.id, input.deletePassword);
      // (Once deleted, the account's limits are erased with it.)
      if (!outcome.ok && outcome.problem !== 'wrong-password') await refundReauth(user.id);
      if (!outcome.ok) {
        if (outcome.problem === 'wrong-password') throw new ActionError({ code: 'FORBIDDEN', message: WRONG_PASSWORD });
        if (outcome.problem === 'last-admin') {
          throw new ActionError({
            code: 'CONFLICT',
            message:
              'Your account was not deleted: you are the only admin, and there must always be one. Grant the admin role to someone else first (on the Roles page of the staff area, /admin/roles), then delete your account.',
          });
        }
        throw new ActionError({ code: 'NOT_FOUND', message: 'This account no longer exists.' });
      }
      // Every session ended with the account; this browser's cookie goes too.
      context.cookies.delete(sessionCookie(config().siteUrl).name, { path: '/' });
      return { deleted: true };
    },
  }),
};
