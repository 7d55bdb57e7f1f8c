import { ActionError, type ActionAPIContext } from 'astro:actions';
import { defineAction } from './define.ts';
import { z } from 'astro/zod';
import {
  createSession,
  validateSessionToken,
  invalidateSession,
  MAX_PASSWORD_LENGTH,
  normalizeEmail,
  policyVersionInEffect,
  registerAccount,
  requestPasswordReset,
  resendVerificationEmail,
  sessionCookie,
  setPasswordWithToken,
  signIn,
  verifyEmail,
} from '../lib/auth/index.ts';
import { recordGpcSignal, sendsGpc } from '../lib/accounts/index.ts';
import { config } from '../lib/config/index.ts';
import { database } from '../lib/db/index.ts';
import { FieldError, limit, refuseOver } from './rate-limits.ts';
import { countSignIn, LIMITS, signInSucceeded } from '../lib/rate-limit/index.ts';

/** The words next to the registration checkbox; recorded with each agreement. */
export const AGREEMENT_WORDING = 'I have read and agree to the CustomerTrackr Privacy Policy and Terms of Use.';

const email = z
  .string({ error: 'Enter your email address.' })
  .max(1000, 'That is too long to be an email address.')
  .transform((value, ctx) => {
    const normalized = normalizeEmail(value);
    if (!normalized) {
      ctx.addIssue({ code: 'custom', message: 'Enter an email address like name@example.com.' });
      return z.NEVER;
    }
    return normalized;
  });

// Sign-in takes whatever was typed: the rules apply to new passwords only.
const currentPassword = z
  .string({ error: 'Enter your password.' })
  .min(1, 'Enter your password.')
  .max(MAX_PASSWORD_LENGTH * 4, 'That password is too long.');

// New passwords: only what costs nothing is checked with the input. The rules (the strength
// estimate above all) are checked once by the handler, after the rate limits are counted.
const newPassword = z
  .string({ error: 'Choose a password.' })
  .min(1, 'Choose a password.')
  .max(MAX_PASSWORD_LENGTH * 4, `Use at most ${MAX_PASSWORD_LENGTH} characters.`);

const token = z.string().max(200);

function startSession(context: ActionAPIContext, sessionToken: string) {
  const cookie = sessionCookie(config().siteUrl);
  context.cookies.set(cookie.name, sessionToken, { ...cookie.options, maxAge: cookie.maxAgeSeconds });
}

export const auth = {
  register: defineAction({
    accept: 'form',
    input: z.object({
      email,
      password: newPassword,
      agree: z.literal('yes', { error: 'To create an account, agree to the privacy policy and terms.' }),
      policy: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    }),
    handler: async (input, context) => {
      // Before anything costly: the password's rules and its hash come after the limits.
      await limit(context, [
        [LIMITS.registerPerIp, context.clientAddress],
        [LIMITS.registerPerAddress, input.email.normalized],
      ]);
      const { db } = await database();
      const inEffect = await policyVersionInEffect(db);
      if (!inEffect || inEffect.effective_date !== input.policy) {
        // The policy changed between showing the form and submitting it: show the new one.
        throw new ActionError({
          code: 'CONFLICT',
          message: 'The privacy policy was updated while you were reading. Please review it and agree again.',
        });
      }
      const outcome = await registerAccount(db, config().siteUrl, {
        email: input.email,
        password: input.password,
        policyEffectiveDate: inEffect.effective_date,
        agreementWording: AGREEMENT_WORDING,
      });
      // Checked with the address as context; shown at the password field.
      if (outcome.kind === 'weak-password') throw new FieldError('password', outcome.reason);
      // Global Privacy Control is recorded at the first state change that carries it (docs/decisions/0005-gpc.md).
      if (outcome.kind === 'created' && sendsGpc(context.request.headers)) await recordGpcSignal(db, outcome.userId);
      if (outcome.kind === 'created') {
        // The new account is signed in at once, in this very response too (the page that
        // follows shows it); an address that already had an account is not, and its owner
        // is emailed instead (docs/decisions/0019-header-state-at-first-paint.md, which
        // replaces the "no sign-in at registration" part of 0006).
        if (context.locals.session) await invalidateSession(db, context.locals.session.id);
        const { token } = await createSession(db, outcome.userId, context.request.headers.get('user-agent'));
        startSession(context, token);
        const valid = await validateSessionToken(db, token);
        context.locals.user = valid?.user ?? null;
        context.locals.session = valid?.session ?? null;
      }
      return { email: input.email.email };
    },
  }),

  signIn: defineAction({
    accept: 'form',
    input: z.object({ email: z.string().max(1000), password: currentPassword }),
    handler: async (input, context) => {
      const normalized = normalizeEmail(input.email)?.normalized ?? input.email.trim().toLowerCase();
      const { db } = await database();
      // Per client address, per account and address, then the account's backoff (0014).
      refuseOver(context, await countSignIn(db, normalized, context.clientAddress));
      const result = await signIn(db, input.email, input.password, context.request.headers.get('user-agent'));
      if (!result.ok) throw new ActionError({ code: 'UNAUTHORIZED', message: 'That email and password do not match an account.' });
      // The account's limits are on guesses: signing in on several devices in a row must not lock
      // its owner out. The client address's limit keeps counting (it bounds hashing per client).
      await signInSucceeded(db, normalized, context.clientAddress);
      if (sendsGpc(context.request.headers)) await recordGpcSignal(db, result.userId);
      // A new session at every sign-in; one already held by this browser ends.
      if (context.locals.session) await invalidateSession(db, context.locals.session.id);
      startSession(context, result.token);
      return { signedIn: true };
    },
  }),

  resendVerification: defineAction({
    accept: 'form',
    handler: async (_input, context) => {
      const user = context.locals.user;
      if (!user) throw new ActionError({ code: 'UNAUTHORIZED', message: 'Please sign in first.' });
      if (user.emailVerified) return { email: user.email, alreadyVerified: true };
      await limit(context, [[LIMITS.mailVerifyEmail, user.email.toLowerCase()]]);
      const { db } = await database();
      await resendVerificationEmail(db, config().siteUrl, user.id, user.email);
      return { email: user.email, alreadyVerified: false };
    },
  }),

  forgotPassword: defineAction({
    accept: 'form',
    input: z.object({ email }),
    handler: async (input, context) => {
      // Reset messages have their own budget per address: other kinds of mail never use it up.
      await limit(context, [
        [LIMITS.resetPerIp, context.clientAddress],
        [LIMITS.mailResetPassword, input.email.normalized],
      ]);
      const { db } = await database();
      // Queued, whether or not the address has an account: the worker sends the link (reset-queue.ts).
      await requestPasswordReset(db, input.email.normalized);
      return { email: input.email.email };
    },
  }),

  resetPassword: defineAction({
    accept: 'form',
    input: z.object({ token, password: newPassword, purpose: z.enum(['reset-password', 'set-password']) }),
    handler: async (input, context) => {
      await limit(context, [[LIMITS.newPasswordPerIp, context.clientAddress]]);
      const { db } = await database();
      const result = await setPasswordWithToken(db, input.token, input.purpose, input.password);
      if (!result.ok) {
        // The rules are checked after the limit, with the account's address: shown at the field.
        if ('passwordProblem' in result) throw new FieldError('password', result.passwordProblem);
        throw new ActionError({ code: 'BAD_REQUEST', message: tokenMessage(result.problem) });
      }
      // Every session ended with the reset, this browser's included. (A __Host- cookie is
      // only replaced by one with the same attributes: Secure, Path=/.)
      const cookie = sessionCookie(config().siteUrl);
      context.cookies.delete(cookie.name, cookie.options);
      return { reset: true };
    },
  }),

  verifyEmail: defineAction({
    accept: 'form',
    input: z.object({ token }),
    handler: async (input, context) => {
      const { db } = await database();
      const result = await verifyEmail(db, input.token, context.locals.user?.id ?? null);
      if (!result.ok) {
        if (result.problem === 'sign-in') throw new ActionError({ code: 'UNAUTHORIZED', message: SIGN_IN_TO_CONFIRM });
        throw new ActionError({ code: 'BAD_REQUEST', message: tokenMessage(result.problem) });
      }
      return { verified: true };
    },
  }),
};

/** Why confirming an address needs its account's session (see verifyEmail). */
export const SIGN_IN_TO_CONFIRM = 'Sign in to the account this link was sent for, then confirm: the link works only for that account.';

export function tokenMessage(problem: 'invalid' | 'expired' | 'used'): string {
  switch (problem) {
    case 'expired':
      return 'This link has expired. Links work for a limited time: ask for a new one.';
    case 'used':
      return 'This link has already been used. Each link works once: ask for a new one if you need to.';
    default:
      return 'This link is not valid. Check that you copied the whole link from the message, or ask for a new one.';
  }
}
