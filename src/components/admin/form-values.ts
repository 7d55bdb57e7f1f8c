import type { AnnouncementForm } from '../../lib/announcements/rules.ts';

/** The announcement form's fields, as `submittedValues` reads them back after a refused submission. */
export const ANNOUNCEMENT_FORM_FIELDS = ['text', 'level', 'audience', 'linkUrl', 'linkText', 'dismissible', 'startsAt', 'endsAt'] as const;

/** What the editor typed, for showing the form again (an unticked checkbox sends nothing). */
export function formValues(typed: Partial<Record<(typeof ANNOUNCEMENT_FORM_FIELDS)[number], string>>): AnnouncementForm {
  return { ...typed, dismissible: typed.dismissible !== undefined };
}
