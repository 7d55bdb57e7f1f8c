import { sendMail, type Message } from '../mail/index.ts';

/**
 * The wording of the message that asks an account's owner to confirm a deletion request, and
 * the sending of the workflow's messages (a failure is reported to support, never thrown).
 */

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

/** Sends a message; a failure is logged and reported as false (the caller says so to support). */
export async function trySend(message: Message): Promise<boolean> {
  try {
    await sendMail(message);
    return true;
  } catch (error) {
    console.error('deletion request: a message could not be sent:', error instanceof Error ? error.message : error);
    return false;
  }
}
