// `npm run bench`: throughput and latency of the site's hot paths, in one run, against a
// baseline measured in the same run on the same machine. A benchmark, not a test: it prints
// figures and ratios and writes them to bench-results/ (git-ignored); it fails only when
// something could not be measured.
//
// It builds the site if the build is stale, starts the built server on a free port with a
// new temporary database, starts a bare Node http server (src/cli/bench-raw-server.ts)
// answering the same bytes, and drives each scenario with autocannon (32 connections).
// The scenarios take turns, round after round, so that other work on the machine weighs
// on all of them alike; a ratio is the median of its per-round ratios.
//
// To measure something more, add one entry to SCENARIOS: a name, what it does, and `plan`,
// which returns the request to repeat. Optional: a goal, and `verify` (run after).
//
// Environment: BENCH_ROUNDS (default 3), BENCH_SECONDS per scenario and round (default 3),
// BENCH_CONNECTIONS (default 32).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { build, buildIsStale } from './build.ts';
import { benchSignIn } from './bench/sign-in.ts';
import { startSiteProcess } from './site-process.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WARMUP_SECONDS = 2;
// The origin the server is started with (SITE_URL), as a same-site browser sends it.
const SITE_ORIGIN = 'http://localhost:4321';
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';

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
  /** At least this fraction of the named scenario's requests per second. */
  minRatioOf?: { scenario: string; ratio: number };
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
    goal: { minRatioOf: { scenario: 'raw-node', ratio: 0.5 }, maxP99Ms: 20 },
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
    plan: async () => ({ method: 'GET', path: '/', headers: { 'user-agent': BROWSER_UA } }),
    goal: { minRatioOf: { scenario: 'raw-home', ratio: 0.8 } },
  },
  { name: 'raw-home', description: 'a bare Node http server answering the bytes of /', baselineOf: 'home' },
  {
    name: 'privacy',
    description: 'GET /privacy (prerendered; the version in effect is chosen at request time)',
    plan: async () => ({ method: 'GET', path: '/privacy', headers: { 'user-agent': BROWSER_UA } }),
    goal: { minRatioOf: { scenario: 'raw-privacy', ratio: 0.8 } },
  },
  { name: 'raw-privacy', description: 'a bare Node http server answering the bytes of /privacy', baselineOf: 'privacy' },
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

// ---------------------------------------------------------------------------------------
// Processes

/** The baseline server (the site itself is started by site-process.ts). */
interface Running {
  url: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

function startProcess(args: string[], env: Record<string, string>, ready: RegExp): Promise<Running> {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1]!,
          child,
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was ready:\n${output}`));
    });
  });
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
  /** Median of the rounds' medians. */
  p50: number;
  /** The worst round's 99th percentile. */
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
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

async function drive(url: string, plan: RequestPlan, seconds: number): Promise<autocannon.Result> {
  return autocannon({ ...options(url, plan), duration: seconds });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function summarize(name: string, description: string, rounds: autocannon.Result[]): Measured {
  const ok = rounds.reduce((sum, r) => sum + r['2xx'], 0);
  const seconds = rounds.reduce((sum, r) => sum + r.duration, 0);
  return {
    name,
    description,
    rps: ok / seconds,
    roundsRps: rounds.map((r) => r['2xx'] / r.duration),
    p50: median(rounds.map((r) => r.latency.p50)),
    p99: Math.max(...rounds.map((r) => r.latency.p99)),
    ok,
    non2xx: rounds.reduce((sum, r) => sum + r.non2xx, 0),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
  };
}

/** The site's exact answer to one request of the plan, for the baseline to repeat. */
async function capture(site: Site, plan: RequestPlan) {
  const res = await fetch(site.url + plan.path, { method: plan.method, headers: plan.headers ?? {}, body: plan.body?.() });
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name)) headers[name] = value;
  });
  return { status: res.status, headers, body: await res.text() };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The highest resident set size the process has had, in MB (Linux: VmHWM). */
function peakRss(pid: number | undefined): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function hasNginx(): boolean {
  return ['/usr/sbin/nginx', '/usr/bin/nginx'].some((p) => existsSync(p));
}

// ---------------------------------------------------------------------------------------

async function main() {
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
  const target: Site = { url: site.url, origin: SITE_ORIGIN };
  const results: Measured[] = [];
  const stopSite = async () => {
    if (site.child.exitCode === null) site.child.kill('SIGTERM');
    await site.exited;
  };
  const stopping: (() => Promise<void>)[] = [stopSite];
  console.log(
    `Benchmark: ${CONNECTIONS} connections; ${ROUNDS} rounds of ${SECONDS} s per scenario, taking turns (after ${WARMUP_SECONDS} s of warm-up); ${cpus().length} CPUs; Node ${process.versions.node}\n`,
  );
  try {
    // What to drive for each scenario: the site, or a bare server answering with its bytes.
    const targets: { scenario: Scenario; url: string; plan: RequestPlan }[] = [];
    for (const scenario of SCENARIOS) {
      if (scenario.baselineOf) {
        const plan = plans.get(scenario.baselineOf);
        if (!plan) throw new Error(`${scenario.name}: list ${scenario.baselineOf} before it`);
        const reply = await capture(target, plan);
        const raw = await startProcess([join(root, 'src/cli/bench-raw-server.ts'), JSON.stringify(reply)], {}, /ready at (http:\/\/\S+)/);
        stopping.push(raw.stop);
        targets.push({ scenario, url: raw.url, plan });
      } else if (scenario.plan) {
        const plan = await scenario.plan(target);
        plans.set(scenario.name, plan);
        targets.push({ scenario, url: target.url, plan });
      } else {
        throw new Error(`${scenario.name}: give it a plan or a baselineOf`);
      }
    }
    for (const t of targets) await drive(t.url, t.plan, WARMUP_SECONDS);
    const rounds = new Map<string, autocannon.Result[]>(targets.map((t) => [t.scenario.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const t of targets) rounds.get(t.scenario.name)!.push(await drive(t.url, t.plan, SECONDS));
    }
    for (const { scenario } of targets) {
      const result = summarize(scenario.name, scenario.description, rounds.get(scenario.name)!);
      results.push(result);
      console.log(`${scenario.name.padEnd(12)} ${fmt(result.rps).padStart(8)} req/s   p50 ${fmt(result.p50)} ms   p99 ${fmt(result.p99)} ms   non-2xx ${result.non2xx}   errors ${result.errors}`);
      console.log(`${''.padEnd(12)} ${scenario.description}`);
      console.log(`${''.padEnd(12)} rounds: ${result.roundsRps.map((r) => fmt(r)).join(', ')} req/s`);
    }

    /** The median over rounds of `a`'s requests per second over `b`'s. */
    const ratio = (a: Measured, b: Measured) => median(a.roundsRps.map((r, i) => r / b.roundsRps[i]!));
    const baselines = results.filter((r) => SCENARIOS.find((s) => s.name === r.name)?.baselineOf);
    if (baselines.length > 0) console.log('\nRatios (median of the rounds):');
    for (const base of baselines) {
      // Each scenario against the baseline its goal names (the same bytes from a bare server).
      for (const r of results.filter((r) => SCENARIOS.find((s) => s.name === r.name)?.goal?.minRatioOf?.scenario === base.name)) {
        const perRound = r.roundsRps.map((x, i) => fmt((x / base.roundsRps[i]!) * 100, 1)).join(', ');
        console.log(`  ${r.name} / ${base.name}: ${fmt(ratio(r, base) * 100, 1)} %   (rounds: ${perRound} %)`);
      }
    }

    const checks: { ok: boolean; line: string }[] = [];
    for (const scenario of SCENARIOS) {
      const result = results.find((r) => r.name === scenario.name)!;
      const { goal } = scenario;
      if (goal?.minRatioOf) {
        const base = results.find((r) => r.name === goal.minRatioOf!.scenario)!;
        const value = ratio(result, base);
        checks.push({
          ok: value >= goal.minRatioOf.ratio,
          line: `${scenario.name} / ${base.name}: ${fmt(value * 100, 1)} % of its requests per second (goal ≥ ${fmt(goal.minRatioOf.ratio * 100)} %)`,
        });
      }
      if (goal?.minRps !== undefined) {
        checks.push({ ok: result.rps >= goal.minRps, line: `${scenario.name}: ${fmt(result.rps)} per second (goal ≥ ${fmt(goal.minRps)})` });
      }
      if (goal?.maxP99Ms !== undefined) {
        checks.push({ ok: result.p99 < goal.maxP99Ms, line: `${scenario.name}: p99 ${fmt(result.p99)} ms at ${CONNECTIONS} connections (goal < ${goal.maxP99Ms} ms)` });
      }
      if (scenario.verify) checks.push(await scenario.verify(target));
    }
    checks.push({ ok: firstResponseMs <= 1000, line: `first response ${fmt(firstResponseMs)} ms after start (goal ≤ 1,000 ms; a fresh database, migrations included)` });

    console.log('\nSign-in (argon2id on the thread pool) while a cheap page is measured:');
    const signIn = await benchSignIn(target.url, SITE_ORIGIN, { databasePath });
    for (const [name, value] of Object.entries(signIn)) console.log(`  ${name.padEnd(28)} ${fmt(value, value < 100 ? 1 : 0)}`);

    const peakRssMb = peakRss(site.child.pid);
    if (peakRssMb !== undefined) checks.push({ ok: peakRssMb <= 200, line: `peak RSS of the site under load ${fmt(peakRssMb)} MB (goal ≤ 200 MB)` });
    if (!hasNginx()) console.log('\n(nginx is not installed here: the ratio to nginx is not measured. Install it (apt-get install nginx) and run again.)');

    console.log('\nGoals:');
    for (const check of checks) console.log(`  ${check.ok ? 'met    ' : 'NOT MET'}  ${check.line}`);

    mkdirSync(join(root, 'bench-results'), { recursive: true });
    const file = join(root, 'bench-results', `bench-${new Date().toISOString().replaceAll(':', '-')}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        { at: new Date().toISOString(), node: process.versions.node, cpus: cpus().length, connections: CONNECTIONS, rounds: ROUNDS, seconds: SECONDS, firstResponseMs, results, signIn, peakRssMb, checks },
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
