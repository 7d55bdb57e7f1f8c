import type { DialectMigration } from '../../src/lib/db/migrations.ts';
import * as m0001 from './0001_foundation.ts';
import * as m0002 from './0002_policy_versions.ts';
import * as m0003 from './0003_accounts.ts';
import * as m0004 from './0004_views.ts';
import * as m0005 from './0005_profile.ts';
import * as m0006 from './0006_announcements.ts';
import * as m0007 from './0007_staff_audit.ts';
import * as m0008 from './0008_banner_generation.ts';
import * as m0009 from './0009_limits_and_reset_queue.ts';
import * as m0010 from './0010_jobs_and_account_numbers.ts';
import * as m0011 from './0011_mail_outbox_and_open_requests.ts';
import * as m0012 from './0012_sharing.ts';

/**
 * Every migration, in order. Listed explicitly (not read from the folder at run time) so
 * that the server, the CLI and the bundled Astro code all see the same list.
 * Never edit or reorder a migration that has shipped: add a new one.
 *
 * Each runs on SQLite and on PostgreSQL: a module written with Kysely's schema builder runs
 * on both unchanged; one whose SQL differs also exports a `postgres` body (dialects.ts,
 * docs/decisions/0021-postgresql.md).
 */
export const migrations: Record<string, DialectMigration> = {
  '0001_foundation': m0001,
  '0002_policy_versions': m0002,
  '0003_accounts': m0003,
  '0004_views': m0004,
  '0005_profile': m0005,
  '0006_announcements': m0006,
  '0007_staff_audit': m0007,
  '0008_banner_generation': m0008,
  '0009_limits_and_reset_queue': m0009,
  '0010_jobs_and_account_numbers': m0010,
  '0011_mail_outbox_and_open_requests': m0011,
  '0012_sharing': m0012,
};
