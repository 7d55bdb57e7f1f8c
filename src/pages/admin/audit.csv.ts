import type { APIRoute } from 'astro';
import { onlyReads } from '../../lib/http/methods.ts';
import { auditCsv, parseAuditFilters } from '../../lib/audit/index.ts';
import { database } from '../../lib/db/index.ts';
import { adminAccess, signInPath } from '../../lib/staff/sections.ts';

export const prerender = false;

/** /admin/audit.csv?actor=&subject=&action=&from=&to= — the audit log as CSV, oldest first. Admins only, like the page. */
export const GET: APIRoute = async ({ locals, url, redirect }) => {
  const access = adminAccess(locals.user, 'audit');
  if (access === 'unauthenticated') return redirect(signInPath(url), 303);
  const text = (status: number, message: string) =>
    new Response(`${message}\n`, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  if (access === 'forbidden') return text(403, 'Your account does not have a role that allows the audit log.');
  const { db } = await database();
  const params = url.searchParams;
  const parsed = await parseAuditFilters(db, {
    actor: params.get('actor'),
    subject: params.get('subject'),
    action: params.get('action'),
    from: params.get('from'),
    to: params.get('to'),
  });
  if (!parsed.ok) return text(400, parsed.message);
  const day = new Date().toISOString().slice(0, 10);
  return new Response(await auditCsv(db, parsed.filters), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8; header=present',
      'Content-Disposition': `attachment; filename="customertrackr-audit-${day}.csv"`,
    },
  });
};

/** Any other method: 405 naming the ones this address takes (HEAD is answered by GET). */
export const ALL: APIRoute = onlyReads(GET);
