import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isAuditFieldName, type AuditAction } from './actions.ts';

/**
 * Who did it: a staff member (their account and the IP address their request came from), or
 * the account holder through an emailed link (then nothing about them is stored but the
 * subject's account number).
 */
export type AuditActor = { userId: number; ip: string | null } | 'account-holder';

export interface AuditEntry {
  action: AuditAction;
  actor: AuditActor;
  /** The account whose data was read or changed. */
  subjectUserId: number | null;
  /** The names of the fields involved (see isAuditFieldName), never their values. */
  fields?: readonly string[];
  /** Why, where the action requires a reason (checked by the caller; at most 500 characters). */
  reason?: string | null;
  at?: Date;
}

export class AuditEntryError extends Error {
  override name = 'AuditEntryError';
}

export const MAX_REASON_LENGTH = 500;

/**
 * Appends one entry to the audit log. It takes a transaction, not the database: the entry
 * commits with the read or change it records, or not at all (and the change with it).
 */
export async function recordAudit(trx: Transaction<Database>, entry: AuditEntry): Promise<void> {
  const fields = [...new Set(entry.fields ?? [])];
  for (const field of fields)
    if (!isAuditFieldName(field)) throw new AuditEntryError(`not a field name: ${JSON.stringify(field.slice(0, 40))}`);
  const reason = entry.reason?.trim() || null;
  if (reason !== null && [...reason].length > MAX_REASON_LENGTH)
    throw new AuditEntryError(`a reason is at most ${MAX_REASON_LENGTH} characters`);
  const staff = entry.actor === 'account-holder' ? null : entry.actor;
  await trx
    .insertInto('audit_log')
    .values({
      at: (entry.at ?? new Date()).toISOString(),
      actor_user_id: staff?.userId ?? null,
      actor_ip: staff?.ip?.slice(0, 100) || null,
      action: entry.action,
      subject_user_id: entry.subjectUserId,
      fields: JSON.stringify(fields),
      reason,
    })
    .execute();
}
