/**
 * The fields a share can carry, each with where its value comes from and how it is named to
 * the user ("Where your data went") and in the file's header. Nothing else can leave through a
 * share: no password hash, no token, no session, no account number.
 */
export const SHAREABLE_FIELDS = {
  email: { label: 'Email address', column: 'user.email' },
  display_name: { label: 'Display name', column: 'user.display_name' },
  full_name: { label: 'Full name', column: 'account_profile.full_name' },
  company: { label: 'Company', column: 'account_profile.company' },
  job_title: { label: 'Job title', column: 'account_profile.job_title' },
  phone: { label: 'Phone number', column: 'account_profile.phone' },
} as const;

export type ShareableField = keyof typeof SHAREABLE_FIELDS;

export function isShareableField(value: string): value is ShareableField {
  return Object.hasOwn(SHAREABLE_FIELDS, value);
}

/** The fields in a stable order (the order of SHAREABLE_FIELDS), without repeats. */
export function orderedFields(fields: Iterable<string>): ShareableField[] {
  const wanted = new Set(fields);
  return (Object.keys(SHAREABLE_FIELDS) as ShareableField[]).filter((f) => wanted.has(f));
}

/** A stored JSON array of field names, read back (anything else in it is ignored). */
export function parseFields(json: string): ShareableField[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? orderedFields(value.filter((v): v is string => typeof v === 'string')) : [];
  } catch {
    return [];
  }
}

export function fieldLabels(fields: readonly ShareableField[]): string {
  return fields.map((f) => SHAREABLE_FIELDS[f].label).join(', ');
}
