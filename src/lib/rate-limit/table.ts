export interface RateLimitTable {
  bucket: string;
  key_hash: string;
  window_start: number;
  count: number;
}
