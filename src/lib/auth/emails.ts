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

/**
 * To the owner of an address whose unverified account an operator took over for them
 * (`npm run user -- add`): someone else may have registered it.
 */
export function accountTakenOverMessage(to: string, signInLink: string, forgotLink: string): Message {
  return {
    to,
    subject: 'Your CustomerTrackr account was set up by our staff',
    text: `Hello,

An account with this email address had been registered on CustomerTrackr, but the address was
never confirmed. Our staff have now set the account up for you: its password was replaced,
everyone signed in to it was signed out, and any links sent for it no longer work.

If you were given a link or a password by our staff, use it to sign in: ${signInLink}
Otherwise, choose a password here: ${forgotLink}

If you did not register this account yourself, someone else did with your address; they can
no longer use it.

— CustomerTrackr
`,
  };
}
