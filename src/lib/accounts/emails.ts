import type { Message } from '../mail/index.ts';

/** The messages the profile and data-rights features send. Plain text only. */

function when(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' at ')} UTC`;
}

/**
 * "n…e@example.com": how a message to the old address names the new one, enough for the owner
 * to recognise it, not for a reader of the old mailbox to learn it. (Staff tools mask more:
 * staff/masking.ts.)
 */
export function addressHint(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '…';
  const local = [...email.slice(0, at)];
  const shown = local.length <= 2 ? `${local[0]}…` : `${local[0]}…${local.at(-1)}`;
  return `${shown}${email.slice(at)}`;
}

export function confirmNewEmailMessage(to: string, link: string): Message {
  return {
    to,
    subject: 'Confirm your new email address for CustomerTrackr',
    text: `Hello,

Someone (hopefully you) asked to use this address for their CustomerTrackr account.
To confirm, open this link within the next hour:

${link}

Until you confirm, the account keeps its current address. If you did not ask for this,
ignore this message: nothing changes.

— CustomerTrackr
`,
  };
}

export function emailTakenMessage(to: string): Message {
  return {
    to,
    subject: 'Someone tried to move a CustomerTrackr account to your address',
    text: `Hello,

Someone asked to use this address for a CustomerTrackr account, but this address already
has an account. Nothing was changed, and you do not need to do anything.

— CustomerTrackr
`,
  };
}

export function emailChangedMessage(to: string, newEmail: string, at: Date): Message {
  return {
    to,
    subject: 'Your CustomerTrackr email address was changed',
    text: `Hello,

On ${when(at)}, the email address of your CustomerTrackr account was changed from this
address to ${addressHint(newEmail)}. The change was confirmed from the new mailbox after your
password was entered.

If you made this change, you do not need to do anything. If you did not, someone knows your
password: contact our customer support team (the contact details are on our website's About
page) so that we can give the account back to you.

— CustomerTrackr
`,
  };
}

export function passwordChangedMessage(to: string, at: Date, signedOutOthers: boolean): Message {
  return {
    to,
    subject: 'Your CustomerTrackr password was changed',
    text: `Hello,

The password of your CustomerTrackr account was changed on ${when(at)}.
${signedOutOthers ? 'Every other session of your account was signed out.\n' : ''}
If you did not do this, reset your password now with "Forgot your password?" on the sign-in
page, and tell our customer support team (the contact details are on our website's About page).

— CustomerTrackr
`,
  };
}

export function accountDeletedMessage(to: string, at: Date): Message {
  return {
    to,
    subject: 'Your CustomerTrackr account has been deleted',
    text: `Hello,

As you asked, your CustomerTrackr account was deleted on ${when(at)}. Your profile, your
history, your preferences and your sessions have been erased; this message is the last one
we send to this address.

We keep a record that an account was deleted and when, with nothing that identifies you.

— CustomerTrackr
`,
  };
}
