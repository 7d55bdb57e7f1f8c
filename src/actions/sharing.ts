import { ActionError, type ActionAPIContext } from 'astro:actions';
import { defineAction } from './define.ts';
import { z } from 'astro/zod';
import type { SessionUser } from '../lib/auth/index.ts';
import { database } from '../lib/db/index.ts';
import { parseId, safeNextPath } from '../lib/http/forms.ts';
import {
  addRecipient,
  checkDisclosureForm,
  checkPurposeForm,
  checkRecipientForm,
  editRecipient,
  optOutByLink,
  acknowledgeStaffDocuments,
  optOutOfPurpose,
  proposePurpose,
  recordLegalDisclosure,
  removeRecipient,
  sharingActionAccess,
  type SharingActionName,
} from '../lib/sharing/index.ts';
import { staffActor, type StaffActor } from '../lib/staff/index.ts';

/**
 * The sharing forms (src/lib/sharing): admins keep the register of recipients and propose
 * purposes; an account holder refuses a purpose, with the emailed link (no sign-in) or from
 * the notice on their account. Each handler checks SHARING_ACTIONS first (the table the role
 * matrix is generated from), then the input, then calls the domain.
 */

function requireAccess(context: ActionAPIContext, action: SharingActionName): SessionUser | null {
  const user = context.locals.user ?? null;
  switch (sharingActionAccess(user, action)) {
    case 'unauthenticated':
      throw new ActionError({ code: 'UNAUTHORIZED', message: 'Please sign in first.' });
    case 'forbidden':
      throw new ActionError({ code: 'FORBIDDEN', message: 'Your account does not have a role that allows this.' });
    case 'allowed':
      return user;
  }
}

function actorFor(context: ActionAPIContext, action: SharingActionName): StaffActor {
  return staffActor(requireAccess(context, action)!.id, context);
}

const text = (max: number) => z.string().max(max, 'That is far too long.').nullish();

function bad(message: string): never {
  throw new ActionError({ code: 'BAD_REQUEST', message });
}

const CHECK_FIELDS = 'Please check the highlighted fields: nothing was saved.';
const RECIPIENT_INPUT = {
  name: text(1000),
  country: text(1000),
  dataReceived: text(4000),
  purpose: text(4000),
  kind: text(40),
  since: text(40),
};
const GONE = 'That recipient is not in the register (it may have been removed).';

export const sharing = {
  addRecipient: defineAction({
    accept: 'form',
    input: z.object(RECIPIENT_INPUT),
    handler: async (input, context) => {
      const actor = actorFor(context, 'addRecipient');
      const form = checkRecipientForm(input);
      if (!form.ok) bad(CHECK_FIELDS);
      const { db } = await database();
      return { id: await addRecipient(db, actor, form.value) };
    },
  }),

  editRecipient: defineAction({
    accept: 'form',
    input: z.object({ id: text(20), ...RECIPIENT_INPUT }),
    handler: async (input, context) => {
      const actor = actorFor(context, 'editRecipient');
      const id = parseId(input.id) ?? bad('No recipient was chosen.');
      const form = checkRecipientForm(input);
      if (!form.ok) bad(CHECK_FIELDS);
      const { db } = await database();
      const outcome = await editRecipient(db, actor, id, form.value);
      if (!outcome.ok) throw new ActionError({ code: 'NOT_FOUND', message: GONE });
      return { id, changed: outcome.changed };
    },
  }),

  removeRecipient: defineAction({
    accept: 'form',
    input: z.object({ id: text(20) }),
    handler: async (input, context) => {
      const actor = actorFor(context, 'removeRecipient');
      const id = parseId(input.id) ?? bad('No recipient was chosen.');
      const { db } = await database();
      const outcome = await removeRecipient(db, actor, id);
      if (!outcome.ok) throw new ActionError({ code: 'NOT_FOUND', message: GONE });
      return { id };
    },
  }),

  proposePurpose: defineAction({
    accept: 'form',
    input: z.object({
      recipientId: text(20),
      description: text(4000),
      fields: z.array(z.string().max(40)).max(20).optional(),
      noticeDays: text(10),
    }),
    handler: async (input, context) => {
      const actor = actorFor(context, 'proposePurpose');
      const form = checkPurposeForm(input);
      if (!form.ok) bad(CHECK_FIELDS);
      const { db } = await database();
      const outcome = await proposePurpose(db, actor, form.value);
      if (!outcome.ok) {
        throw new ActionError(
          outcome.problem === 'no-recipient'
            ? { code: 'NOT_FOUND', message: GONE }
            : { code: 'CONFLICT', message: 'A processor acts only on our behalf: purposes with notice are for third parties.' },
        );
      }
      return { id: outcome.id, noticeEndsAt: outcome.noticeEndsAt };
    },
  }),

  recordDisclosure: defineAction({
    accept: 'form',
    input: z.object({
      userId: text(20),
      kind: text(20),
      requester: text(1000),
      legalBasis: text(4000),
      reference: text(1000),
      fields: z.array(z.string().max(40)).max(20).optional(),
      reason: text(4000),
      holdUntil: text(40),
    }),
    handler: async (input, context) => {
      const actor = actorFor(context, 'recordDisclosure');
      const form = checkDisclosureForm(input);
      if (!form.ok) bad(CHECK_FIELDS);
      const { db } = await database();
      const outcome = await recordLegalDisclosure(db, actor, form.value);
      if (!outcome.ok) throw new ActionError({ code: 'NOT_FOUND', message: 'No account has this number.' });
      return { id: outcome.id, held: form.value.holdUntil !== undefined };
    },
  }),

  /** The account holder, from the emailed link: the link is the authority, no sign-in needed. */
  optOutByLink: defineAction({
    accept: 'form',
    input: z.object({ token: text(200) }),
    handler: async (input, context) => {
      requireAccess(context, 'optOutByLink');
      const { db } = await database();
      const outcome = await optOutByLink(db, input.token);
      if (!outcome.ok)
        bad('This link is not valid, or it has already been used. You can still opt out of all sharing on your account page.');
      return { recipient: outcome.recipient };
    },
  }),

  /** A staff member acknowledges the current handbook and the policy in effect (the step before any tool with personal data). */
  acknowledgeHandbook: defineAction({
    accept: 'form',
    input: z.object({ next: text(2000) }),
    handler: async (input, context) => {
      const user = requireAccess(context, 'acknowledgeHandbook')!;
      const { db } = await database();
      await acknowledgeStaffDocuments(db, user.id);
      return { next: safeNextPath(input.next) ?? '/admin' };
    },
  }),

  /** The signed-in account holder, from the notice on their account page. */
  optOutOfPurpose: defineAction({
    accept: 'form',
    input: z.object({ purposeId: text(20) }),
    handler: async (input, context) => {
      const user = requireAccess(context, 'optOutOfPurpose')!;
      const purposeId = parseId(input.purposeId) ?? bad('No purpose was chosen.');
      const { db } = await database();
      if ((await optOutOfPurpose(db, user.id, purposeId)) === 'not-found')
        throw new ActionError({ code: 'NOT_FOUND', message: 'There is no notice about this purpose on your account.' });
      return { purposeId };
    },
  }),
};
