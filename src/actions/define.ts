import { ActionError, defineAction as defineAstroAction, type ActionAPIContext } from 'astro:actions';
import { isDatabaseUnavailable } from '../lib/db/index.ts';
import { reportUnavailable, UNAVAILABLE_MESSAGE } from '../lib/http/unavailable.ts';

/**
 * Astro's defineAction, for every action of the site (ESLint refuses the original elsewhere in
 * src/actions). Astro answers any error an action throws with INTERNAL_SERVER_ERROR (500)
 * carrying the error's own message, which for a database that went away is the server's
 * address ("connect ECONNREFUSED 127.0.0.1:5432"), and the middleware never sees the error.
 * This turns those into SERVICE_UNAVAILABLE with a message for people: a form's page renders
 * it with status 503 (ActionErrorAlert), `/_actions/…` answers it as JSON, and the middleware
 * adds Retry-After to both (src/lib/http/unavailable.ts).
 */
export const defineAction: typeof defineAstroAction = ({ handler, ...rest }) => {
  // The handler's type depends on the input schema; it is called here with what Astro gives.
  const run = handler as (input: unknown, context: ActionAPIContext) => unknown;
  const guarded = async (input: unknown, context: ActionAPIContext) => {
    try {
      return await run(input, context);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      reportUnavailable(`action ${context.url.pathname} answered 503`, error);
      throw new ActionError({ code: 'SERVICE_UNAVAILABLE', message: UNAVAILABLE_MESSAGE });
    }
  };
  return defineAstroAction({ ...rest, handler: guarded as typeof handler });
};
