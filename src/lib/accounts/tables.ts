import type { Generated } from 'kysely';

/**
 * The tables of the accounts capability (migration 0005_profile). The `user` table itself
 * belongs to src/lib/auth; the optional profile fields live here, one row per user.
 */
export interface AccountProfileTable {
  user_id: number;
  full_name: string | null;
  company: string | null;
  job_title: string | null;
  phone: string | null;
  updated_at: string;
}

/** Who changed a piece of data: the user, or support staff acting on their request. */
export type ChangeActor = 'you' | 'support';

export interface DataChangeTable {
  id: Generated<number>;
  user_id: number;
  /** One of DATA_FIELDS (src/lib/accounts/history.ts). */
  field: string;
  changed_at: string;
  actor: ChangeActor;
}

/** Where a sharing choice came from. */
export type SharingSource = 'account-page' | 'gpc';

export interface SharingChoiceTable {
  id: Generated<number>;
  user_id: number;
  /** 1: the user refuses sharing with third parties and use for new purposes. */
  opted_out: boolean;
  chosen_at: string;
  source: SharingSource;
}

export type DeletionVia = 'self-service' | 'support';

/** What is kept when an account is deleted: nothing that identifies the person. */
export interface DeletionRecordTable {
  id: Generated<number>;
  deleted_at: string;
  via: DeletionVia;
  policy_in_effect: string | null;
  last_agreed_policy: string | null;
}
