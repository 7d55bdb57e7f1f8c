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
// entries too, with `baselineOf` (bare Node), `floorOf` (bare Node spending the site's CPU time
// per request: the tail floor of a p99 goal) or `nginxOf` instead of `plan`.
//
// Peak RSS is measured per scenario: the kernel's high-water mark of the site's process
// (VmHWM) is reset before each run (/proc/<pid>/clear_refs) and read after it.
//
// PostgreSQL (issue 15): where it is installed, a second app server runs on a throwaway
// cluster with durable commits (src/cli/postgres-cluster.ts), connected as a role of its own;
// the pg- scenarios and a second sign-in run go to it, against the same bare Node peer and
// the SQLite server's figures.
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
import { basename, dirname } from 'node:path';
import { createAppDatabase } from '../lib/db/postgres-admin.ts';
import { build, buildIsStale } from './build.ts';
import { peakRss, WRK } from './bench/load.ts';
import { nginxBinary } from './bench/nginx.ts';
import { planTargets, selectedScenarios, siteOf, type SiteUnderTest } from './bench/plan.ts';
import * as report from './bench/report.ts';
import { measureReset, measureSignIn, measureTargets } from './bench/run.ts';
import { includes, SITE_ORIGIN } from './bench/settings.ts';
import { postgresBin, startPostgresCluster } from './postgres-cluster.ts';
import { LOCAL_ASTRO_KEY, startSiteProcess, type SiteProcess } from './site-process.ts';

/** Stops a site process (SIGTERM) and waits for it to exit. */
async function stopProcess(site: SiteProcess): Promise<void> {
  if (site.child.exitCode === null) site.child.kill('SIGTERM');
  await site.exited;
}

/**
 * The site on a throwaway PostgreSQL cluster with durable commits, as a role of its own;
 * its stops are pushed onto `stopping`. Returns the server and its database URL.
 */
async function startPostgresSite(dir: string, stopping: (() => Promise<void>)[]): Promise<{ site: SiteUnderTest; url: string }> {
  const cluster = await startPostgresCluster({ durable: true });
  stopping.push(async () => cluster.stop());
  const url = await createAppDatabase(cluster.url, 'ct_bench');
  const env = { DATABASE_URL: url, MAIL_OUTBOX_DIR: join(dir, 'outbox-pg'), SITE_URL: SITE_ORIGIN };
  const started = await startSiteProcess(env);
  // First in the list: the server stops before its cluster.
  stopping.unshift(() => stopProcess(started));
  return { site: { url: started.url, origin: SITE_ORIGIN, pid: started.child.pid, env }, url };
}

async function main() {
  const scenarios = selectedScenarios();
  // A site on PostgreSQL needs an island key, and the build must carry the same one.
  process.env.ASTRO_KEY ??= LOCAL_ASTRO_KEY;
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
  const target = { url: site.url, origin: SITE_ORIGIN, pid: sitePid, env: appEnv };
  const stopping: (() => Promise<void>)[] = [() => stopProcess(site)];
  const nginx = nginxBinary();
  const pgBin = postgresBin();
  const wantsPostgres = scenarios.some((s) => s.database === 'postgres') || includes('sign-in');
  const postgres = pgBin && wantsPostgres ? `PostgreSQL ${basename(dirname(pgBin))} (durable commits)` : undefined;
  report.printHeading(nginx, WRK, postgres);
  try {
    const onPostgres = postgres ? await startPostgresSite(dir, stopping) : undefined;
    const sites = { sqlite: target, postgres: onPostgres?.site };
    const { targets, plans } = await planTargets(scenarios, sites, nginx, dir, stopping);
    const results = await measureTargets(targets);
    report.printResults(results);
    const { checks, ratios } = report.checkGoals(scenarios, results);
    report.printRatios(ratios);
    for (const scenario of scenarios) {
      const own = siteOf(sites, scenario);
      const plan = plans.get(scenario.name);
      if (!scenario.verify || !own || !plan) continue;
      const verified = await scenario.verify(own, plan);
      checks.push({ ...verified, line: `${scenario.name}: ${verified.line}` });
    }
    checks.push(report.firstResponseCheck(firstResponseMs));

    let signIn: Awaited<ReturnType<typeof measureSignIn>> | undefined;
    if (includes('sign-in')) {
      console.log('\nSign-in (argon2id on the thread pool) while a cheap page is measured:');
      signIn = await measureSignIn(target.url, sitePid, databasePath);
      report.printSignIn(signIn.figures, signIn.peakRssMb);
    }
    let signInOnPostgres: Awaited<ReturnType<typeof measureSignIn>> | undefined;
    if (includes('sign-in') && onPostgres) {
      console.log('\nThe same with the site on PostgreSQL:');
      signInOnPostgres = await measureSignIn(onPostgres.site.url, onPostgres.site.pid, onPostgres.url);
      report.printSignIn(signInOnPostgres.figures, signInOnPostgres.peakRssMb);
      if (signIn) checks.push(report.signInComparison(signIn.figures, signInOnPostgres.figures));
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
    report.printMissingTools(nginx, WRK, wantsPostgres && !pgBin);
    report.printGoals(checks);
    report.writeReport({ nginx, postgres, firstResponseMs, startRssMb, results, ratios, signIn, signInOnPostgres, reset, checks });
  } finally {
    for (const stop of stopping) await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
