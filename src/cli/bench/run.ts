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
 * tail floor (`floorOf`) runs after its scenario, in the warm-up and in each round, spending
 * the CPU time per request the site's main thread spent on that scenario in its latest run.
 */
export async function measureTargets(planned: Target[]): Promise<Measured[]> {
  // A floor needs its scenario's CPU time, read from /proc (Linux): elsewhere it is left out.
  const targets = planned.filter(({ scenario }) => {
    const source = scenario.floorOf && planned.find((t) => t.scenario.name === scenario.floorOf);
    return !scenario.floorOf || (source && mainThreadCpuUs(source.pid) !== undefined);
  });
  const cpuPerRequest = new Map<string, number>();
  const runOnce = async (t: Target, seconds: number) => {
    const { name, floorOf } = t.scenario;
    const spendUs = floorOf ? cpuPerRequest.get(floorOf) : undefined;
    if (floorOf) await setSpend(t.url, spendUs ?? 0);
    const before = mainThreadCpuUs(t.pid);
    const run = await drive(t.url, t.plan, seconds);
    const after = mainThreadCpuUs(t.pid);
    // A run that answered nothing leaves no figure, rather than the one before it.
    if (before !== undefined && after !== undefined && run.ok > 0) cpuPerRequest.set(name, (after - before) / run.ok);
    else cpuPerRequest.delete(name);
    return { run, spendUs };
  };
  for (const t of targets) await runOnce(t, WARMUP_SECONDS);
  const rounds = new Map<string, LoadRun[]>(targets.map((t) => [t.scenario.name, []]));
  const peaks = new Map<string, number>();
  const spent = new Map<string, number[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const t of targets) {
      const name = t.scenario.name;
      resetPeakRss(t.pid);
      const { run, spendUs } = await runOnce(t, SECONDS);
      rounds.get(name)!.push(run);
      if (spendUs !== undefined) spent.set(name, [...(spent.get(name) ?? []), spendUs]);
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
