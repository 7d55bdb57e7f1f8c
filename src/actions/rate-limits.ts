import { ActionError, type ActionAPIContext } from 'astro:actions';
import { database } from '../lib/db/index.ts';
import { hitAll, type Limit, type RateDecision } from '../lib/rate-limit/index.ts';

/**
 * Counts an attempt against rate limits; over a limit, refuses with 429. The wait goes to
 * `locals` for the Retry-After header (pages: ActionErrorAlert; /_actions/…: the middleware).
 */
export async function limit(context: ActionAPIContext, checks: [Limit, string][], message = TOO_MANY) {
  const { db } = await database();
  refuseOver(context, await hitAll(db, checks), message);
}

const TOO_MANY = 'Too many attempts. Please wait a little and try again.';

/** Refuses with 429 when `decision` (from a limit counted already) says no. */
export function refuseOver(context: ActionAPIContext, decision: RateDecision, message = TOO_MANY) {
  if (!decision.allowed) {
    context.locals.retryAfterSeconds = decision.retryAfterSeconds;
    throw new ActionError({ code: 'TOO_MANY_REQUESTS', message });
  }
}

/**
 * A problem with one field found by the handler rather than the input schema (a check too
 * costly to run before the rate limits): answered exactly like a schema error (400, and
 * `isInputError` on the page, with the message at the field).
 */
export class FieldError extends ActionError {
  override type = 'AstroActionInputError';
  issues: { code: 'custom'; path: string[]; message: string; input: unknown }[];
  fields: Record<string, string[]>;
  constructor(field: string, message: string) {
    super({ code: 'BAD_REQUEST', message });
    this.issues = [{ code: 'custom', path: [field], message, input: undefined }];
    this.fields = { [field]: [message] };
  }
}
