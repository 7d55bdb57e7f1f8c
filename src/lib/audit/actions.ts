import { DATA_FIELDS, isDataField } from '../accounts/history.ts';

/**
 * What an audit entry can say was done, with the words shown to admins (/admin/audit) and to
 * the account holder (/account, "Staff access"). The holder's words never name the staff member.
 */
export const AUDIT_ACTIONS = {
  'account.search': {
    staff: 'Found in a search',
    user: 'Your account was listed in a search by our support team, with your email address masked.',
  },
  'account.view': {
    staff: 'Viewed the account record',
    user: 'Our support team opened your account record, with your personal details masked.',
  },
  'account.reveal': {
    staff: 'Revealed a field',
    user: 'Our support team revealed a masked detail of your account.',
  },
  'account.end-sessions': {
    staff: 'Ended every session',
    user: 'Our support team signed you out of every browser.',
  },
  'account.resend-verification': {
    staff: 'Resent the address confirmation email',
    user: 'Our support team sent you a new link to confirm your email address.',
  },
  'deletion-request.record': {
    staff: 'Recorded a deletion request',
    user: 'Our support team recorded your request to delete your account and emailed you a link to confirm it.',
  },
  'deletion-request.resend': {
    staff: 'Resent the deletion confirmation link',
    user: 'Our support team sent you a new link to confirm the deletion of your account.',
  },
  'deletion-request.cancel': {
    staff: 'Cancelled a deletion request',
    user: 'Our support team cancelled a request to delete your account.',
  },
  'account.delete': {
    staff: 'Deleted the account',
    user: 'Your account was deleted.',
  },
  'role.grant': {
    staff: 'Granted a role',
    user: 'An administrator gave your account a staff role.',
  },
  'role.revoke': {
    staff: 'Revoked a role',
    user: 'An administrator took a staff role away from your account.',
  },
  'recipient.add': {
    staff: 'Added a recipient to the public register',
    user: 'A recipient of personal data was added to the public register.',
  },
  'recipient.edit': {
    staff: 'Changed a recipient in the public register',
    user: 'A recipient in the public register was changed.',
  },
  'recipient.remove': {
    staff: 'Removed a recipient from the public register',
    user: 'A recipient was removed from the public register.',
  },
  'purpose.propose': {
    staff: 'Proposed a sharing purpose (notice period started)',
    user: 'A new purpose for sharing was proposed, and everyone is being told before it starts.',
  },
  'share.run': {
    staff: 'Ran a share with a third party',
    user: 'Data was shared with a third party, leaving out everyone who had opted out.',
  },
  'disclosure.record': {
    staff: 'Recorded a legal or fraud disclosure',
    user: 'Information about your account was disclosed to an authority or for fraud prevention.',
  },
} as const satisfies Record<string, { staff: string; user: string }>;

export type AuditAction = keyof typeof AUDIT_ACTIONS;

export function isAuditAction(value: string): value is AuditAction {
  return Object.hasOwn(AUDIT_ACTIONS, value);
}

/**
 * The names an entry may give for "the fields involved": the personal-data fields staff can
 * see, and `role:<role>` for role changes. Names only, never values: recordAudit refuses
 * anything else, so a value cannot slip into the log through this column.
 */
const FIELD_NAME = /^(?:[a-z_]{1,40}|role:(?:support|editor|admin))$/;

export function isAuditFieldName(value: string): boolean {
  return FIELD_NAME.test(value) && (value.startsWith('role:') || isDataField(value));
}

/** "Email address", "Phone number", "role: admin": how a field name is shown. */
export function fieldLabel(name: string): string {
  if (name.startsWith('role:')) return `the ${name.slice(5)} role`;
  return isDataField(name) ? DATA_FIELDS[name] : name;
}
