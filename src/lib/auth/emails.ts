import type { Message } from '../mail/index.ts';

/** The messages the accounts capability sends. Plain text: nothing a user typed is HTML. */
export function verifyEmailMessage(to: string, link: string): Message {
  return {
    to,
    subject: 'Confirm your email address for CustomerTrackr',
    text: `Hello,

Please confirm that this is your email address by opening this link within the next hour:

${link}

If you did not create a CustomerTrackr account, you can ignore this message.

— CustomerTrackr
`,
  };
}

export function alreadyRegisteredMessage(to: string, signInLink: string, resetLink: string): Message {
  return {
    to,
    subject: 'Someone tried to register with your address',
    text: `Hello,

Someone (perhaps you) tried to create a CustomerTrackr account with this email address,
but it already has an account. No new account was created and nothing was changed.

To sign in: ${signInLink}
Forgot your password? ${resetLink}

If this was not you, you do not need to do anything.

— CustomerTrackr
`,
  };
}

export function resetPasswordMessage(to: string, link: string): Message {
  return {
    to,
    subject: 'Reset your CustomerTrackr password',
    text: `Hello,

Someone (hopefully you) asked to reset the password of your CustomerTrackr account.
To choose a new password, open this link within the next hour:

${link}

The link works once. Resetting your password signs you out everywhere.
If you did not ask for this, ignore this message: your password stays as it is.

— CustomerTrackr
`,
  };
}

export function setPasswordMessageText(link: string): string {
  return `Open this link within 24 hours to choose your password (it works once):\n${link}`;
}
