/**
 * The logic of the account area, shared by its pages (docs/decisions/0020-account-area-pages.md):
 * /account (profile), /account/security, /account/privacy and /account/data. Each page is
 * rendered on demand with the signed-in user's data in it; every form posts to an Astro action
 * on the page it is on.
 *
 * A success redirects to the page that owns the form with `?done=` (so reloading never posts
 * again) and the message is shown at the top of that page. A failure renders the owning page
 * with an error summary at the top and the messages next to their fields; what was typed goes
 * back into the form (never passwords). Forms posted to an older address (/account or
 * /account/basic, before the area was split) work the same way and land on the owning page.
 */
import type { AstroGlobal } from 'astro';
import { actions, isInputError, type ActionError } from 'astro:actions';
import { ERROR_FIELDS } from '../../actions/account.ts';
import { PROFILE_FIELDS } from '../../lib/accounts/profile.ts';
import { submittedValues } from '../../lib/http/forms.ts';
import type { FormState } from './form-state.ts';

export type Section =
  'profile' | 'email' | 'password' | 'sessions' | 'sharing' | 'policy' | 'history' | 'staff-access' | 'export' | 'delete';

export type AccountPageId = 'profile' | 'security' | 'privacy' | 'data';

export interface AccountPageInfo {
  id: AccountPageId;
  path: string;
  /** The link in the side navigation. */
  label: string;
  /** The page's heading and title. */
  title: string;
  description: string;
  sections: readonly Section[];
}

/** The pages of the account area, in the order of the side navigation. */
export const ACCOUNT_PAGES: readonly AccountPageInfo[] = [
  {
    id: 'profile',
    path: '/account',
    label: 'Profile',
    title: 'Your profile',
    description: 'What we hold about your account, and your profile details to correct or complete.',
    sections: ['profile'],
  },
  {
    id: 'security',
    path: '/account/security',
    label: 'Sign-in & security',
    title: 'Sign-in & security',
    description: 'The address you sign in with, your password, and the browsers you are signed in on.',
    sections: ['email', 'password', 'sessions'],
  },
  {
    id: 'privacy',
    path: '/account/privacy',
    label: 'Privacy',
    title: 'Privacy',
    description: 'Sharing, the policy versions you agreed to, when our staff accessed your data, and every change to it.',
    sections: ['sharing', 'policy', 'staff-access', 'history'],
  },
  {
    id: 'data',
    path: '/account/data',
    label: 'Your data',
    title: 'Your data',
    description: 'Download everything we hold about you, or delete your account.',
    sections: ['export', 'delete'],
  },
];

/** The page that holds `section`. */
export function pageOf(section: Section): AccountPageInfo {
  return ACCOUNT_PAGES.find((p) => p.sections.includes(section))!;
}

export function accountPageInfo(id: AccountPageId): AccountPageInfo {
  return ACCOUNT_PAGES.find((p) => p.id === id)!;
}

/** The notices shown after a submission, keyed by `?done=` (a redirect never carries free text). */
const DONE: Record<string, { section: Section; message: string; kind?: 'error' }> = {
  profile: { section: 'profile', message: 'Your profile was saved. The change is listed in your history.' },
  'profile-unchanged': { section: 'profile', message: 'Nothing changed: your profile already said this.' },
  'email-sent': {
    section: 'email',
    message: 'We sent a confirmation link to the new address. Your address changes when you open it, within an hour.',
  },
  'email-cancelled': { section: 'email', message: 'The change of address was cancelled: the link we sent no longer works.' },
  'verification-sent': { section: 'email', message: 'We sent a new confirmation link to your address.' },
  password: { section: 'password', message: 'Your password was changed. We sent a message to your address to let you know.' },
  'password-others': { section: 'password', message: 'Your password was changed and every other session was signed out.' },
  session: { section: 'sessions', message: 'That session was signed out.' },
  sessions: { section: 'sessions', message: 'Every other session was signed out.' },
  'sharing-changed': { section: 'sharing', message: 'Your choice was saved and applies from now on.' },
  'sharing-unchanged': { section: 'sharing', message: 'Your choice was already recorded.' },
  'purpose-refused': { section: 'sharing', message: 'You are left out of that purpose: nothing about you will be shared for it.' },
  'sharing-refused-gpc': {
    section: 'sharing',
    message: 'Your browser sends Global Privacy Control, so sharing stays off. To allow it, turn GPC off in your browser first.',
  },
  policy: { section: 'policy', message: 'Thank you: we recorded that you have read the new version.' },
  'export-limited': {
    section: 'export',
    kind: 'error',
    message:
      'You have downloaded your data several times in the last hour: to protect your account, downloads are paused for a while. Please try again later.',
  },
};

/** Where a `?done=` notice is shown: the page of its section, with the key. */
export function donePath(key: string): string {
  const section = DONE[key]?.section;
  return `${section ? pageOf(section).path : '/account'}?done=${encodeURIComponent(key)}`;
}

/** The message at the top of the page after a submission. */
export interface PageAlert {
  /** The form that failed, with its error (its field messages are shown by the form too). */
  error?: ActionError | undefined;
  /** Field messages, by field name, for the error summary's links. */
  fields?: Record<string, string[]> | undefined;
  success?: string | undefined;
  failure?: string | undefined;
}

export interface AccountView {
  page: AccountPageInfo;
  alert: PageAlert;
  /** What a failed form hands back to itself: field messages and what was typed. */
  states: Partial<Record<Section, FormState>>;
}

export type AccountOutcome = { redirect: string } | { view: AccountView };

type Form = {
  section: Section;
  result: { data?: unknown; error?: ActionError } | undefined;
  done: (data: never) => string;
  keep?: readonly string[];
  codes?: Partial<Record<string, string>>;
};

/**
 * Runs the outcome of a form posted to `route` (any page of the area, or the old /account/basic)
 * and says what to answer: a redirect, or the page to render with its message.
 */
export async function accountPage(Astro: AstroGlobal, route: AccountPageInfo | 'basic'): Promise<AccountOutcome> {
  // A successful deletion ends the session within this request: leave before anything else.
  const deletion = Astro.getActionResult(actions.account.deleteAccount);
  if (deletion?.data) return { redirect: '/account/deleted' };
  const routePath = route === 'basic' ? '/account/basic' : route.path;
  if (!Astro.locals.user) return { redirect: `/login?next=${encodeURIComponent(routePath)}` };

  const forms: Form[] = [
    {
      section: 'profile',
      result: Astro.getActionResult(actions.account.updateProfile),
      keep: PROFILE_FIELDS,
      done: (d: { changed: string[] }) => (d.changed.length > 0 ? 'profile' : 'profile-unchanged'),
    },
    {
      section: 'email',
      result: Astro.getActionResult(actions.account.changeEmail),
      keep: ['newEmail'],
      done: () => 'email-sent',
      codes: ERROR_FIELDS.changeEmail,
    },
    { section: 'email', result: Astro.getActionResult(actions.account.cancelEmailChange), done: () => 'email-cancelled' },
    { section: 'email', result: Astro.getActionResult(actions.auth.resendVerification), done: () => 'verification-sent' },
    {
      section: 'password',
      result: Astro.getActionResult(actions.account.changePassword),
      done: (d: { signedOut: number }) => (d.signedOut > 0 ? 'password-others' : 'password'),
      codes: ERROR_FIELDS.changePassword,
    },
    {
      section: 'sessions',
      result: Astro.getActionResult(actions.account.revokeSession),
      done: (d: { signedOut: boolean }) => (d.signedOut ? 'signed-out' : 'session'),
    },
    { section: 'sessions', result: Astro.getActionResult(actions.account.revokeOtherSessions), done: () => 'sessions' },
    {
      section: 'sharing',
      result: Astro.getActionResult(actions.account.setSharing),
      done: (d: { outcome: string }) => `sharing-${d.outcome}`,
    },
    { section: 'delete', result: deletion, keep: ['confirmation'], done: () => 'deleted', codes: ERROR_FIELDS.deleteAccount },
  ];

  for (const form of forms) {
    const { result } = form;
    if (!result) continue;
    if (result.data !== undefined) {
      const key = (form.done as (d: unknown) => string)(result.data);
      if (key === 'signed-out') return { redirect: '/?signed-out' };
      return { redirect: donePath(key) };
    }
    if (!result.error) continue;
    const { error } = result;
    const mapped = form.codes?.[error.code];
    const fields: Record<string, string[]> = {};
    if (isInputError(error)) {
      for (const [name, messages] of Object.entries(error.fields)) if (messages) fields[name] = messages;
    } else if (mapped) {
      fields[mapped] = [error.message];
    }
    const values = form.keep ? ((await submittedValues(Astro.request, form.keep)) as Record<string, string>) : {};
    // The page that holds the form, whichever address it was posted to.
    return { view: { page: pageOf(form.section), alert: { error, fields }, states: { [form.section]: { fields, values } } } };
  }

  const doneKey = Astro.url.searchParams.get('done') ?? '';
  const done = DONE[doneKey];
  // Addresses from before the split: /account/basic and /account?done=<a section elsewhere>.
  if (route === 'basic') return { redirect: done ? donePath(doneKey) : '/account' };
  if (done && pageOf(done.section) !== route) return { redirect: donePath(doneKey) };
  const alert: PageAlert = done ? (done.kind === 'error' ? { failure: done.message } : { success: done.message }) : {};
  return { view: { page: route, alert, states: {} } };
}
