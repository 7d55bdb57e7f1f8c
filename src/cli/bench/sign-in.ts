// The sign-in scenario of `npm run bench`: how many sign-ins per second the server completes
// (argon2id verification, a new session, the rate-limit bookkeeping), and whether a cheap
// page stays fast meanwhile (hashing runs on libuv's thread pool, off the event loop).
//
// The rate limits. Sign-in is limited to 30 attempts per client address and 10 per account
// and address in 15 minutes (and backs off per account after 100 failures in an hour), and
// every request of a benchmark comes from one address: after the 30th,
// the server answers 429 without hashing anything, and "sign-ins per second" would measure
// the limiter, not sign-in. The limits are not loosened for the benchmark (no setting, no
// code path). Instead, while it runs, the benchmark empties the sign-in counters in the
// database every CLEAR_INTERVAL_MS, so each request still pays for the limiter's upsert but
// is not refused. The 429s that still happen are counted and reported separately
// (`signInRateLimited`); with `clearLimits: false` the figures show the limiter at work.
//
// The accounts it signs in with are created directly in the server's database (so this needs
// DATABASE_PATH, or `database`, to be the running server's: a SQLite file or a PostgreSQL
// URL) and deleted at the end, together with their sessions.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import autocannon from 'autocannon';
import { createAccount, hashPassword, normalizeEmail, removeThrowawayAccounts } from '../../lib/auth/index.ts';
import { config } from '../../lib/config/index.ts';
import { isPostgresUrl, openDatabase, type DB } from '../../lib/db/index.ts';
import { BACKOFFS, clearBuckets, LIMITS } from '../../lib/rate-limit/index.ts';

export interface SignInBenchOptions {
  /** The running server's database: a SQLite file or a `postgres://` URL. Default: DATABASE_PATH (as the server reads it). */
  database?: string;
  /** How long sign-ins run, in seconds. Default 5. */
  durationSeconds?: number;
  /** Concurrent sign-in connections. Default 8. */
  connections?: number;
  /** How many accounts the sign-ins rotate through. Default 8. */
  users?: number;
  /** The cheap page whose latency is measured. Default `/healthz` (answered without Astro, one query). */
  page?: string;
  /** Empty the sign-in rate-limit counters while the benchmark runs (see above). Default true. */
  clearLimits?: boolean;
}

const CLEAR_INTERVAL_MS = 100;
const BASELINE_SECONDS = 2;
const PASSWORD = 'benchmark passphrase for sign-in';

async function createUsers(db: DB, count: number): Promise<{ ids: number[]; emails: string[] }> {
  // One hash for all: the accounts differ by address only, verification costs the same.
  const passwordHash = await hashPassword(PASSWORD);
  const run = randomBytes(4).toString('hex');
  const emails = Array.from({ length: count }, (_, i) => `bench-${run}-${i}@example.com`);
  const ids: number[] = [];
  for (const email of emails) ids.push(await createAccount(db, normalizeEmail(email)!, [], passwordHash));
  return { ids, emails };
}

async function clearSignInLimits(db: DB): Promise<void> {
  await clearBuckets(db, [LIMITS.signInPerIp.bucket, LIMITS.signInPerAccountIp.bucket, BACKOFFS.signInPerAccount.bucket]);
}

/** Runs autocannon, reporting each response's status to `onStatus`. */
function load(options: autocannon.Options, onStatus?: (status: number) => void): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, result) => (error ? reject(error) : resolve(result)));
    if (onStatus) instance.on('response', (_client, status) => onStatus(status));
  });
}

/** A cheap page measured with one connection, one request at a time (a visitor's view of latency). */
function pageLoad(baseUrl: string, path: string, seconds: number) {
  return load({ url: baseUrl + path, connections: 1, duration: seconds });
}

/**
 * Runs sign-in POSTs (form submissions, as a browser sends them) with autocannon against a
 * running server at `baseUrl`, whose public origin is `origin`, while measuring a cheap page.
 * Latencies are in milliseconds.
 */
export async function benchSignIn(baseUrl: string, origin: string, options: SignInBenchOptions = {}): Promise<Record<string, number>> {
  const { durationSeconds = 5, connections = 8, users = 8, page = '/healthz', clearLimits = true } = options;
  const where = options.database ?? config().databasePath;
  if (!isPostgresUrl(where) && !existsSync(where))
    throw new Error(`sign-in bench: no database at ${where}; set DATABASE_PATH to the running server's database`);
  const base = baseUrl.replace(/\/$/, '');
  const database = openDatabase(where);
  const { db } = database;
  let clearing: NodeJS.Timeout | undefined;
  let created: number[] = [];
  try {
    const { ids, emails } = await createUsers(db, users);
    created = ids;
    const bodies = emails.map((email) => new URLSearchParams({ email, password: PASSWORD }).toString());

    // The page on its own first, for comparison.
    const idle = await pageLoad(base, page, BASELINE_SECONDS);

    if (clearLimits) {
      await clearSignInLimits(db);
      clearing = setInterval(() => void clearSignInLimits(db).catch(() => {}), CLEAR_INTERVAL_MS);
    }
    const statuses = new Map<number, number>();
    let next = 0;
    const signIns = load(
      {
        url: `${base}/login?_action=auth.signIn`,
        connections,
        duration: durationSeconds,
        method: 'POST',
        headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
        requests: [
          {
            setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length]! }),
          },
        ],
      },
      (status) => statuses.set(status, (statuses.get(status) ?? 0) + 1),
    );
    const [signInResult, busy] = await Promise.all([signIns, pageLoad(base, page, durationSeconds)]);
    if (clearing) clearInterval(clearing);

    const count = (status: number) => statuses.get(status) ?? 0;
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    const succeeded = count(303); // the form redirects to the account page when it worked
    const rateLimited = count(429);
    if (succeeded === 0 && total > 0 && rateLimited < total) {
      throw new Error(
        `sign-in bench: no sign-in succeeded (statuses ${JSON.stringify(Object.fromEntries(statuses))}); is ${database.path} the running server's database, and ${origin} its SITE_URL?`,
      );
    }
    const seconds = signInResult.duration;
    return {
      signInsPerSecond: round(succeeded / seconds),
      signInAttemptsPerSecond: round(total / seconds),
      signInP50Ms: signInResult.latency.p50,
      signInP99Ms: signInResult.latency.p99,
      signInSucceeded: succeeded,
      signInRateLimited: rateLimited,
      signInOtherResponses: total - succeeded - rateLimited,
      signInErrors: signInResult.errors,
      signInConnections: connections,
      signInUsers: users,
      pageIdleP50Ms: idle.latency.p50,
      pageIdleP99Ms: idle.latency.p99,
      pageP50Ms: busy.latency.p50,
      pageP99Ms: busy.latency.p99,
      pageRequestsPerSecond: round(busy.requests.average),
      pageNon2xx: busy.non2xx,
    };
  } finally {
    if (clearing) clearInterval(clearing);
    // The accounts go, and their sessions and links with them (ON DELETE CASCADE).
    await removeThrowawayAccounts(db, created);
    if (clearLimits) await clearSignInLimits(db).catch(() => {});
    await database.close();
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
