import type { APIRoute } from 'astro';
import { onlyReads } from '../../lib/http/methods.ts';
import { database } from '../../lib/db/index.ts';
import { adminAccess, signInPath } from '../../lib/staff/sections.ts';
import { parseDayRange, statisticsCsv } from '../../lib/views/index.ts';

export const prerender = false;

/**
 * /admin/stats.csv?from=&to= — the statistics of /admin/stats as CSV (one `site` row and
 * one `page` row per page for each day). Editors and admins only, like the page.
 */
export const GET: APIRoute = async ({ locals, url, redirect }) => {
  const access = adminAccess(locals.user, 'stats');
  if (access === 'unauthenticated') return redirect(signInPath(url), 303);
  const text = (status: number, message: string) =>
    new Response(`${message}\n`, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  if (access === 'forbidden') return text(403, 'Your account does not have a role that allows the visitor statistics.');
  const parsed = parseDayRange(url.searchParams.get('from'), url.searchParams.get('to'));
  if (!parsed.ok) return text(400, parsed.message);
  const { from, to } = parsed.range;
  const csv = await statisticsCsv((await database()).db, parsed.range);
  return new Response(csv, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8; header=present',
      'Content-Disposition': `attachment; filename="customertrackr-views-${from}-to-${to}.csv"`,
    },
  });
};

/** Any other method: 405 naming the ones this address takes (HEAD is answered by GET). */
export const ALL: APIRoute = onlyReads(GET);
