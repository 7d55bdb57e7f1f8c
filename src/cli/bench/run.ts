// Running a planned benchmark (src/cli/bench.ts): a warm-up, then the targets taking turns
// round after round, so that other work on the machine weighs on all of them alike, with the
// site's peak RSS per scenario; and the sign-in and reset measurements.
import { benchReset } from './reset.ts';
import { benchSignIn } from './sign-in.ts';
import { median, roundedMb } from './figures.ts';
import { drive, driverOf, mainThreadCpuUs, peakRss, resetPeakRss, summarize, type Measured } from './load.ts';
import type { Target } from './plan.ts';
import { ROUNDS, SECONDS, SITE_ORIGIN, WARMUP_SECONDS } from './settings.ts';
import type { LoadRun } from './wrk.ts';

/** Sets the CPU time a tail floor (src/cli/bench-raw-server.ts) spends per request. */
async function setSpend(floorUrl: string, us: number): Promise<void> {
  const res = await fetch(`${floorUrl}/.bench/spend`, { method: 'POST', body: String(Math.round(us)) });
  if (res.status !== 204) throw new Error(`the tail floor at ${floorUrl} answered ${res.status}`);
}

/**
 * Drives every target for ROUNDS rounds of SECONDS (after a warm-up) and summarizes each. A
 * tail floor (`floorOf`) runs after its scenario in each round, spending the CPU time per
 * request the site's main thread spent on that scenario in that round.
 */
export async function measureTargets(targets: Target[]): Promise<Measured[]> {
  const spendFor = (t: Target, cpuPerRequest: Map<string, number>) =>
    t.scenario.floorOf ? setSpend(t.url, cpuPerRequest.get(t.scenario.floorOf) ?? 0) : undefined;
  const cpuPerRequest = new Map<string, number>();
  for (const t of targets) {
    await spendFor(t, cpuPerRequest);
    await drive(t.url, t.plan, WARMUP_SECONDS);
  }
  const rounds = new Map<string, LoadRun[]>(targets.map((t) => [t.scenario.name, []]));
  const peaks = new Map<string, number>();
  const spent = new Map<string, number[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const t of targets) {
      const name = t.scenario.name;
      if (t.scenario.floorOf) {
        const us = cpuPerRequest.get(t.scenario.floorOf);
        if (us === undefined) throw new Error(`${name}: ${t.scenario.floorOf} must run before it, on a server whose CPU time can be read`);
        await setSpend(t.url, us);
        spent.set(name, [...(spent.get(name) ?? []), us]);
      }
      resetPeakRss(t.pid);
      const cpuBefore = mainThreadCpuUs(t.pid);
      const run = await drive(t.url, t.plan, SECONDS);
      const cpuAfter = mainThreadCpuUs(t.pid);
      rounds.get(name)!.push(run);
      if (cpuBefore !== undefined && cpuAfter !== undefined && run.ok > 0) cpuPerRequest.set(name, (cpuAfter - cpuBefore) / run.ok);
      const peak = t.pid ? peakRss(t.pid) : undefined;
      if (peak !== undefined) peaks.set(name, Math.max(peak, peaks.get(name) ?? 0));
    }
  }
  return targets.map(({ scenario, plan }) => ({
    ...summarize(scenario.name, scenario.description, rounds.get(scenario.name)!, driverOf(plan)),
    peakRssMb: roundedMb(peaks.get(scenario.name)),
    ...(spent.has(scenario.name) ? { spentUs: median(spent.get(scenario.name)!) } : {}),
  }));
}

/**
 * Sign-in (argon2id on the thread pool) while a cheap page is measured, with the site's peak
 * RSS meanwhile; `database` is the site's (a SQLite file or a PostgreSQL URL).
 */
export async function measureSignIn(siteUrl: string, sitePid: number | undefined, database: string) {
  resetPeakRss(sitePid);
  const figures = await benchSignIn(siteUrl, SITE_ORIGIN, { database });
  return { figures, peakRssMb: roundedMb(peakRss(sitePid)) };
}

/** Password reset requests, one at a time, for an address with an account and one without. */
export async function measureReset(siteUrl: string, databasePath: string): Promise<Record<string, number>> {
  return benchReset(siteUrl, SITE_ORIGIN, databasePath);
}
