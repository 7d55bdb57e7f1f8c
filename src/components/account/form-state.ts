/**
 * What the account page hands to an island after a failed submission: the messages for each
 * field and what was typed (never passwords), so the island can show them in place. Plain
 * data: server-island props are serialised (and encrypted) into the page.
 */
export interface FormState {
  fields: Record<string, string[]>;
  values: Record<string, string>;
}

export const EMPTY_STATE: FormState = { fields: {}, values: {} };
