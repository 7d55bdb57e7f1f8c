import { ActionError, type ActionAPIContext } from 'astro:actions';
import { defineAction } from './define.ts';
import { z } from 'astro/zod';
import {
  changePolicyAnnouncement,
  checkPolicyText,
  createAnnouncement,
  endAnnouncement,
  updateAnnouncement,
  validateAnnouncement,
  type AnnouncementForm,
  type ChangeOutcome,
  type PolicyChange,
} from '../lib/announcements/index.ts';
import type { SessionUser } from '../lib/auth/index.ts';
import { config } from '../lib/config/index.ts';
import { database } from '../lib/db/index.ts';
import { isCalendarDate } from '../lib/policy/dates.ts';
import { adminAccess } from '../lib/staff/sections.ts';

/**
 * The editors' announcement actions. Each handler checks the role on the server with the
 * staff table's rule (checkRole) before it reads or writes anything; the admin pages' own
 * check is for the page, not the rule. (Astro validates the form before the handler runs,
 * so a malformed form from someone without the role gets 400 rather than 401/403: nothing
 * is read or written either way.)
 */
function requireEditor(context: ActionAPIContext): SessionUser {
  const user = context.locals.user;
  switch (adminAccess(user, 'announcements')) {
    case 'unauthenticated':
      throw new ActionError({ code: 'UNAUTHORIZED', message: 'Please sign in first.' });
    case 'forbidden':
      throw new ActionError({ code: 'FORBIDDEN', message: 'Only editors and admins can change announcements.' });
    case 'allowed':
      return user!;
  }
}

// Generous caps on what is read from the form; the real limits (with their messages) are
// the domain rules in validateAnnouncement.
const field = z.string().max(2000, 'That is far too long.').optional();

const announcementFields = {
  text: field,
  level: field,
  audience: field,
  linkUrl: field,
  linkText: field,
  dismissible: z.boolean().optional(),
  startsAt: field,
  endsAt: field,
};

const id = z.coerce.number({ error: 'No announcement was chosen.' }).int().positive();
const date = z.string().refine(isCalendarDate, 'No policy version was chosen.');

/** Reports each problem the domain rules find on its field; returns the valid announcement. */
function checked(form: AnnouncementForm, ctx: z.RefinementCtx) {
  const result = validateAnnouncement(form, new Date());
  if (result.ok) return result.value;
  for (const [path, message] of Object.entries(result.errors)) ctx.addIssue({ code: 'custom', path: [path], message });
  return z.NEVER;
}

const createForm = z.object(announcementFields).transform((form, ctx) => ({ announcement: checked(form, ctx) }));
const updateForm = z
  .object({ ...announcementFields, id, updatedAt: z.string().max(40) })
  .transform((form, ctx) => ({ id: form.id, updatedAt: form.updatedAt, announcement: checked(form, ctx) }));

function outcome(result: ChangeOutcome): { changed: boolean } {
  if (result.ok) return { changed: result.changed };
  switch (result.problem) {
    case 'not-found':
      throw new ActionError({ code: 'NOT_FOUND', message: 'That announcement does not exist.' });
    case 'conflict':
      throw new ActionError({
        code: 'CONFLICT',
        message:
          'Someone else changed this announcement while you were editing it. Nothing was saved: check their change below, then make yours again.',
      });
    case 'already-ended':
      throw new ActionError({ code: 'CONFLICT', message: 'This announcement has already ended.' });
  }
}

async function changePolicy(context: ActionAPIContext, effective: string, change: PolicyChange) {
  const user = requireEditor(context);
  const { db } = await database();
  return outcome(await changePolicyAnnouncement(db, effective, change, user.id, config().announcePolicyDays));
}

export const announcements = {
  create: defineAction({
    accept: 'form',
    input: createForm,
    handler: async (input, context) => {
      const user = requireEditor(context);
      const { db } = await database();
      return { id: await createAnnouncement(db, input.announcement, user.id) };
    },
  }),

  update: defineAction({
    accept: 'form',
    input: updateForm,
    handler: async (input, context) => {
      const user = requireEditor(context);
      const { db } = await database();
      return { id: input.id, ...outcome(await updateAnnouncement(db, input.id, input.announcement, user.id, input.updatedAt)) };
    },
  }),

  end: defineAction({
    accept: 'form',
    input: z.object({ id }),
    handler: async (input, context) => {
      const user = requireEditor(context);
      const { db } = await database();
      return { id: input.id, ...outcome(await endAnnouncement(db, input.id, user.id)) };
    },
  }),

  updatePolicy: defineAction({
    accept: 'form',
    input: z.object({ date, text: field }).transform((form, ctx) => {
      const text = checkPolicyText(form.text);
      if (!text.ok) {
        ctx.addIssue({ code: 'custom', path: ['text'], message: text.message });
        return z.NEVER;
      }
      return { date: form.date, text: text.value };
    }),
    handler: async (input, context) => ({
      date: input.date,
      ...(await changePolicy(context, input.date, { kind: 'text', text: input.text })),
    }),
  }),

  endPolicy: defineAction({
    accept: 'form',
    input: z.object({ date }),
    handler: async (input, context) => ({ date: input.date, ...(await changePolicy(context, input.date, { kind: 'end' })) }),
  }),

  resumePolicy: defineAction({
    accept: 'form',
    input: z.object({ date }),
    handler: async (input, context) => ({ date: input.date, ...(await changePolicy(context, input.date, { kind: 'resume' })) }),
  }),
};
