/**
 * The site's answer while its database is unavailable (src/lib/db: isDatabaseUnavailable):
 * 503 with Retry-After and a short message, never a 500. A database restart or failover is
 * an outage of seconds: clients that retry (the view beacon, fetch with Retry-After, a reader
 * pressing reload) get through once it is over, and nginx passes the 503 on instead of
 * counting the app server as failed (src/cli/nginx/site-config.ts).
 *
 * Used by the middleware (pages, islands, actions, endpoints), the view API and the server's
 * last-resort handler (src/server), which answer in different shapes of the same thing.
 */

/** Seconds a client is asked to wait before trying again: about what a restart takes. */
export const RETRY_AFTER_SECONDS = 5;

// Says what the reader needs (wait, then try again) and nothing of the cause: the same words
// whether the server is down, restarting or refusing writes (a read-only standby).
export const UNAVAILABLE_MESSAGE = 'The database behind this site is unavailable just now. Please try again in a few seconds.';

/**
 * The shape of the answer: an HTML page for a browser asking for a page, JSON for actions
 * (Astro's ActionError, so `astro:actions` callers get code SERVICE_UNAVAILABLE) and the APIs,
 * plain text for the rest (server islands keep their fallback on any answer but 200).
 */
export type UnavailableShape = 'html' | 'action' | 'json' | 'text';

export function unavailableShape(path: string, accept: string | null | undefined): UnavailableShape {
  if (path.startsWith('/_actions/')) return 'action';
  if (path.startsWith('/api/') || path.endsWith('.json')) return 'json';
  if (path.startsWith('/_server-islands/')) return 'text';
  return /\btext\/html\b/i.test(accept ?? '') ? 'html' : 'text';
}

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex">
<title>Back in a moment · CustomerTrackr</title>
<style>body{font-family:system-ui,sans-serif;line-height:1.5;max-width:36rem;margin:4rem auto;padding:0 1rem}</style>
</head>
<body>
<main>
<h1>Back in a moment</h1>
<p>${UNAVAILABLE_MESSAGE}</p>
<p>If you were sending a form, please send it again in a moment.</p>
<p><a href="/">CustomerTrackr home page</a></p>
</main>
</body>
</html>
`;

export interface UnavailableAnswer {
  status: 503;
  headers: Record<string, string>;
  body: string;
}

/** The 503 in `shape`. Never stored by a cache. */
export function unavailableAnswer(shape: UnavailableShape): UnavailableAnswer {
  const headers = { 'Retry-After': String(RETRY_AFTER_SECONDS), 'Cache-Control': 'no-store' };
  switch (shape) {
    case 'html':
      return { status: 503, headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' }, body: PAGE };
    case 'action':
      return {
        status: 503,
        headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ type: 'AstroActionError', code: 'SERVICE_UNAVAILABLE', status: 503, message: UNAVAILABLE_MESSAGE }),
      };
    case 'json':
      return {
        status: 503,
        headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ error: UNAVAILABLE_MESSAGE }),
      };
    case 'text':
      return { status: 503, headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }, body: `${UNAVAILABLE_MESSAGE}\n` };
  }
}

/** The same as a web Response (the middleware's). */
export function unavailableResponse(path: string, accept: string | null | undefined, method = 'GET'): Response {
  const { status, headers, body } = unavailableAnswer(unavailableShape(path, accept));
  return new Response(method === 'HEAD' ? null : body, { status, headers });
}

/** How often a process reports that its database is unavailable: an outage is one story, not a line per request. */
const REPORT_EVERY_MS = 10_000;
let lastReport = 0;
let unreported = 0;

/**
 * Logs that a request met an unavailable database (`what`: what it did about it): the first
 * time, then at most once per REPORT_EVERY_MS with a count.
 */
export function reportUnavailable(what: string, error: unknown, now = Date.now()): void {
  if (now - lastReport < REPORT_EVERY_MS) {
    unreported += 1;
    return;
  }
  const reason = error instanceof Error ? error.message || error.name : String(error);
  const more = unreported > 0 ? ` (and ${unreported} more requests since the last report)` : '';
  console.error(`database unavailable: ${what}: ${reason}${more}`);
  lastReport = now;
  unreported = 0;
}
