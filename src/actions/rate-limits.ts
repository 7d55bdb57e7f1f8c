import { ActionError, type ActionAPIContext } from 'astro:actions';
import { database } from '../lib/db/index.ts';
import { hitAll, type Limit } from '../lib/rate-limit/index.ts';

/**
 * Counts an attempt against rate limits; over a limit, refuses with 429. The wait goes to
 * `locals` for the Retry-After header (pages: ActionErrorAlert; /_actions/…: the middleware).
 */
export async function limit(context: ActionAPIContext, checks: [Limit, string][], message = 'Too many attempts. Please wait a little and try again.') {
  const { db } = await database();
  const decision = await hitAll(db, checks);
  if (!decision.allowed) {
    context.locals.retryAfterSeconds = decision.retryAfterSeconds;
    throw new ActionError({ code: 'TOO_MANY_REQUESTS', message });
  }
}
