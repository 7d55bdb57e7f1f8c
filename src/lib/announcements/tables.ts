import type { Generated } from 'kysely';

/**
 * The announcements capability's tables (migration 0006_announcements).
 *
 * Schedule columns (`starts_at`, `ends_at`, `ended_at`) are epoch milliseconds because the
 * banner island compares them on every page view; record times (`created_at`, `at`…) are
 * ISO 8601 UTC text, as elsewhere in the database.
 */

export const LEVELS = ['info', 'important'] as const;
export type Level = (typeof LEVELS)[number];

/** Who sees an announcement: everyone, signed-in users only, or visitors who are not signed in. */
export const AUDIENCES = ['everyone', 'signed-in', 'signed-out'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** What a reader is: the audience an announcement is matched against. */
export type Reader = Exclude<Audience, 'everyone'>;

/** An announcement written by an editor. */
export interface AnnouncementTable {
  id: Generated<number>;
  /** Plain text, never HTML. */
  text: string;
  level: Level;
  audience: Audience;
  /** A path on this site (`/privacy`) or an https URL; null when there is no link. */
  link_url: string | null;
  /** The words of the link; null exactly when `link_url` is. */
  link_text: string | null;
  /** 1 when readers may dismiss it. */
  dismissible: boolean;
  starts_at: number;
  /** Null: shown until an editor ends it. */
  ends_at: number | null;
  /**
   * Bumped whenever what readers see changes (text, link, level), so that an edited
   * announcement shows again to readers who dismissed an earlier revision.
   */
  revision: number;
  created_at: string;
  created_by: number | null;
  updated_at: string;
  updated_by: number | null;
}

/**
 * An editor's changes to the automatic announcement of a policy version (keyed by its
 * effective date). Without a row the default text applies for the whole window.
 */
export interface PolicyAnnouncementTable {
  policy_effective_date: string;
  /** Null: the default text. */
  text: string | null;
  /** When an editor ended it early; null while it runs its window. */
  ended_at: number | null;
  /** As `announcement.revision`; 0 stands for "no row" (the default text). */
  revision: number;
  updated_at: string;
  updated_by: number | null;
}

/** One row (id 1): moved forward by triggers on every change to the banners' sources (migration 0008). */
export interface BannerGenerationTable {
  id: number;
  generation: number;
}

export const CHANGE_ACTIONS = ['created', 'edited', 'ended', 'text-edited', 'text-restored', 'resumed'] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

/**
 * Who changed which announcement, when and how: append-only (a trigger refuses edits).
 * Exactly one of `announcement_id` and `policy_effective_date` is set.
 */
export interface AnnouncementChangeTable {
  id: Generated<number>;
  announcement_id: number | null;
  policy_effective_date: string | null;
  at: string;
  /** The staff account that made the change; null once that account is deleted. */
  by_user_id: number | null;
  action: ChangeAction;
  /** JSON: the values the change set (`{"text": "…", "ends_at": "…"}`). */
  details: string;
}
