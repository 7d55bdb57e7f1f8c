import type { Generated } from 'kysely';

/**
 * The staff capability's table (migration 0007_staff_audit): deletion requests received by
 * email. While a request is open it holds the requester's address and the account; once it is
 * completed or cancelled the address and the link token are gone (a trigger also clears them
 * when the account is erased by any path), so a closed request keeps no personal data: the
 * ticket reference (support's own id), dates and how it ended.
 */
export const DELETION_STATUSES = ['pending', 'confirmed', 'completed', 'cancelled'] as const;
export type DeletionStatus = (typeof DELETION_STATUSES)[number];

/** How the requester's identity was confirmed: the emailed link, or support by other means (with a reason). */
export type ConfirmedVia = 'email-link' | 'support';

export interface DeletionRequestTable {
  id: Generated<number>;
  /** Support's ticket reference, e.g. "ZD-48213". */
  ticket: string;
  /** The address the request came from; null once the request is closed. */
  requester_email: string | null;
  /** The account to delete; null once erased. */
  user_id: number | null;
  status: DeletionStatus;
  /** When support received the request (ISO 8601, UTC). */
  received_at: string;
  recorded_at: string;
  /** The confirmation link: lookup id, SHA-256 of its secret, expiry (epoch ms); null once used or closed. */
  token_id: string | null;
  token_hash: Uint8Array | null;
  token_expires_at: number | null;
  confirmed_at: string | null;
  confirmed_via: ConfirmedVia | null;
  /** When the request was completed or cancelled. */
  closed_at: string | null;
}
