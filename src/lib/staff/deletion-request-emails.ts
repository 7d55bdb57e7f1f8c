import type { Message } from '../mail/index.ts';

/** The wording of the message that asks an account's owner to confirm a deletion request. */

export function deletionConfirmationMessage(to: string, link: string, ticket: string): Message {
  return {
    to,
    subject: 'Confirm the deletion of your CustomerTrackr account',
    text: `Hello,

We received a request to delete the CustomerTrackr account of this address (our reference:
${ticket}). To confirm that the request is yours, open this link within 7 days and press the
button on the page:

${link}

Deleting your account is immediate and cannot be undone. It erases your profile, your
history, your preferences and your policy agreements, and signs you out everywhere.

If you did not ask for this, ignore this message: nothing is deleted unless the link is used.
You may also tell our customer support team by replying to your request.

— CustomerTrackr
`,
  };
}
