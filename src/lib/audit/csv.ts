import type { DB } from '../db/index.ts';
import { allAudit, type AuditFilters } from './query.ts';

/**
 * The audit log as CSV (RFC 4180, CRLF line ends, UTF-8), for /admin/audit.csv. A cell that a
 * spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) gets a
 * leading apostrophe: reasons are typed by people.
 */
export const AUDIT_CSV_HEADER = [
  'id',
  'time_utc',
  'actor_account',
  'actor_email',
  'actor_ip',
  'action',
  'subject_account',
  'fields',
  'reason',
] as const;

export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

export async function auditCsv(db: DB, filters: AuditFilters): Promise<string> {
  const lines = [AUDIT_CSV_HEADER.join(',')];
  for (const row of await allAudit(db, filters)) {
    lines.push(
      [row.id, row.at, row.actorUserId, row.actorEmail, row.actorIp, row.action, row.subjectUserId, row.fields.join(' '), row.reason]
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
