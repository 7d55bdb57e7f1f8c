// `npm run bench`: throughput and latency of the site's hot paths, in one run, against a
// baseline measured in the same run on the same machine. A benchmark, not a test: it prints
// figures and ratios and writes them to bench-results/ (git-ignored); it fails only when
// something could not be measured.
//
// It builds the site if the build is stale, starts the built server on a free port with a
// new temporary database, starts a bare Node http server (src/cli/bench-raw-server.ts)
// answering the same bytes and, where nginx is installed, nginx serving the same files of
// dist/client (src/cli/bench/nginx.ts), and drives each scenario with autocannon (32 connections).
// The scenarios take turns, round after round, so that other work on the machine weighs
// on all of them alike; a ratio is the median of its per-round ratios.
//
// To measure something more, add one entry to SCENARIOS (bench/scenarios.ts): a name, what it does, and `plan`,
// which returns the request to repeat. Optional: goals, and `verify` (run after). Peers are
// entries too, with `baselineOf` (bare Node) or `nginxOf` instead of `plan`.
//
// Peak RSS is measured per scenario: the kernel's high-water mark of the site's process
// (VmHWM) is reset before each run (/proc/<pid>/clear_refs) and read after it.
//
// Environment: BENCH_ROUNDS (default 3), BENCH_SECONDS per scenario and round (default 3),
// BENCH_CONNECTIONS (default 32), BENCH_ONLY (names of scenarios, comma-separated: only
// those, with their peers, and no sign-in or reset unless named).
//
// The parts, under src/cli/bench/: settings.ts (the environment), scenarios.ts, plan.ts (which
// scenarios, their requests, the peers started), load.ts and run.ts (driving load and collecting
// figures), report.ts (printing figures, ratios and goals; the JSON file).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, buildIsStale } from './build.ts';
import { peakRss, WRK } from './bench/load.ts';
import { nginxBinary } from './bench/nginx.ts';
import { planTargets, selectedScenarios } from './bench/plan.ts';
import * as report from './bench/report.ts';
import { measureReset, measureSignIn, measureTargets } from './bench/run.ts';
import { includes, SITE_ORIGIN } from './bench/settings.ts';
import { startSiteProcess } from './site-process.ts';

async function main() {
  const scenarios = selectedScenarios();
  if (buildIsStale()) {
    console.log('The build is missing or older than the sources: building the site.');
    if (!build()) throw new Error('the build failed');
  }
  const dir = mkdtempSync(join(tmpdir(), 'ct-bench-'));
  const databasePath = join(dir, 'site.db');
  const startedAt = performance.now();
  const appEnv = { DATABASE_PATH: databasePath, MAIL_OUTBOX_DIR: join(dir, 'outbox'), SITE_URL: SITE_ORIGIN };
  const site = await startSiteProcess(appEnv);
  await fetch(site.url + '/');
  const firstResponseMs = performance.now() - startedAt;
  const sitePid = site.child.pid;
  const startRssMb = peakRss(sitePid);
  const target = { url: site.url, origin: SITE_ORIGIN };
  const stopSite = async () => {
    if (site.child.exitCode === null) site.child.kill('SIGTERM');
    await site.exited;
  };
  const stopping: (() => Promise<void>)[] = [stopSite];
  const nginx = nginxBinary();
  report.printHeading(nginx, WRK);
  try {
    const { targets, plans } = await planTargets(scenarios, target, sitePid, nginx, dir, stopping, appEnv);
    const results = await measureTargets(targets);
    report.printResults(results);
    const { checks, ratios } = report.checkGoals(scenarios, results);
    report.printRatios(ratios);
    for (const scenario of scenarios) if (scenario.verify) checks.push(await scenario.verify(target, plans.get(scenario.name)!));
    checks.push(report.firstResponseCheck(firstResponseMs));

    let signIn: Awaited<ReturnType<typeof measureSignIn>> | undefined;
    if (includes('sign-in')) {
      console.log('\nSign-in (argon2id on the thread pool) while a cheap page is measured:');
      signIn = await measureSignIn(target.url, sitePid, databasePath);
      report.printSignIn(signIn.figures, signIn.peakRssMb);
    }
    let reset: Record<string, number> | undefined;
    if (includes('reset')) {
      console.log(
        '\nPassword reset requests, one at a time: median time for an address with an account and for one without (figures, no goal):',
      );
      reset = await measureReset(target.url, databasePath);
      report.printReset(reset);
    }
    const memory = report.peakRssCheck(results, signIn?.peakRssMb, startRssMb);
    if (memory) checks.push(memory);
    report.printMissingTools(nginx, WRK);
    report.printGoals(checks);
    report.writeReport({ nginx, firstResponseMs, startRssMb, results, ratios, signIn, reset, checks });
  } finally {
    for (const stop of stopping) await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
