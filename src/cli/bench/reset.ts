// The password-reset scenario of `npm run bench`: how long a reset request takes for an address
// that has an account and for one that has none. The request path only queues the request
// (src/lib/auth/reset-queue.ts), so the two should not differ; these are figures, not a goal
// (a test checks the mechanism: tests/unit/auth-accounts.test.ts).
//
// Requests go one at a time, known and unknown taking turns. Reset requests are limited per
// client address and per address (every request here comes from one client): the benchmark
// empties those counters in the database before each request, outside the time measured.
import { randomBytes } from 'node:crypto';
import { createAccount, normalizeEmail, removeThrowawayAccounts } from '../../lib/auth/index.ts';
import { openDatabase, type DB } from '../../lib/db/index.ts';
import { clearBuckets, LIMITS } from '../../lib/rate-limit/index.ts';

async function clearResetLimits(db: DB): Promise<void> {
  await clearBuckets(db, [LIMITS.resetPerIp.bucket, LIMITS.mailResetPassword.bucket]);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Medians (ms) of reset requests for a known and an unknown address, `rounds` of each. */
export async function benchReset(baseUrl: string, origin: string, databasePath: string, rounds = 100): Promise<Record<string, number>> {
  const base = baseUrl.replace(/\/$/, '');
  const database = openDatabase(databasePath);
  const run = randomBytes(4).toString('hex');
  const known = `bench-reset-${run}@example.com`;
  const unknown = `bench-nobody-${run}@example.com`;
  const id = await createAccount(database.db, normalizeEmail(known)!, [], null);
  const times: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
  const statuses = new Map<number, number>();
  try {
    const once = async (email: string) => {
      await clearResetLimits(database.db);
      const started = performance.now();
      const res = await fetch(`${base}/forgot-password?_action=auth.forgotPassword`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email }),
      });
      await res.arrayBuffer();
      const ms = performance.now() - started;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      return ms;
    };
    // Warm-up: the first requests compile code paths.
    for (let i = 0; i < 5; i++) {
      await once(known);
      await once(unknown);
    }
    for (let i = 0; i < rounds; i++) {
      // Alternate which goes first, so that neither always follows the other's mail.
      const order = i % 2 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const);
      for (const which of order) times[which].push(await once(which === 'known' ? known : unknown));
    }
    const other = [...statuses].filter(([status]) => status !== 200);
    if (other.length > 0) throw new Error(`reset bench: unexpected responses ${JSON.stringify(Object.fromEntries(other))}`);
    return { resetKnownP50Ms: round(median(times.known)), resetUnknownP50Ms: round(median(times.unknown)), resetRequestsEach: rounds };
  } finally {
    await clearResetLimits(database.db).catch(() => {});
    await removeThrowawayAccounts(database.db, [id]);
    await database.close();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
