import type { Generated } from 'kysely';

/**
 * The audit log of staff access to personal data (migration 0007_staff_audit). Append-only:
 * database triggers refuse every UPDATE and DELETE. See docs/decisions/0010-staff-access-and-audit-log.md.
 *
 * It holds no personal data of the subject beyond the account number: never a field's value,
 * never an address or a name. Neither id column is a foreign key (a cascade would be refused by
 * the triggers and make erasure fail), so an entry outlives both accounts; a number that no
 * longer resolves is a deleted account. Account numbers are never reused (user.id is
 * AUTOINCREMENT since migration 0010), so an entry's number names one account forever.
 */
export interface AuditLogTable {
  id: Generated<number>;
  /** ISO 8601, UTC. */
  at: string;
  /** The staff member (null: the account holder, through an emailed link). */
  actor_user_id: number | null;
  /** The actor's IP address as the server saw it (null when the actor is the account holder). */
  actor_ip: string | null;
  /** One of AUDIT_ACTIONS (src/lib/audit/actions.ts). */
  action: string;
  /** The account whose data was read or changed (null: none, e.g. a role listing). */
  subject_user_id: number | null;
  /** JSON array of the names of the fields involved, never their values. */
  fields: Generated<string>;
  /** Why, where the action requires a reason. */
  reason: string | null;
}
