/**
 * POST /admin/sharing/share: run a share (src/lib/sharing/shares.ts) and hand the file to the
 * admin as a download. The file is never stored: what is kept is the share's summary and one
 * disclosure record per account in it, written in the transaction that built the file.
 *
 * Admins only (the `sharing` section). A form in a browser gets its refusal back on the
 * purpose's page (303 with `refused=`); any other client gets the status and a JSON message.
 */
import type { APIRoute } from 'astro';
import { onlyTakes } from '../../../lib/http/methods.ts';
import { database } from '../../../lib/db/index.ts';
import { hit, type Limit } from '../../../lib/rate-limit/index.ts';
import { checkShareForm, runShare, SHARE_REFUSALS, type ShareRefusal } from '../../../lib/sharing/index.ts';
import { staffActor } from '../../../lib/staff/lookup.ts';
import { adminAccess } from '../../../lib/staff/sections.ts';

export const prerender = false;

/** Each share reads every account: at most 20 an hour per admin. */
const SHARE_LIMIT: Limit = { bucket: 'share:admin', max: 20, windowMs: 60 * 60_000 };
const NO_STORE = { 'Cache-Control': 'private, no-store' };

function wantsHtml(request: Request): boolean {
  return (request.headers.get('accept') ?? '').includes('text/html');
}

export const GET: APIRoute = () =>
  new Response('Use the form on the purpose’s page.\n', { status: 405, headers: { Allow: 'POST', ...NO_STORE } });

export const POST: APIRoute = async (context) => {
  const { locals, request } = context;
  const access = adminAccess(locals.user, 'sharing');
  if (access === 'unauthenticated') return Response.json({ error: 'Please sign in first.' }, { status: 401, headers: NO_STORE });
  if (access === 'forbidden')
    return Response.json({ error: 'Your account does not have a role that allows this.' }, { status: 403, headers: NO_STORE });

  let data: FormData;
  try {
    data = await request.formData();
  } catch {
    data = new FormData();
  }
  const value = (name: string) => {
    const v = data.get(name);
    return typeof v === 'string' ? v.slice(0, 100) : undefined;
  };
  const purposeId = value('purposeId');
  const refuse = (problem: ShareRefusal, retryAfter?: number) => {
    const { status, message } = SHARE_REFUSALS[problem];
    const headers: Record<string, string> = { ...NO_STORE, ...(retryAfter ? { 'Retry-After': String(retryAfter) } : {}) };
    if (wantsHtml(request) && purposeId && /^[1-9]\d{0,11}$/.test(purposeId))
      return new Response(null, {
        status: 303,
        headers: { ...headers, Location: `/admin/sharing/purposes/${purposeId}?refused=${problem}#share-title` },
      });
    return Response.json({ error: message, problem }, { status, headers });
  };

  const form = checkShareForm({
    purposeId,
    fields: data
      .getAll('fields')
      .slice(0, 20)
      .map((f) => String(f).slice(0, 40)),
    format: value('format'),
    registeredFrom: value('registeredFrom'),
    withCompany: value('withCompany'),
  });
  if (!form.ok) return refuse('form');
  const { db } = await database();
  const user = locals.user!;
  const decision = await hit(db, SHARE_LIMIT, `user:${user.id}`);
  if (!decision.allowed) return refuse('too-many', decision.retryAfterSeconds);
  const outcome = await runShare(db, staffActor(user.id, context), form.value);
  if (!outcome.ok) return refuse(outcome.problem);
  return new Response(outcome.body, {
    headers: {
      ...NO_STORE,
      'Content-Type': outcome.contentType,
      'Content-Disposition': `attachment; filename="${outcome.filename}"`,
      'X-Share-Included': String(outcome.included),
      'X-Share-Excluded': String(outcome.excluded),
    },
  });
};

/** Any other method (OPTIONS, HEAD): which ones this address takes. */
export const ALL: APIRoute = onlyTakes(['POST']);
