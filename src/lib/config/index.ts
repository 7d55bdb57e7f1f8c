import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * Runtime configuration, read once from the environment.
 *
 * This is a plain module rather than `astro:env` because the project's own HTTP server and
 * command-line tools need the same values outside of Astro.
 */
export interface Config {
  host: string;
  port: number;
  databasePath: string;
  /**
   * A PostgreSQL server (`postgres://user:password@host:port/database`, `?sslmode=` honoured):
   * set, the site runs on it instead of the SQLite file at `databasePath`.
   */
  databaseUrl: string | undefined;
  /** Connections the PostgreSQL pool opens at most. */
  databasePoolSize: number;
  /** Milliseconds a PostgreSQL statement may run before the server cancels it. */
  databaseStatementTimeoutMs: number;
  /** The public origin (scheme, host and port, no path), e.g. `https://customertrackr.com`. */
  siteUrl: URL;
  /** SMTP server for outgoing mail (`smtp://user:pass@host:587`); unset: write to the outbox. */
  smtpUrl: string | undefined;
  /** Where messages are written as `.eml` files when there is no SMTP server. */
  mailOutboxDir: string;
  /** Days a message written to the outbox is kept; older ones are deleted (they hold addresses and links). */
  mailOutboxRetentionDays: number;
  mailFrom: string;
  /** The outbox worker's wait after a message's first failed send (doubled after each further one). */
  mailRetrySeconds: number;
  /** How long an outbox worker's claim on a message holds before another process may take it over. */
  mailLeaseSeconds: number;
  /** Days before and after a policy version's effective date that its announcement shows (0: never). */
  announcePolicyDays: number;
  /** Days of per-page daily view statistics kept; older days are pruned (page totals stay). */
  viewsRetentionDays: number;
  /**
   * Whether a reverse proxy in front sets X-Forwarded-For/Host/Proto. Off: those headers are
   * removed from every request, since any client could send them (and dodge rate limits).
   */
  trustProxy: boolean;
  /** The server islands' key (ASTRO_KEY), checked against the build's at start (island-key.ts). */
  astroKey: string | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const port = z
  .string()
  .regex(/^\d{1,5}$/, 'must be a whole number from 0 to 65535')
  .transform(Number)
  .refine((n) => n <= 65535, 'must be a whole number from 0 to 65535');

const siteUrl = z.string().transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute URL such as https://example.com' });
    return z.NEVER;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: 'must use http or https' });
    return z.NEVER;
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'must be an origin only (no path, query or credentials)' });
    return z.NEVER;
  }
  return url;
});

/** A URL that selects PostgreSQL (what src/lib/db connects to; it says why one it cannot reach fails). */
function isPostgresUrl(value: string): boolean {
  return URL.canParse(value) && /^postgres(ql)?:$/.test(new URL(value).protocol);
}

const schema = z.object({
  HOST: z.string().trim().min(1, 'must not be empty').default('127.0.0.1'),
  PORT: port.default(4321),
  DATABASE_PATH: z.string().trim().min(1, 'must not be empty').default('./data/customertrackr.db'),
  DATABASE_URL: z
    .string()
    .refine(isPostgresUrl, 'must be a postgres:// or postgresql:// URL such as postgres://user:password@host:5432/database')
    .optional(),
  DATABASE_POOL_SIZE: z
    .string()
    .regex(/^[1-9]\d{0,2}$/, 'must be a whole number of connections from 1 to 500')
    .transform(Number)
    .refine((n) => n <= 500, 'must be a whole number of connections from 1 to 500')
    .default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: z
    .string()
    .regex(/^\d{1,7}$/, 'must be a whole number of milliseconds from 0 (no limit) to 3600000')
    .transform(Number)
    .refine((n) => n <= 3_600_000, 'must be a whole number of milliseconds from 0 (no limit) to 3600000')
    .default(30_000),
  SITE_URL: siteUrl.default(new URL('http://localhost:4321')),
  SMTP_URL: z
    .string()
    .refine((v) => URL.canParse(v) && /^smtps?:$/.test(new URL(v).protocol), 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_OUTBOX_DIR: z.string().trim().min(1).default('./data/outbox'),
  MAIL_OUTBOX_RETENTION_DAYS: z
    .string()
    .regex(/^[1-9]\d{0,3}$/, 'must be a whole number of days from 1 to 3650')
    .transform(Number)
    .refine((n) => n <= 3650, 'must be a whole number of days from 1 to 3650')
    .default(7),
  MAIL_FROM: z.string().trim().min(3).default('CustomerTrackr <no-reply@customertrackr.com>'),
  MAIL_RETRY_SECONDS: z
    .string()
    .regex(/^[1-9]\d{0,4}$/, 'must be a whole number of seconds from 1 to 86400')
    .transform(Number)
    .refine((n) => n <= 86400, 'must be a whole number of seconds from 1 to 86400')
    .default(30),
  // Should exceed the longest an SMTP send may take (60 s, src/lib/mail/transport.ts): a send
  // still going when its lease ends may be taken over, and the message sent twice (with the
  // same Message-ID). Short leases are for tests of crash recovery.
  MAIL_LEASE_SECONDS: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a whole number of seconds from 5 to 86400')
    .transform(Number)
    .refine((n) => n >= 5 && n <= 86400, 'must be a whole number of seconds from 5 to 86400')
    .default(300),
  ANNOUNCE_POLICY_DAYS: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number of days from 0 to 365')
    .transform(Number)
    .refine((n) => n <= 365, 'must be a whole number of days from 0 to 365')
    .default(30),
  VIEWS_RETENTION_DAYS: z
    .string()
    .regex(/^[1-9]\d{0,4}$/, 'must be a whole number of days from 1 to 36500')
    .transform(Number)
    .refine((n) => n <= 36500, 'must be a whole number of days from 1 to 36500')
    .default(730),
  TRUST_PROXY: z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).default('false'),
  ASTRO_KEY: z.string().optional(),
});

/** Parses configuration from an environment; throws a ConfigError naming the first bad variable. */
export function parseConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as shells and .env files commonly leave them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0]);
    // URLs may carry a password, and the island key is a secret: never shown.
    const shown = name === 'SMTP_URL' || name === 'DATABASE_URL' || name === 'ASTRO_KEY' ? '(hidden)' : JSON.stringify(env[name]);
    throw new ConfigError(`${name}=${shown} is invalid: ${issue.message}`);
  }
  const { HOST, PORT, DATABASE_PATH, SITE_URL, SMTP_URL, MAIL_OUTBOX_DIR, MAIL_FROM, ANNOUNCE_POLICY_DAYS } = result.data;
  return {
    host: HOST,
    port: PORT,
    databasePath: DATABASE_PATH === ':memory:' ? DATABASE_PATH : resolve(DATABASE_PATH),
    databaseUrl: result.data.DATABASE_URL,
    databasePoolSize: result.data.DATABASE_POOL_SIZE,
    databaseStatementTimeoutMs: result.data.DATABASE_STATEMENT_TIMEOUT_MS,
    siteUrl: SITE_URL,
    smtpUrl: SMTP_URL,
    mailOutboxDir: resolve(MAIL_OUTBOX_DIR),
    mailOutboxRetentionDays: result.data.MAIL_OUTBOX_RETENTION_DAYS,
    mailFrom: MAIL_FROM,
    mailRetrySeconds: result.data.MAIL_RETRY_SECONDS,
    mailLeaseSeconds: result.data.MAIL_LEASE_SECONDS,
    announcePolicyDays: ANNOUNCE_POLICY_DAYS,
    viewsRetentionDays: result.data.VIEWS_RETENTION_DAYS,
    trustProxy: result.data.TRUST_PROXY === 'true' || result.data.TRUST_PROXY === '1',
    astroKey: result.data.ASTRO_KEY,
  };
}

let cached: Config | undefined;

/** The process-wide configuration (parsed on first use). */
export function config(): Config {
  cached ??= parseConfig();
  return cached;
}
