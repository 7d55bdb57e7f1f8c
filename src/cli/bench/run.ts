// Running a planned benchmark (src/cli/bench.ts): a warm-up, then the targets taking turns
// round after round, so that other work on the machine weighs on all of them alike, with the
// site's peak RSS per scenario; and the sign-in and reset measurements.
import { benchReset } from './reset.ts';
import { benchSignIn } from './sign-in.ts';
import { roundedMb } from './figures.ts';
import { drive, driverOf, peakRss, resetPeakRss, summarize, type Measured } from './load.ts';
import type { Target } from './plan.ts';
import { ROUNDS, SECONDS, SITE_ORIGIN, WARMUP_SECONDS } from './settings.ts';
import type { LoadRun } from './wrk.ts';

/** Drives every target for ROUNDS rounds of SECONDS (after a warm-up) and summarizes each. */
export async function measureTargets(targets: Target[]): Promise<Measured[]> {
  for (const t of targets) await drive(t.url, t.plan, WARMUP_SECONDS);
  const rounds = new Map<string, LoadRun[]>(targets.map((t) => [t.scenario.name, []]));
  const peaks = new Map<string, number>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const t of targets) {
      resetPeakRss(t.pid);
      rounds.get(t.scenario.name)!.push(await drive(t.url, t.plan, SECONDS));
      const peak = t.pid ? peakRss(t.pid) : undefined;
      if (peak !== undefined) peaks.set(t.scenario.name, Math.max(peak, peaks.get(t.scenario.name) ?? 0));
    }
  }
  return targets.map(({ scenario, plan }) => ({
    ...summarize(scenario.name, scenario.description, rounds.get(scenario.name)!, driverOf(plan)),
    peakRssMb: roundedMb(peaks.get(scenario.name)),
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
