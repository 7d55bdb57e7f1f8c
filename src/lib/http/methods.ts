/**
 * The answer to a method an on-demand endpoint does not take. Astro answers such a request
 * with its 404 page, as if the address did not exist, and logs a warning for each one; a
 * client is better told which methods the address does take: 405 with `Allow` (which RFC 9110
 * requires on a 405), or for OPTIONS, 204 with the same list.
 *
 * An endpoint exports `onlyTakes(…)` or `onlyReads(GET)` as `ALL`, which Astro calls for every
 * method the endpoint has no handler of its own for, HEAD included: an endpoint that reads
 * passes HEAD on to its GET.
 * (src/server refuses methods the site serves nowhere before Astro sees them.)
 */
export function otherMethod(method: string, takes: readonly string[]): Response {
  if (method === 'OPTIONS') {
    const allow = takes.includes('OPTIONS') ? takes : [...takes, 'OPTIONS'];
    return new Response(null, { status: 204, headers: { Allow: allow.join(', '), 'Cache-Control': 'no-store' } });
  }
  return new Response(`This address takes ${takes.filter((m) => m !== 'OPTIONS').join(' or ')} requests, not ${method}.\n`, {
    status: 405,
    headers: { Allow: takes.join(', '), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}

/** An endpoint's `ALL` when it takes only `takes` (POST, for a form's target). */
export const onlyTakes =
  (takes: readonly string[]) =>
  ({ request }: { request: Request }) =>
    otherMethod(request.method, takes);

/** An endpoint's `ALL` when it only reads: HEAD is answered by its `get`, the rest refused. */
export const onlyReads =
  <Context extends { request: Request }>(get: (context: Context) => Response | Promise<Response>) =>
  (context: Context) =>
    context.request.method === 'HEAD' ? get(context) : otherMethod(context.request.method, ['GET', 'HEAD', 'OPTIONS']);
