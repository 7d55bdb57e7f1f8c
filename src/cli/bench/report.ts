// Reporting a run of `npm run bench` (src/cli/bench.ts): the figures of each scenario, the
// ratios to the peers and the goals they are checked against, printed, and all of it written
// to bench-results/ as JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fmt, median, roundedMb } from './figures.ts';
import type { Measured } from './load.ts';
import { nginxVersion } from './nginx.ts';
import type { Scenario } from './scenarios.ts';
import { CONNECTIONS, ROUNDS, root, SECONDS, WARMUP_SECONDS } from './settings.ts';

/** A goal checked; ok is null when it could not be measured here (a peer is not installed). */
export interface Check {
  ok: boolean | null;
  line: string;
}

export interface Ratio {
  of: string;
  to: string;
  ratio: number;
  rounds: number[];
}

/** `postgres`: the PostgreSQL the pg- scenarios run on (its version and settings), if any. */
export function printHeading(nginx: string | undefined, wrk: string | undefined, postgres: string | undefined): void {
  console.log(
    `Benchmark: ${CONNECTIONS} connections; ${ROUNDS} rounds of ${SECONDS} s per scenario, taking turns (after ${WARMUP_SECONDS} s of warm-up); ${cpus().length} CPUs; Node ${process.versions.node}${nginx ? `; ${nginxVersion(nginx)}` : ''}${postgres ? `; ${postgres}` : ''}; load from ${wrk ? 'wrk (GETs) and autocannon (POSTs)' : 'autocannon'}\n`,
  );
}

export function printResults(results: Measured[]): void {
  // The width of the name column: the longest name, and at least the one of pg-announcements.
  const NAME_WIDTH = Math.max(17, ...results.map((r) => r.name.length + 1));
  for (const result of results) {
    const rss = result.peakRssMb === undefined ? '' : `   peak RSS ${result.peakRssMb} MB`;
    console.log(
      `${result.name.padEnd(NAME_WIDTH)} ${fmt(result.rps).padStart(8)} req/s   p50 ${fmt(result.p50)} ms   p99 ${fmt(result.p99)} ms   non-2xx ${result.non2xx}   errors ${result.errors}${rss}`,
    );
    console.log(`${''.padEnd(NAME_WIDTH)} ${result.description}`);
    console.log(
      `${''.padEnd(NAME_WIDTH)} rounds: ${result.roundsRps.map((r) => fmt(r)).join(', ')} req/s; p99 ${result.roundsP99.map((p) => fmt(p)).join(', ')} ms`,
    );
  }
}

/** The median over rounds of `a`'s requests per second over `b`'s. */
const ratio = (a: Measured, b: Measured) => median(a.roundsRps.map((r, i) => r / b.roundsRps[i]!));

/** Each scenario's goals checked against the results, with the ratios they compare. */
export function checkGoals(scenarios: Scenario[], results: Measured[]): { checks: Check[]; ratios: Ratio[] } {
  const checks: Check[] = [];
  const ratios: Ratio[] = [];
  for (const scenario of scenarios) {
    const result = results.find((r) => r.name === scenario.name);
    const { goal } = scenario;
    if (!result && goal && scenario.database === 'postgres') {
      checks.push({ ok: null, line: `${scenario.name}: not measured (PostgreSQL is not installed)` });
      continue;
    }
    if (!result || !goal) continue;
    for (const wanted of goal.minRatios ?? []) {
      const base = results.find((r) => r.name === wanted.scenario);
      if (!base) {
        checks.push({ ok: null, line: `${scenario.name} / ${wanted.scenario}: not measured (nginx is not installed)` });
        continue;
      }
      const value = ratio(result, base);
      ratios.push({ of: result.name, to: base.name, ratio: value, rounds: result.roundsRps.map((x, i) => x / base.roundsRps[i]!) });
      // Against nginx, what the bare Node server reaches too: the ceiling of node:http here.
      const againstNginx = scenarios.some((s) => s.name === base.name && s.nginxOf);
      const bare = againstNginx
        ? results.find((r) => scenarios.some((s) => s.name === r.name && s.baselineOf === scenario.name))
        : undefined;
      const reference = bare ? `; ${bare.name} itself: ${fmt(ratio(bare, base) * 100, 1)} %` : '';
      const goalText = wanted.ratio === undefined ? 'no goal' : `goal ≥ ${fmt(wanted.ratio * 100)} %`;
      checks.push({
        ok: wanted.ratio === undefined ? null : value >= wanted.ratio,
        line: `${scenario.name} / ${base.name}: ${fmt(value * 100, 1)} % of its requests per second (${goalText}${reference})`,
      });
    }
    if (goal.minRps !== undefined) {
      checks.push({ ok: result.rps >= goal.minRps, line: `${scenario.name}: ${fmt(result.rps)} per second (goal ≥ ${fmt(goal.minRps)})` });
    }
    if (goal.maxP99Ms !== undefined) {
      const floor = results.find((r) => scenarios.some((s) => s.name === r.name && s.floorOf === scenario.name));
      const floorText =
        floor?.spentUs === undefined
          ? ''
          : `; ${floor.name}, spending the same ${fmt(floor.spentUs)} µs of CPU per request: p99 ${fmt(floor.p99)} ms`;
      checks.push({
        ok: result.p99 < goal.maxP99Ms,
        line: `${scenario.name}: p99 ${fmt(result.p99)} ms at ${CONNECTIONS} connections (goal < ${goal.maxP99Ms} ms${floorText})`,
      });
    }
  }
  return { checks, ratios };
}

export function printRatios(ratios: Ratio[]): void {
  if (ratios.length > 0) console.log('\nRatios (median of the rounds):');
  for (const r of ratios)
    console.log(`  ${r.of} / ${r.to}: ${fmt(r.ratio * 100, 1)} %   (rounds: ${r.rounds.map((x) => fmt(x * 100, 1)).join(', ')} %)`);
}

export function firstResponseCheck(firstResponseMs: number): Check {
  return {
    ok: firstResponseMs <= 1000,
    line: `first response ${fmt(firstResponseMs)} ms after start (goal ≤ 1,000 ms; a fresh database, migrations included)`,
  };
}

export function printSignIn(figures: Record<string, number>, peakRssMb: number | undefined): void {
  for (const [name, value] of Object.entries(figures)) console.log(`  ${name.padEnd(28)} ${fmt(value, value < 100 ? 1 : 0)}`);
  if (peakRssMb !== undefined) console.log(`  ${'peakRssMb'.padEnd(28)} ${peakRssMb}`);
}

export function printReset(figures: Record<string, number>): void {
  for (const [name, value] of Object.entries(figures)) console.log(`  ${name.padEnd(28)} ${fmt(value, 2)}`);
}

/** The goal on the site's memory: its highest peak RSS in any scenario or in sign-in; none when nothing was read. */
export function peakRssCheck(results: Measured[], signInPeakRssMb: number | undefined, startRssMb: number | undefined): Check | undefined {
  const underLoad = [...results.map((r) => ({ name: r.name, mb: r.peakRssMb })), { name: 'sign-in', mb: signInPeakRssMb }].filter(
    (x): x is { name: string; mb: number } => x.mb !== undefined,
  );
  if (underLoad.length === 0) return undefined;
  const worst = underLoad.reduce((a, b) => (b.mb > a.mb ? b : a));
  return {
    ok: worst.mb <= 200,
    line: `peak RSS of the site under load ${worst.mb} MB, in ${worst.name} (goal ≤ 200 MB; ${roundedMb(startRssMb)} MB after start)`,
  };
}

/** Sign-in on PostgreSQL against sign-in on SQLite: a figure (argon2id dominates both), no goal. */
export function signInComparison(sqlite: Record<string, number>, postgres: Record<string, number>): Check {
  const onSqlite = sqlite.signInsPerSecond ?? 0;
  const onPostgres = postgres.signInsPerSecond ?? 0;
  const share = onSqlite > 0 ? ` (${fmt((onPostgres / onSqlite) * 100, 1)} % of SQLite's ${fmt(onSqlite, 1)})` : '';
  return {
    ok: null,
    line: `sign-in on PostgreSQL: ${fmt(onPostgres, 1)} per second${share}, p99 ${fmt(postgres.signInP99Ms ?? 0)} ms; /healthz meanwhile p99 ${fmt(postgres.pageP99Ms ?? 0)} ms (a figure, no goal)`,
  };
}

export function printMissingTools(nginx: string | undefined, wrk: string | undefined, postgresMissing: boolean): void {
  if (postgresMissing)
    console.log(
      '\n(PostgreSQL is not installed here: the pg- scenarios and sign-in on PostgreSQL are not measured. apt-get install postgresql, and run again.)',
    );
  if (!nginx)
    console.log(
      '\n(nginx is not installed here: the ratios to nginx are not measured. Install it (apt-get install nginx-light) and run again.)',
    );
  if (!wrk)
    console.log(
      '(wrk is not installed here: autocannon, at about 20,000 responses per second, may be the limit for static pages. apt-get install wrk.)',
    );
}

export function printGoals(checks: Check[]): void {
  console.log('\nGoals:');
  for (const check of checks) console.log(`  ${check.ok === null ? 'n/a    ' : check.ok ? 'met    ' : 'NOT MET'}  ${check.line}`);
}

export interface Report {
  nginx: string | undefined;
  firstResponseMs: number;
  startRssMb: number | undefined;
  results: Measured[];
  ratios: Ratio[];
  signIn: { figures: Record<string, number>; peakRssMb: number | undefined } | undefined;
  signInOnPostgres: { figures: Record<string, number>; peakRssMb: number | undefined } | undefined;
  /** The PostgreSQL of the pg- scenarios, if any. */
  postgres: string | undefined;
  reset: Record<string, number> | undefined;
  checks: Check[];
}

/** Writes the run to bench-results/bench-<time>.json and says where. */
export function writeReport(report: Report): void {
  mkdirSync(join(root, 'bench-results'), { recursive: true });
  const file = join(root, 'bench-results', `bench-${new Date().toISOString().replaceAll(':', '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.versions.node,
        nginx: report.nginx ? nginxVersion(report.nginx) : null,
        postgres: report.postgres ?? null,
        cpus: cpus().length,
        connections: CONNECTIONS,
        rounds: ROUNDS,
        seconds: SECONDS,
        firstResponseMs: report.firstResponseMs,
        startRssMb: roundedMb(report.startRssMb),
        results: report.results,
        ratios: report.ratios,
        signIn: report.signIn && { ...report.signIn.figures, peakRssMb: report.signIn.peakRssMb },
        signInOnPostgres: report.signInOnPostgres && { ...report.signInOnPostgres.figures, peakRssMb: report.signInOnPostgres.peakRssMb },
        reset: report.reset,
        checks: report.checks,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`\nWritten to ${file}`);
}
