import type { Generated } from 'kysely';

/**
 * The tables of the sharing capability (migration 0012_sharing). Times are epoch
 * milliseconds; lists of field names are JSON arrays of strings.
 */

/** A processor acts on our behalf only; a third party uses data for its own purposes, and the opt-out governs it. */
export type RecipientKind = 'processor' | 'third-party';

export interface RecipientTable {
  id: Generated<number>;
  name: string;
  country: string;
  data_received: string;
  purpose: string;
  kind: RecipientKind;
  /** YYYY-MM-DD: since when it receives data. */
  since: string;
  added_at: number;
  updated_at: number;
  /** When it stopped being a recipient (null: it still is). */
  removed_at: number | null;
}

export type RecipientChangeKind = 'added' | 'edited' | 'removed';

export interface RecipientChangeTable {
  id: Generated<number>;
  recipient_id: number;
  at: number;
  change: RecipientChangeKind;
  summary: string;
}

export interface SharingPurposeTable {
  id: Generated<number>;
  recipient_id: number;
  description: string;
  fields: string;
  notice_days: number;
  proposed_at: number;
  notice_ends_at: number;
  withdrawn_at: number | null;
}

export interface PurposeNoticeTable {
  purpose_id: number;
  user_id: number;
  queued_at: number;
  sent_at: number | null;
  token_id: string | null;
  token_hash: string | null;
  opted_out_at: number | null;
}

export type ShareFormat = 'csv' | 'json';

export interface ShareTable {
  id: Generated<number>;
  purpose_id: number;
  fields: string;
  /** The filter, as JSON ({} for none). */
  filter: string;
  format: ShareFormat;
  ran_at: number;
  included: number;
  excluded: number;
  policy_version: string | null;
}

export type DisclosureKind = 'share' | 'legal' | 'fraud';

export interface DisclosureTable {
  id: Generated<number>;
  user_id: number;
  kind: DisclosureKind;
  share_id: number | null;
  recipient: string;
  purpose: string;
  fields: string;
  disclosed_at: number;
  policy_version: string | null;
  legal_basis: string | null;
  reference: string | null;
  reason: string | null;
  hold_until: number | null;
  notified_at: number | null;
}

export type StaffDocument = 'handbook' | 'policy';

export interface StaffAcknowledgementTable {
  id: Generated<number>;
  user_id: number;
  document: StaffDocument;
  version: string;
  acknowledged_at: number;
}
