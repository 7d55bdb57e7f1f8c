import { normalizeEmail } from '../auth/email-address.ts';
import type { DB } from '../db/index.ts';
import { effectiveInstant, isCalendarDate } from '../policy/dates.ts';
import { AUDIT_ACTIONS, fieldLabel, isAuditAction, type AuditAction } from './actions.ts';

/**
 * Reading the audit log: the admins' filtered listing (/admin/audit and its CSV) and the
 * account holder's own entries (/account, "Staff access").
 *
 * An account number in the log names one account forever: numbers are never reused (user.id
 * is AUTOINCREMENT, migration 0010), so a number that no longer resolves is a deleted account.
 */

export interface AuditFilters {
  actorUserId?: number;
  subjectUserId?: number;
  action?: AuditAction;
  /** First UTC day included (YYYY-MM-DD). */
  from?: string;
  /** Last UTC day included (YYYY-MM-DD). */
  to?: string;
}

export interface AuditRow {
  id: number;
  at: string;
  actorUserId: number | null;
  /** The staff member's address, or null: the account holder acted, or the actor's account is deleted. */
  actorEmail: string | null;
  actorIp: string | null;
  action: string;
  /** The admins' words for the action. */
  actionLabel: string;
  subjectUserId: number | null;
  /** False once the subject's account is deleted (the number no longer resolves to it). */
  subjectExists: boolean;
  fields: string[];
  reason: string | null;
}

/** The raw form values of the filter form (all optional). */
export interface AuditFilterInput {
  actor?: string | null;
  subject?: string | null;
  action?: string | null;
  from?: string | null;
  to?: string | null;
}

export type AuditFilterField = keyof AuditFilterInput;
export type ParsedFilters = { ok: true; filters: AuditFilters } | { ok: false; field: AuditFilterField; message: string };

/** An account given as "42", "#42" or an address; the number, or a message. */
async function accountOf(db: DB, value: string): Promise<{ id: number } | { message: string }> {
  const number = /^#?\s*(\d{1,12})$/.exec(value);
  if (number) return { id: Number(number[1]) };
  const email = normalizeEmail(value);
  if (!email) return { message: 'Enter an account number (like 42) or an email address.' };
  const user = await db.selectFrom('user').select('id').where('email_normalized', '=', email.normalized).executeTakeFirst();
  if (!user) return { message: 'No account has this address now. For a deleted account, enter its number.' };
  return { id: user.id };
}

/** Checks the filter form; an empty field is no filter. */
export async function parseAuditFilters(db: DB, input: AuditFilterInput): Promise<ParsedFilters> {
  const filters: AuditFilters = {};
  const actor = input.actor?.trim();
  if (actor) {
    const found = await accountOf(db, actor);
    if ('message' in found) return { ok: false, field: 'actor', message: found.message };
    filters.actorUserId = found.id;
  }
  const subject = input.subject?.trim();
  if (subject) {
    const found = await accountOf(db, subject);
    if ('message' in found) return { ok: false, field: 'subject', message: found.message };
    filters.subjectUserId = found.id;
  }
  const action = input.action?.trim();
  if (action) {
    if (!isAuditAction(action)) return { ok: false, field: 'action', message: 'Choose an action from the list.' };
    filters.action = action;
  }
  for (const field of ['from', 'to'] as const) {
    const value = input[field]?.trim();
    if (!value) continue;
    if (!isCalendarDate(value)) return { ok: false, field, message: 'Enter a date like 2026-11-25.' };
    filters[field] = value;
  }
  if (filters.from && filters.to && filters.from > filters.to)
    return { ok: false, field: 'to', message: 'The last day is before the first.' };
  return { ok: true, filters };
}

/** The filters as query parameters (for links: the CSV, the next page). */
export function filterParams(filters: AuditFilters): Record<string, string> {
  const params: Record<string, string> = {};
  if (filters.actorUserId !== undefined) params.actor = String(filters.actorUserId);
  if (filters.subjectUserId !== undefined) params.subject = String(filters.subjectUserId);
  if (filters.action) params.action = filters.action;
  if (filters.from) params.from = filters.from;
  if (filters.to) params.to = filters.to;
  return params;
}

function nextDay(day: string): string {
  return new Date(effectiveInstant(day).getTime() + 86_400_000).toISOString();
}

function filtered(db: DB, filters: AuditFilters) {
  let query = db
    .selectFrom('audit_log')
    .leftJoin('user as actor', 'actor.id', 'audit_log.actor_user_id')
    .leftJoin('user as subject', 'subject.id', 'audit_log.subject_user_id')
    .select([
      'audit_log.id',
      'audit_log.at',
      'audit_log.actor_user_id',
      'audit_log.actor_ip',
      'audit_log.action',
      'audit_log.subject_user_id',
      'audit_log.fields',
      'audit_log.reason',
      'actor.email as actor_email',
      'subject.id as subject_id',
    ]);
  if (filters.actorUserId !== undefined) query = query.where('audit_log.actor_user_id', '=', filters.actorUserId);
  if (filters.subjectUserId !== undefined) query = query.where('audit_log.subject_user_id', '=', filters.subjectUserId);
  if (filters.action) query = query.where('audit_log.action', '=', filters.action);
  if (filters.from) query = query.where('audit_log.at', '>=', effectiveInstant(filters.from).toISOString());
  if (filters.to) query = query.where('audit_log.at', '<', nextDay(filters.to));
  return query;
}

function parseFields(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

type Raw = Awaited<ReturnType<ReturnType<typeof filtered>['execute']>>[number];

function toRow(r: Raw): AuditRow {
  return {
    id: r.id,
    at: r.at,
    actorUserId: r.actor_user_id,
    actorEmail: r.actor_email ?? null,
    actorIp: r.actor_ip,
    action: r.action,
    actionLabel: isAuditAction(r.action) ? AUDIT_ACTIONS[r.action].staff : r.action,
    subjectUserId: r.subject_user_id,
    subjectExists: r.subject_id !== null && r.subject_id !== undefined,
    fields: parseFields(r.fields),
    reason: r.reason,
  };
}

export const AUDIT_PAGE_SIZE = 100;

/**
 * The entries matching `filters`, newest first, `limit` at a time; `before` (an entry id) gives
 * the next page. `more` says whether older entries match.
 */
export async function listAudit(
  db: DB,
  filters: AuditFilters,
  page: { before?: number | undefined; limit?: number } = {},
): Promise<{ rows: AuditRow[]; more: boolean }> {
  const limit = page.limit ?? AUDIT_PAGE_SIZE;
  let query = filtered(db, filters);
  if (page.before !== undefined) query = query.where('audit_log.id', '<', page.before);
  const raw = await query
    .orderBy('audit_log.id', 'desc')
    .limit(limit + 1)
    .execute();
  return { rows: raw.slice(0, limit).map(toRow), more: raw.length > limit };
}

/** Every entry matching `filters`, oldest first (for the CSV export), at most `max`. */
export async function allAudit(db: DB, filters: AuditFilters, max = 100_000): Promise<AuditRow[]> {
  const raw = await filtered(db, filters).orderBy('audit_log.id', 'asc').limit(max).execute();
  return raw.map(toRow);
}

export interface StaffAccessEntry {
  at: string;
  action: AuditAction | string;
  /** What was done, in the account holder's words. */
  description: string;
  /** The fields involved, as the account page names them. */
  fields: string[];
  reason: string | null;
}

/**
 * What staff did with `userId`'s data, newest first, for the account holder: when, what, which
 * fields, why; never who.
 */
export async function staffAccessFor(db: DB, userId: number, limit = 200): Promise<StaffAccessEntry[]> {
  const rows = await db
    .selectFrom('audit_log')
    .innerJoin('user', 'user.id', 'audit_log.subject_user_id')
    .select(['audit_log.at', 'audit_log.action', 'audit_log.fields', 'audit_log.reason'])
    .where('audit_log.subject_user_id', '=', userId)
    .orderBy('audit_log.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    at: r.at,
    action: r.action,
    description: isAuditAction(r.action) ? AUDIT_ACTIONS[r.action].user : 'Our staff accessed your data.',
    fields: parseFields(r.fields).map(fieldLabel),
    reason: r.reason,
  }));
}
