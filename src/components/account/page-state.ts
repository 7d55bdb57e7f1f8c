/**
 * The logic of the account page, shared by its two routes: /account (personal parts as
 * server islands) and /account/basic (the same parts rendered into the page, for browsers
 * without JavaScript; docs/decisions/0009-account-page-islands.md).
 *
 * Forms post to Astro actions on the page they are on. A success redirects back with
 * `?done=` (so reloading never posts again); a failure is rendered with its messages, and
 * what was typed goes to the island concerned.
 */
import type { AstroGlobal } from 'astro';
import { actions, isInputError, type ActionError } from 'astro:actions';
import { ERROR_FIELDS } from '../../actions/account.ts';
import { PROFILE_FIELDS } from '../../lib/accounts/profile.ts';
import { submittedValues } from '../../lib/http/forms.ts';
import type { FormState } from './form-state.ts';

export type Section = 'profile' | 'email' | 'password' | 'sessions' | 'sharing' | 'policy' | 'history' | 'export' | 'delete';

export const SECTIONS: { id: Section; title: string }[] = [
  { id: 'profile', title: 'Profile' },
  { id: 'email', title: 'Email address' },
  { id: 'password', title: 'Password' },
  { id: 'sessions', title: 'Sessions' },
  { id: 'sharing', title: 'Sharing' },
  { id: 'policy', title: 'Privacy policy' },
  { id: 'history', title: 'History of changes' },
  { id: 'export', title: 'Download your data' },
  { id: 'delete', title: 'Delete your account' },
];

/** The notices shown after a successful submission, keyed by `?done=`. */
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

export interface SectionAlertProps {
  error: ActionError | undefined;
  fieldError: boolean;
  success: string | undefined;
  failure: string | undefined;
}

export interface AccountView {
  /** The path of this route: /account or /account/basic. */
  path: string;
  alerts: Record<Section, SectionAlertProps>;
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

export async function accountPage(Astro: AstroGlobal, path: string): Promise<AccountOutcome> {
  // A successful deletion ends the session within this request: leave before anything else.
  const deletion = Astro.getActionResult(actions.account.deleteAccount);
  if (deletion?.data) return { redirect: '/account/deleted' };
  if (!Astro.locals.user) return { redirect: `/login?next=${encodeURIComponent(path)}` };

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

  let failed: { section: Section; error: ActionError; fieldError: boolean; state: FormState } | undefined;
  for (const form of forms) {
    const { result } = form;
    if (!result) continue;
    if (result.data !== undefined) {
      const key = (form.done as (d: unknown) => string)(result.data);
      if (key === 'signed-out') return { redirect: '/?signed-out' };
      return { redirect: `${path}?done=${key}#${DONE[key]?.section ?? form.section}` };
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
    failed = { section: form.section, error, fieldError: mapped !== undefined, state: { fields, values } };
  }

  const done = failed ? undefined : DONE[Astro.url.searchParams.get('done') ?? ''];
  const alerts = Object.fromEntries(
    SECTIONS.map(({ id }) => [
      id,
      {
        error: failed?.section === id ? failed.error : undefined,
        fieldError: failed?.section === id && failed.fieldError,
        success: done?.section === id && done.kind !== 'error' ? done.message : undefined,
        failure: done?.section === id && done.kind === 'error' ? done.message : undefined,
      },
    ]),
  ) as Record<Section, SectionAlertProps>;
  const states: Partial<Record<Section, FormState>> = failed ? { [failed.section]: failed.state } : {};
  return { view: { path, alerts, states } };
}
