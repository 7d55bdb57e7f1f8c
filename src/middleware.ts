import type { APIContext, MiddlewareNext } from 'astro';
import { defineMiddleware } from 'astro:middleware';
import { sessionCookie, signedInHintCookie, validateSessionToken } from './lib/auth/sessions.ts';
import { config } from './lib/config/index.ts';
import { database, isDatabaseUnavailable } from './lib/db/index.ts';
import { CROSS_SITE_MESSAGE, isAllowedOrigin } from './lib/http/origin.ts';
import { isServerIsland, renderedPolicy } from './lib/http/security-headers.ts';
import { reportUnavailable, RETRY_AFTER_SECONDS, unavailableResponse } from './lib/http/unavailable.ts';
import { HANDBOOK_PATH, isPersonalDataTool, staffCurrency } from './lib/sharing/staff-currency.ts';

/**
 * Every on-demand request (pages, islands, actions, endpoints) passes here:
 * 1. state-changing requests from other sites are refused;
 * 2. the session cookie is checked and the user put in `locals`;
 * 3. responses that do not say otherwise are private and never stored, since they may
 *    depend on who asked; pages keep the site's own content security policy beside Astro's,
 *    a server island's rendered answer gets a policy of its own, other responses keep
 *    src/server's (src/lib/http/security-headers.ts);
 * 4. the signed-in hint cookie follows the session cookie as the response leaves it (set by a
 *    sign-in, deleted by a sign-out, expired), so prerendered pages can tell at first paint;
 * 5. while the database is unavailable, the answer is 503 with Retry-After, not a 500
 *    (src/lib/http/unavailable.ts), whether the session check here met it or the page, island
 *    or endpoint did (their errors come back through `next()`; actions turn theirs into
 *    SERVICE_UNAVAILABLE themselves: src/actions/define.ts).
 * (Prerendered pages are answered by src/server before Astro is reached.)
 */
export const onRequest = defineMiddleware(async (context, next) => {
  context.locals.user = null;
  context.locals.session = null;
  if (context.isPrerendered) return next();
  try {
    return await handle(context, next);
  } catch (error) {
    // Astro would answer an error thrown here with its empty 500.
    if (!isDatabaseUnavailable(error)) throw error;
    const { pathname } = context.url;
    reportUnavailable(`${context.request.method} ${pathname} answered 503`, error);
    return unavailableResponse(pathname, context.request.headers.get('accept'), context.request.method);
  }
});

async function handle(context: APIContext, next: MiddlewareNext): Promise<Response> {
  const { siteUrl } = config();
  const { request } = context;
  if (
    !isAllowedOrigin(
      request.method,
      { origin: request.headers.get('origin'), secFetchSite: request.headers.get('sec-fetch-site') },
      siteUrl,
    )
  ) {
    return new Response(CROSS_SITE_MESSAGE + '\n', {
      status: 403,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
    });
  }

  // Astro answers an action called with malformed JSON with a 500; it is the caller's error.
  // (Bodies are at most 64 KB here: src/server refuses larger ones before Astro sees them.)
  if (context.url.pathname.startsWith('/_actions/') && request.headers.get('content-type')?.includes('json')) {
    try {
      await request.clone().json();
    } catch {
      return new Response(JSON.stringify({ code: 'BAD_REQUEST', message: 'The request body is not valid JSON.' }), {
        status: 400,
        headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
      });
    }
  }

  const cookie = sessionCookie(siteUrl);
  const token = context.cookies.get(cookie.name)?.value;
  let staleSession = false;
  if (token) {
    const { db } = await database();
    const valid = await validateSessionToken(db, token);
    if (valid) {
      context.locals.user = valid.user;
      context.locals.session = valid.session;
    } else {
      staleSession = true;
    }
  }

  // Staff currency: a staff member who has not acknowledged the current handbook and policy
  // within 12 months gets the acknowledgement step instead of any tool showing personal data.
  const user = context.locals.user;
  if (user && user.roles.length > 0 && isPersonalDataTool(context.url.pathname)) {
    const { db } = await database();
    if (!(await staffCurrency(db, user.id)).current) {
      const noStore = { 'Cache-Control': 'private, no-store' };
      if (request.method === 'GET' || request.method === 'HEAD') {
        const next = encodeURIComponent(context.url.pathname + context.url.search);
        return new Response(null, { status: 303, headers: { Location: `${HANDBOOK_PATH}?next=${next}`, ...noStore } });
      }
      return new Response(
        JSON.stringify({
          code: 'FORBIDDEN',
          message: `Please read and acknowledge the current staff handbook and privacy policy first (${HANDBOOK_PATH}).`,
        }),
        { status: 403, headers: { 'Content-Type': 'application/json; charset=utf-8', ...noStore } },
      );
    }
  }

  const hint = signedInHintCookie(siteUrl);
  const hadHint = context.cookies.get(hint.name)?.value === hint.value;

  let response = await next();
  // Astro's island route takes GET and POST, and answers any other method 405 without saying so.
  if (response.status === 405 && isServerIsland(context.url.pathname) && !response.headers.has('Allow'))
    response = withHeaders(response, { Allow: 'GET, POST' });
  // A 503 says when to come back, and is never stored: a form action refused with
  // SERVICE_UNAVAILABLE renders its page with that status (ActionErrorAlert), /_actions/ calls
  // answer it as JSON.
  if (response.status === 503 && !response.headers.has('Retry-After'))
    response = withHeaders(response, { 'Retry-After': String(RETRY_AFTER_SECONDS), 'Cache-Control': 'no-store' });
  const policy = response.headers.get('Content-Security-Policy');
  // Astro sets no policy for an island's answer (src/integrations/island-page-policy): a
  // rendered one gets its own here. Its refusals keep src/server's: Astro answers an unknown
  // island with the site's 404 page, which needs the site's styles and scripts.
  const island = isServerIsland(context.url.pathname) && response.ok;
  if (policy !== null || island) {
    const headers: Record<string, string> = { 'Content-Security-Policy': renderedPolicy(island, policy) };
    // Astro names no charset for an island's HTML; a reader opening one by itself gets the right one.
    if (island && response.headers.get('Content-Type') === 'text/html') headers['Content-Type'] = 'text/html; charset=utf-8';
    response = withHeaders(response, headers);
  }
  // A response shared caches may store never sets a cookie: a cached Set-Cookie would be
  // handed to everyone. The stale session cookie is then deleted by the next private response.
  if (isPublic(response)) return response;
  if (staleSession) context.cookies.delete(cookie.name, cookie.options);
  // The session cookie as this response leaves it: a new one (sign-in, registration), none
  // (deleted: sign-out, a reset, a deleted account, a stale one), or the valid one it came with.
  const outgoing = context.cookies.get(cookie.name)?.value;
  const signedIn = outgoing !== undefined && (outgoing !== token || context.locals.session !== null);
  if (signedIn && !hadHint) context.cookies.set(hint.name, hint.value, { ...hint.options, maxAge: hint.maxAgeSeconds });
  if (!signedIn && hadHint) context.cookies.delete(hint.name, hint.options);
  const extra: Record<string, string> = {};
  if (!response.headers.has('Cache-Control')) extra['Cache-Control'] = 'private, no-store';
  // An action refused by a rate limit: pages set Retry-After themselves (ActionErrorAlert),
  // calls to /_actions/… get it here.
  const retryAfter = context.locals.retryAfterSeconds;
  if (response.status === 429 && retryAfter && !response.headers.has('Retry-After')) extra['Retry-After'] = String(retryAfter);
  if (Object.keys(extra).length === 0) return response;
  return withHeaders(response, extra);
}

/** `response` with `extra` headers set. */
function withHeaders(response: Response, extra: Record<string, string>): Response {
  try {
    for (const [name, value] of Object.entries(extra)) response.headers.set(name, value);
    return response;
  } catch {
    // Some responses (redirects made with Response.redirect) have immutable headers.
    const headers = new Headers(response.headers);
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}

/** True when the response says shared caches may store it (`Cache-Control: public`). */
function isPublic(response: Response): boolean {
  return /(?:^|[\s,])public(?:$|[\s,])/i.test(response.headers.get('Cache-Control') ?? '');
}
