/**
 * The `policy_version` table (migration 0002): one row per published version of the
 * privacy policy, so that other tables can refer to "the version a user accepted" by key
 * (`effective_date`). Rows are written only by `syncPolicyVersions` and never updated (a
 * trigger refuses updates): a published version never changes.
 */
export interface PolicyVersionTable {
  /** `YYYY-MM-DD`, the key other tables reference. */
  effective_date: string;
  /** 1, 2, 3… */
  version: number;
  title: string;
  /** SHA-256 (hex) of the version's canonical text, as /privacy/versions.json publishes it. */
  content_sha256: string;
  /** Whether the change is material. */
  material: boolean;
  /** When this database first recorded the version (ISO 8601). */
  recorded_at: string;
}
