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
// To measure something more, add one entry to SCENARIOS: a name, what it does, and `plan`,
// which returns the request to repeat. Optional: goals, and `verify` (run after). Peers are
// entries too, with `baselineOf` (bare Node) or `nginxOf` instead of `plan`.
//
// Peak RSS is measured per scenario: the kernel's high-water mark of the site's process
// (VmHWM) is reset before each run (/proc/<pid>/clear_refs) and read after it.
//
// Environment: BENCH_ROUNDS (default 3), BENCH_SECONDS per scenario and round (default 3),
// BENCH_CONNECTIONS (default 32), BENCH_ONLY (names of scenarios, comma-separated: only
// those, with their peers, and no sign-in or reset unless named).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { build, buildIsStale } from './build.ts';
import { nginxBinary, nginxVersion, startNginx } from './bench/nginx.ts';
import type { Reply } from './bench/reply.ts';
import { benchReset } from './bench/reset.ts';
import { benchSignIn } from './bench/sign-in.ts';
import { runWrk, wrkBinary, type LoadRun } from './bench/wrk.ts';
import { startSiteProcess, whenReady } from './site-process.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ONLY = process.env.BENCH_ONLY?.split(',').map((name) => name.trim()).filter(Boolean);
const WARMUP_SECONDS = 2;
// The origin the server is started with (SITE_URL), as a same-site browser sends it.
const SITE_ORIGIN = 'http://localhost:4321';
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
// A page load as Chrome asks for it: the site answers with the Brotli file written at build
// time, and the peers send those very bytes.
const BROWSER_GET = { 'user-agent': BROWSER_UA, 'accept-encoding': 'gzip, deflate, br, zstd' };

// ---------------------------------------------------------------------------------------
// Scenarios

interface Site {
  url: string;
  origin: string;
}

/** One request, repeated; `body` is called for every request (so each can differ). */
interface RequestPlan {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: () => string;
}

interface Goal {
  /** Requests per second at least. */
  minRps?: number;
  /** At least this fraction of each named scenario's requests per second. */
  minRatios?: { scenario: string; ratio: number }[];
  /** 99th-percentile latency below this many milliseconds. */
  maxP99Ms?: number;
}

interface Scenario {
  name: string;
  description: string;
  /** The request to repeat against the site. */
  plan?: (site: Site) => Promise<RequestPlan>;
  /** Instead of `plan`: the bare Node server answering this scenario's request with the site's bytes. */
  baselineOf?: string;
  /** Instead of `plan`: nginx serving the file of dist/client the site answers this scenario's request with. */
  nginxOf?: string;
  goal?: Goal;
  /** Checks run after the scenario; each returns a line to print (and whether it held). */
  verify?: (site: Site) => Promise<{ ok: boolean; line: string }>;
}

const VIEW_PATH = '/features';

async function viewCount(site: Site, path: string): Promise<number> {
  const res = await fetch(`${site.url}/api/views?path=${encodeURIComponent(path)}`);
  return ((await res.json()) as { views: number }).views;
}

const plans = new Map<string, RequestPlan>();

const SCENARIOS: Scenario[] = [
  {
    name: 'view-event',
    description: `POST /api/views/event for ${VIEW_PATH}: a new page-load key each time, a returning visitor's cookie`,
    plan: async (site) => ({
      method: 'POST',
      path: '/api/views/event',
      headers: {
        'content-type': 'application/json',
        origin: site.origin,
        'user-agent': BROWSER_UA,
        cookie: 'visitor=BenchVisitor000000000001',
      },
      // Keys as the beacon makes them (time, then random hex), all of the same length so
      // that the baseline gets requests of the same size.
      body: () => JSON.stringify({ path: VIEW_PATH, key: `${Date.now().toString(36)}-${randomBytes(12).toString('hex')}` }),
    }),
    goal: { minRatios: [{ scenario: 'raw-node', ratio: 0.5 }], maxP99Ms: 20 },
    // Exactness under the same load: a burst of a known number of events (autocannon stops
    // a timed run with requests in flight, so the timed runs cannot be checked exactly).
    verify: async (site) => {
      const plan = plans.get('view-event')!;
      const before = await viewCount(site, VIEW_PATH);
      const burst = await autocannon({ ...options(site.url, plan), amount: 5000 });
      const added = (await viewCount(site, VIEW_PATH)) - before;
      return { ok: burst['2xx'] === 5000 && added === 5000, line: `exact: 5,000 events sent, ${fmt(burst['2xx'])} accepted → +${fmt(added)} views` };
    },
  },
  {
    name: 'raw-node',
    description: 'a bare Node http server reading the same requests and answering the same bytes',
    baselineOf: 'view-event',
  },
  {
    name: 'home',
    description: 'GET / (a prerendered page, served from memory by src/server)',
    plan: async () => ({ method: 'GET', path: '/', headers: BROWSER_GET }),
    goal: { minRatios: [{ scenario: 'raw-home', ratio: 0.8 }, { scenario: 'nginx-home', ratio: 0.5 }] },
  },
  { name: 'raw-home', description: 'a bare Node http server answering the bytes of /', baselineOf: 'home' },
  { name: 'nginx-home', description: 'nginx (one worker) serving the same file of dist/client with the same headers', nginxOf: 'home' },
  {
    name: 'privacy',
    description: 'GET /privacy (prerendered; the version in effect is chosen at request time)',
    plan: async () => ({ method: 'GET', path: '/privacy', headers: BROWSER_GET }),
    goal: { minRatios: [{ scenario: 'raw-privacy', ratio: 0.8 }, { scenario: 'nginx-privacy', ratio: 0.5 }] },
  },
  { name: 'raw-privacy', description: 'a bare Node http server answering the bytes of /privacy', baselineOf: 'privacy' },
  { name: 'nginx-privacy', description: 'nginx (one worker) serving the file of the version in effect', nginxOf: 'privacy' },
  {
    name: 'announcements',
    description: 'GET the AnnouncementBanner server island (rendered by Astro; reads the dismiss cookie and the schedule)',
    plan: async (site) => {
      const html = await (await fetch(site.url + '/')).text();
      const src = /\/_server-islands\/AnnouncementBanner[^"']*/.exec(html)?.[0]?.replaceAll('&amp;', '&');
      if (!src) throw new Error('no AnnouncementBanner island on /');
      return { method: 'GET', path: src, headers: { 'user-agent': BROWSER_UA } };
    },
    goal: { minRps: 1500 },
  },
  {
    name: 'island',
    description: `GET the ViewCount server island of ${VIEW_PATH} (rendered by Astro)`,
    plan: async (site) => {
      const html = await (await fetch(site.url + VIEW_PATH)).text();
      const src = /\/_server-islands\/ViewCount[^"']*/.exec(html)?.[0]?.replaceAll('&amp;', '&');
      if (!src) throw new Error(`no ViewCount island on ${VIEW_PATH}`);
      return { method: 'GET', path: src, headers: { 'accept-language': 'en-US,en;q=0.9', 'user-agent': BROWSER_UA } };
    },
    goal: { minRps: 1500 },
  },
];

/** What this run measures: every scenario, or those BENCH_ONLY names with their peers. */
function selectedScenarios(): Scenario[] {
  if (!ONLY) return SCENARIOS;
  const unknown = ONLY.filter((name) => name !== 'sign-in' && name !== 'reset' && !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: no scenario named ${unknown.join(', ')} (there are ${SCENARIOS.map((s) => s.name).join(', ')}, sign-in, reset)`);
  return SCENARIOS.filter((s) => ONLY.includes(s.name) || ONLY.includes(s.baselineOf ?? s.nginxOf ?? ''));
}

// ---------------------------------------------------------------------------------------
// Processes

/** The baseline server (the site itself is started by site-process.ts). */
interface Running {
  url: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

async function startProcess(args: string[], env: Record<string, string>, ready: RegExp): Promise<Running> {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const { url, exited } = await whenReady(child, ready, 30_000);
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------
// Measuring

interface Measured {
  name: string;
  description: string;
  /** Requests answered 2xx per second, over all rounds. */
  rps: number;
  /** Per round. */
  roundsRps: number[];
  /** wrk or autocannon. */
  driver: string;
  /** Median of the rounds' medians. */
  p50: number;
  /** The worst round's 99th percentile. */
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** The site's highest RSS while this scenario ran, in MB (site scenarios only). */
  peakRssMb?: number;
}

function options(url: string, plan: RequestPlan): autocannon.Options {
  return {
    url: url + plan.path,
    connections: CONNECTIONS,
    method: plan.method,
    headers: plan.headers ?? {},
    requests: [{ setupRequest: (request) => (plan.body ? { ...request, body: plan.body() } : request) }],
  };
}

const WRK = wrkBinary();

/** The load generator for a plan: wrk where installed (see bench/wrk.ts), else autocannon; autocannon for changing bodies. */
const driverOf = (plan: RequestPlan) => (WRK && !plan.body ? 'wrk' : 'autocannon');

async function drive(url: string, plan: RequestPlan, seconds: number): Promise<LoadRun> {
  if (driverOf(plan) === 'wrk') return runWrk(WRK!, url + plan.path, plan, CONNECTIONS, seconds);
  const r = await autocannon({ ...options(url, plan), duration: seconds });
  return { ok: r['2xx'], non2xx: r.non2xx, errors: r.errors, duration: r.duration, p50: r.latency.p50, p99: r.latency.p99 };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function summarize(name: string, description: string, rounds: LoadRun[], driver: string): Measured {
  const ok = rounds.reduce((sum, r) => sum + r.ok, 0);
  const seconds = rounds.reduce((sum, r) => sum + r.duration, 0);
  return {
    name,
    description,
    driver,
    rps: ok / seconds,
    roundsRps: rounds.map((r) => r.ok / r.duration),
    p50: median(rounds.map((r) => r.p50)),
    p99: Math.max(...rounds.map((r) => r.p99)),
    ok,
    non2xx: rounds.reduce((sum, r) => sum + r.non2xx, 0),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
  };
}

/** The site's exact answer to one request of the plan, for the baseline to repeat. */
function capture(site: Site, plan: RequestPlan): Promise<Reply> {
  // node:http rather than fetch: fetch asks for gzip when the plan names no encoding, and
  // hands back decoded text; the peers must send the very bytes the site sent.
  return new Promise((resolve, reject) => {
    const req = request(site.url + plan.path, { method: plan.method, headers: plan.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined && !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name)) headers[name] = String(value);
        }
        resolve({ status: res.statusCode!, headers, body: Buffer.concat(chunks).toString('base64') });
      });
    });
    req.on('error', reject);
    req.end(plan.body?.());
  });
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The highest resident set size the process has had since the last reset, in MB (Linux: VmHWM). */
function peakRss(pid: number | undefined): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resets the process's VmHWM to its current RSS (Linux ≥ 4.0), so the next reading covers what follows. */
function resetPeakRss(pid: number | undefined): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not Linux, or not allowed: the readings then cover everything since the start.
  }
}

const roundedMb = (mb: number | undefined) => (mb === undefined ? undefined : Math.round(mb));

// ---------------------------------------------------------------------------------------

async function main() {
  const scenarios = selectedScenarios();
  if (buildIsStale()) {
    console.log('The build is missing or older than the sources: building the site.');
    if (!build()) throw new Error('the build failed');
  }
  const dir = mkdtempSync(join(tmpdir(), 'ct-bench-'));
  const databasePath = join(dir, 'site.db');
  const startedAt = performance.now();
  const site = await startSiteProcess({ DATABASE_PATH: databasePath, MAIL_OUTBOX_DIR: join(dir, 'outbox'), SITE_URL: SITE_ORIGIN });
  await fetch(site.url + '/');
  const firstResponseMs = performance.now() - startedAt;
  const sitePid = site.child.pid;
  const startRssMb = peakRss(sitePid);
  const target: Site = { url: site.url, origin: SITE_ORIGIN };
  const results: Measured[] = [];
  const stopSite = async () => {
    if (site.child.exitCode === null) site.child.kill('SIGTERM');
    await site.exited;
  };
  const stopping: (() => Promise<void>)[] = [stopSite];
  const nginx = nginxBinary();
  console.log(
    `Benchmark: ${CONNECTIONS} connections; ${ROUNDS} rounds of ${SECONDS} s per scenario, taking turns (after ${WARMUP_SECONDS} s of warm-up); ${cpus().length} CPUs; Node ${process.versions.node}${nginx ? `; ${nginxVersion(nginx)}` : ''}; load from ${WRK ? 'wrk (GETs) and autocannon (POSTs)' : 'autocannon'}\n`,
  );
  try {
    // What to drive for each scenario: the site, or a peer answering with its bytes.
    const targets: { scenario: Scenario; url: string; plan: RequestPlan; pid?: number }[] = [];
    for (const scenario of scenarios) if (scenario.plan) plans.set(scenario.name, await scenario.plan(target));
    const planOf = (scenario: Scenario, name: string) => {
      const plan = plans.get(name);
      if (!plan) throw new Error(`${scenario.name}: ${name} has no plan`);
      return plan;
    };
    // One nginx for all its scenarios.
    const nginxScenarios = scenarios.filter((s) => s.nginxOf);
    let nginxUrl: string | undefined;
    if (nginx && nginxScenarios.length > 0) {
      const routes = [];
      for (const s of nginxScenarios) {
        const plan = planOf(s, s.nginxOf!);
        routes.push({ path: plan.path, reply: await capture(target, plan) });
      }
      const running = await startNginx(nginx, join(dir, 'nginx'), join(root, 'dist/client'), routes);
      stopping.push(running.stop);
      nginxUrl = running.url;
    }
    for (const scenario of scenarios) {
      if (scenario.baselineOf) {
        const plan = planOf(scenario, scenario.baselineOf);
        const reply = await capture(target, plan);
        const raw = await startProcess([join(root, 'src/cli/bench-raw-server.ts'), JSON.stringify(reply)], {}, /ready at (http:\/\/\S+)/);
        stopping.push(raw.stop);
        targets.push({ scenario, url: raw.url, plan });
      } else if (scenario.nginxOf) {
        if (nginxUrl) targets.push({ scenario, url: nginxUrl, plan: planOf(scenario, scenario.nginxOf) });
      } else if (scenario.plan) {
        targets.push({ scenario, url: target.url, plan: planOf(scenario, scenario.name), pid: sitePid });
      } else {
        throw new Error(`${scenario.name}: give it a plan, a baselineOf or an nginxOf`);
      }
    }
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
    for (const { scenario, plan } of targets) {
      const result = { ...summarize(scenario.name, scenario.description, rounds.get(scenario.name)!, driverOf(plan)), peakRssMb: roundedMb(peaks.get(scenario.name)) };
      results.push(result);
      const rss = result.peakRssMb === undefined ? '' : `   peak RSS ${result.peakRssMb} MB`;
      console.log(`${scenario.name.padEnd(13)} ${fmt(result.rps).padStart(8)} req/s   p50 ${fmt(result.p50)} ms   p99 ${fmt(result.p99)} ms   non-2xx ${result.non2xx}   errors ${result.errors}${rss}`);
      console.log(`${''.padEnd(13)} ${scenario.description}`);
      console.log(`${''.padEnd(13)} rounds: ${result.roundsRps.map((r) => fmt(r)).join(', ')} req/s`);
    }

    /** The median over rounds of `a`'s requests per second over `b`'s. */
    const ratio = (a: Measured, b: Measured) => median(a.roundsRps.map((r, i) => r / b.roundsRps[i]!));
    // ok: null when the goal could not be measured here (a peer is not installed).
    const checks: { ok: boolean | null; line: string }[] = [];
    const ratios: { of: string; to: string; ratio: number; rounds: number[] }[] = [];
    for (const scenario of scenarios) {
      const result = results.find((r) => r.name === scenario.name);
      const { goal } = scenario;
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
        const bare = againstNginx ? results.find((r) => scenarios.some((s) => s.name === r.name && s.baselineOf === scenario.name)) : undefined;
        const reference = bare ? `; ${bare.name} itself: ${fmt(ratio(bare, base) * 100, 1)} %` : '';
        checks.push({
          ok: value >= wanted.ratio,
          line: `${scenario.name} / ${base.name}: ${fmt(value * 100, 1)} % of its requests per second (goal ≥ ${fmt(wanted.ratio * 100)} %${reference})`,
        });
      }
      if (goal.minRps !== undefined) {
        checks.push({ ok: result.rps >= goal.minRps, line: `${scenario.name}: ${fmt(result.rps)} per second (goal ≥ ${fmt(goal.minRps)})` });
      }
      if (goal.maxP99Ms !== undefined) {
        checks.push({ ok: result.p99 < goal.maxP99Ms, line: `${scenario.name}: p99 ${fmt(result.p99)} ms at ${CONNECTIONS} connections (goal < ${goal.maxP99Ms} ms)` });
      }
    }
    if (ratios.length > 0) console.log('\nRatios (median of the rounds):');
    for (const r of ratios) console.log(`  ${r.of} / ${r.to}: ${fmt(r.ratio * 100, 1)} %   (rounds: ${r.rounds.map((x) => fmt(x * 100, 1)).join(', ')} %)`);
    for (const scenario of scenarios) if (scenario.verify) checks.push(await scenario.verify(target));
    checks.push({ ok: firstResponseMs <= 1000, line: `first response ${fmt(firstResponseMs)} ms after start (goal ≤ 1,000 ms; a fresh database, migrations included)` });

    let signIn: Record<string, number> | undefined;
    let signInPeakRssMb: number | undefined;
    if (!ONLY || ONLY.includes('sign-in')) {
      console.log('\nSign-in (argon2id on the thread pool) while a cheap page is measured:');
      resetPeakRss(sitePid);
      signIn = await benchSignIn(target.url, SITE_ORIGIN, { databasePath });
      signInPeakRssMb = roundedMb(peakRss(sitePid));
      for (const [name, value] of Object.entries(signIn)) console.log(`  ${name.padEnd(28)} ${fmt(value, value < 100 ? 1 : 0)}`);
      if (signInPeakRssMb !== undefined) console.log(`  ${'peakRssMb'.padEnd(28)} ${signInPeakRssMb}`);
    }

    let reset: Record<string, number> | undefined;
    if (!ONLY || ONLY.includes('reset')) {
      console.log('\nPassword reset requests, one at a time: median time for an address with an account and for one without (figures, no goal):');
      reset = await benchReset(target.url, SITE_ORIGIN, databasePath);
      for (const [name, value] of Object.entries(reset)) console.log(`  ${name.padEnd(28)} ${fmt(value, 2)}`);
    }

    const underLoad = [...results.map((r) => ({ name: r.name, mb: r.peakRssMb })), { name: 'sign-in', mb: signInPeakRssMb }].filter(
      (x): x is { name: string; mb: number } => x.mb !== undefined,
    );
    if (underLoad.length > 0) {
      const worst = underLoad.reduce((a, b) => (b.mb > a.mb ? b : a));
      checks.push({
        ok: worst.mb <= 200,
        line: `peak RSS of the site under load ${worst.mb} MB, in ${worst.name} (goal ≤ 200 MB; ${roundedMb(startRssMb)} MB after start)`,
      });
    }
    if (!nginx) console.log('\n(nginx is not installed here: the ratios to nginx are not measured. Install it (apt-get install nginx-light) and run again.)');
    if (!WRK) console.log('(wrk is not installed here: autocannon, at about 20,000 responses per second, may be the limit for static pages. apt-get install wrk.)');

    console.log('\nGoals:');
    for (const check of checks) console.log(`  ${check.ok === null ? 'n/a    ' : check.ok ? 'met    ' : 'NOT MET'}  ${check.line}`);

    mkdirSync(join(root, 'bench-results'), { recursive: true });
    const file = join(root, 'bench-results', `bench-${new Date().toISOString().replaceAll(':', '-')}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        {
          at: new Date().toISOString(),
          node: process.versions.node,
          nginx: nginx ? nginxVersion(nginx) : null,
          cpus: cpus().length,
          connections: CONNECTIONS,
          rounds: ROUNDS,
          seconds: SECONDS,
          firstResponseMs,
          startRssMb: roundedMb(startRssMb),
          results,
          ratios,
          signIn: signIn && { ...signIn, peakRssMb: signInPeakRssMb },
          reset,
          checks,
        },
        null,
        2,
      ) + '\n',
    );
    console.log(`\nWritten to ${file}`);
  } finally {
    for (const stop of stopping) await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
