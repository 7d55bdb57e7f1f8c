/**
 * POST /account/export.json: "Download my data". A read, but personal and rate-limited, so it
 * answers a POST from a form button (under the middleware's origin check, like every POST)
 * rather than a GET that a link, a prefetch or a crawler could trigger. The file is built from
 * the personal-data registry (src/lib/accounts/registry.ts); its format is in
 * docs/data-export.md.
 */
import type { APIRoute } from 'astro';
import { onlyTakes } from '../../lib/http/methods.ts';
import { accountPageInfo, donePath } from '../../components/account/page-state.ts';
import { exportAccount, exportFileName, exportRateLimitKey, recordGpcSignal, sendsGpc } from '../../lib/accounts/index.ts';
import { config } from '../../lib/config/index.ts';
import { database } from '../../lib/db/index.ts';
import { hit, LIMITS } from '../../lib/rate-limit/index.ts';

export const prerender = false;

function wantsHtml(request: Request): boolean {
  return (request.headers.get('accept') ?? '').includes('text/html');
}

/** Where the download form is (the old /account and /account/basic forms send people there too). */
const DATA_PAGE = accountPageInfo('data').path;

export const POST: APIRoute = async ({ locals, request, redirect }) => {
  const user = locals.user;
  if (!user) {
    if (wantsHtml(request)) return redirect(`/login?next=${encodeURIComponent(DATA_PAGE)}`, 303);
    return Response.json({ error: 'Please sign in first.' }, { status: 401, headers: { 'Cache-Control': 'private, no-store' } });
  }
  const { db } = await database();
  // A state-changing request carrying Global Privacy Control records the opt-out first, so
  // that the export shows it (docs/decisions/0005-gpc.md).
  if (sendsGpc(request.headers)) await recordGpcSignal(db, user.id);

  const decision = await hit(db, LIMITS.exportPerAccount, exportRateLimitKey(user.id));
  if (!decision.allowed) {
    const retryAfter = String(decision.retryAfterSeconds);
    if (wantsHtml(request)) {
      return new Response(null, {
        status: 303,
        headers: {
          Location: donePath('export-limited'),
          'Retry-After': retryAfter,
          'Cache-Control': 'private, no-store',
        },
      });
    }
    return Response.json(
      { error: 'Too many downloads. Please try again later.' },
      { status: 429, headers: { 'Retry-After': retryAfter, 'Cache-Control': 'private, no-store' } },
    );
  }

  const now = new Date();
  const data = await exportAccount(db, user.id, config().siteUrl, now);
  if (!data)
    return Response.json({ error: 'This account no longer exists.' }, { status: 404, headers: { 'Cache-Control': 'private, no-store' } });
  return new Response(`${JSON.stringify(data, null, 2)}\n`, {
    status: 200,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="${exportFileName(now)}"`,
      'Cache-Control': 'private, no-store',
    },
  });
};

/** A GET changes nothing and reveals nothing: the download is a POST. */
export const GET: APIRoute = () =>
  new Response('Use the "Download my data" button on /account.\n', {
    status: 405,
    headers: { Allow: 'POST', 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
  });

/** Any other method (OPTIONS, HEAD): which ones this address takes. */
export const ALL: APIRoute = onlyTakes(['POST']);
