import type { APIRoute } from 'astro';
import { onlyTakes } from '../../lib/http/methods.ts';
import {
  addDismissed,
  dismissCookieName,
  dismissCookieOptions,
  isDismissToken,
  parseDismissed,
  serializeDismissed,
} from '../../lib/announcements/index.ts';
import { config } from '../../lib/config/index.ts';
import { safeNextPath } from '../../lib/http/forms.ts';

export const prerender = false;

/**
 * POST /announcements/dismiss: the Dismiss button of a banner. Adds the banner's token
 * (announcement and revision) to the reader's dismiss cookie, then returns to the page the
 * form was on (303), or answers JSON when public/js/announcements.js sent it with
 * `Accept: application/json`.
 * Cross-site posts are refused by the middleware, like every state change.
 */
export const POST: APIRoute = async ({ request, cookies, redirect }) => {
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return problem('Send the form of a banner’s Dismiss button.');
  }
  const token = form.get('token');
  if (!isDismissToken(token)) return problem('That is not an announcement that can be dismissed.');

  const { siteUrl } = config();
  const name = dismissCookieName(siteUrl);
  const tokens = addDismissed(parseDismissed(cookies.get(name)?.value), token);
  cookies.set(name, serializeDismissed(tokens), dismissCookieOptions(siteUrl));

  if (request.headers.get('accept')?.includes('application/json')) {
    return Response.json({ dismissed: token }, { headers: { 'Cache-Control': 'no-store' } });
  }
  return redirect(backTo(request.headers.get('referer')), 303);
};

/**
 * The page the form was on, from the Referer of the post (the site's Referrer-Policy sends
 * it in full for same-origin requests). Only its path is used, so the redirect never leaves
 * the site; without one, the home page.
 */
function backTo(referer: string | null): string {
  if (!referer || !URL.canParse(referer)) return '/';
  const url = new URL(referer);
  return safeNextPath(url.pathname + url.search) ?? '/';
}

function problem(message: string): Response {
  return new Response(`${message}\n`, {
    status: 400,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}

/** Any other method (OPTIONS, HEAD): which ones this address takes. */
export const ALL: APIRoute = onlyTakes(['POST']);
