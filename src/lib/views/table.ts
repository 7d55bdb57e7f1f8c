/**
 * The visitor-statistics tables (migration 0004_views). Private by construction: none of
 * them has a column, key or foreign key that could reference an account, a session, an IP
 * address or a user-agent string; a signed-in user's views are stored exactly like anyone's.
 * tests/unit/views-schema.test.ts inspects the live schema and fails if that ever changes.
 *
 * Days are UTC calendar dates, `YYYY-MM-DD`.
 */

/** Views and unique visitors of one page on one day: one row per path and day. */
export interface ViewDailyTable {
  path: string;
  day: string;
  views: number;
  /** Distinct visitor cookies that viewed this page that day. */
  visitors: number;
}

/**
 * All-time totals of one page, what the counter shows. Kept separately from the daily rows
 * so that pruning old daily detail (retention) never changes a page's total.
 */
export interface ViewTotalTable {
  path: string;
  views: number;
  /** The sum over days of the page's daily unique visitors. */
  visitors: number;
}

/** Site-wide unique visitors (distinct visitor cookies, any page) of one day. */
export interface ViewSiteDailyTable {
  day: string;
  visitors: number;
}

/**
 * The random key of the day's keyed hashes. A new one is drawn for each UTC day; once the
 * day is over it is deleted, and with it any way to recompute that day's hashes.
 */
export interface ViewSaltTable {
  day: string;
  salt: Uint8Array;
}

/**
 * Today's dedupe rows: HMAC-SHA-256(salt of the day, visitor id + page) and
 * HMAC-SHA-256(salt of the day, visitor id). Never a visitor id itself. Deleted when the
 * day is over.
 */
export interface ViewSeenTable {
  hash: Uint8Array;
  day: string;
}

/**
 * The idempotency keys of the page loads counted recently (random per page load, chosen by
 * the browser; nothing else is stored with them). A repeated key counts once. Kept for the
 * current and the previous UTC day only, so that a retry across midnight is still a repeat.
 */
export interface ViewEventKeyTable {
  key: string;
  day: string;
}

/** Every visitor-statistics table, with its exact columns: what the privacy test holds. */
export const VIEW_TABLES = {
  view_daily: ['path', 'day', 'views', 'visitors'],
  view_total: ['path', 'views', 'visitors'],
  view_site_daily: ['day', 'visitors'],
  view_salt: ['day', 'salt'],
  view_seen: ['hash', 'day'],
  view_event_key: ['key', 'day'],
} as const;
