import type { Generated } from 'kysely';

export interface RateLimitTable {
  bucket: string;
  key_hash: string;
  window_start: number;
  count: number;
  /** Backoffs only (`backoff`): no attempt goes ahead before this time (ms); 0 otherwise. */
  blocked_until: Generated<number>;
}
