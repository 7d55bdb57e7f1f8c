/** The values the announcement form shows: what was typed, or the stored announcement. */
export interface AnnouncementValues {
  text?: string | undefined;
  level?: string | undefined;
  audience?: string | undefined;
  linkUrl?: string | undefined;
  linkText?: string | undefined;
  dismissible?: boolean | undefined;
  startsAt?: string | undefined;
  endsAt?: string | undefined;
}

/** The announcement form's fields, as `submittedValues` reads them back after a refused submission. */
export const ANNOUNCEMENT_FORM_FIELDS = ['text', 'level', 'audience', 'linkUrl', 'linkText', 'dismissible', 'startsAt', 'endsAt'] as const;

/** What the editor typed, for showing the form again (an unticked checkbox sends nothing). */
export function formValues(typed: Partial<Record<(typeof ANNOUNCEMENT_FORM_FIELDS)[number], string>>): AnnouncementValues {
  return { ...typed, dismissible: typed.dismissible !== undefined };
}
