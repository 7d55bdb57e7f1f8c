// Planning a run of `npm run bench` (src/cli/bench.ts): which scenarios it measures (all, or
// those BENCH_ONLY names with their peers), the request each repeats, and what answers it: the
// site itself, or a peer started here (a bare Node server, nginx) with the site's bytes.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { whenReady } from '../site-process.ts';
import { capture, type RequestPlan, type Site } from './load.ts';
import { startNginx } from './nginx.ts';
import { startTopology, type Topology } from './topology.ts';
import { SCENARIOS, type Scenario } from './scenarios.ts';
import { ONLY, root } from './settings.ts';

/**
 * What this run measures: every scenario, or those BENCH_ONLY names with their peers, and
 * (transitively) every scenario their goals compare with or whose request a peer repeats.
 */
export function selectedScenarios(): Scenario[] {
  const only = ONLY;
  if (!only) return SCENARIOS;
  const unknown = only.filter((name) => name !== 'sign-in' && name !== 'reset' && !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0)
    throw new Error(
      `BENCH_ONLY: no scenario named ${unknown.join(', ')} (there are ${SCENARIOS.map((s) => s.name).join(', ')}, sign-in, reset)`,
    );
  const named = new Set(SCENARIOS.filter((s) => only.includes(s.name) || only.includes(sourceOf(s) ?? '')).map((s) => s.name));
  for (let grown = true; grown;) {
    grown = false;
    for (const scenario of SCENARIOS.filter((s) => named.has(s.name))) {
      for (const needed of [sourceOf(scenario), ...(scenario.goal?.minRatios ?? []).map((r) => r.scenario)]) {
        if (needed && !named.has(needed)) {
          named.add(needed);
          grown = true;
        }
      }
    }
  }
  return SCENARIOS.filter((s) => named.has(s.name));
}

/** The scenario whose request a peer repeats. */
const sourceOf = (s: Scenario) => s.baselineOf ?? s.floorOf ?? s.nginxOf ?? s.throughNginx?.of;

/** An app server under test: where it listens, its origin, and its process (for the peak RSS). */
export interface SiteUnderTest extends Site {
  pid: number | undefined;
  /** The environment it was started with: a second app server on the same database gets it too. */
  env: Record<string, string>;
}

/** The app servers of a run: on SQLite, and on PostgreSQL where it is installed. */
export interface Sites {
  sqlite: SiteUnderTest;
  postgres?: SiteUnderTest;
}

/** The app server a scenario's own requests go to; undefined when its database is not running here. */
export const siteOf = (sites: Sites, scenario: Scenario): SiteUnderTest | undefined =>
  scenario.database === 'postgres' ? sites.postgres : sites.sqlite;

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

/** What to drive for a scenario: the site (with its process id, for the peak RSS), or a peer answering with its bytes. */
export interface Target {
  scenario: Scenario;
  url: string;
  plan: RequestPlan;
  pid?: number;
}

export interface Planned {
  targets: Target[];
  /** Each scenario's request, by name (peers have none of their own). */
  plans: Map<string, RequestPlan>;
}

/**
 * Asks each scenario for its request and starts the peers (one nginx for all its scenarios,
 * where `nginx` is installed; a bare Node server per baseline and per tail floor). Each peer's
 * stop is pushed onto `stopping` as soon as it runs, so the caller stops it even when a later
 * step fails.
 */
export async function planTargets(
  scenarios: Scenario[],
  sites: Sites,
  nginx: string | undefined,
  dir: string,
  stopping: (() => Promise<void>)[],
): Promise<Planned> {
  const site = sites.sqlite;
  const plans = new Map<string, RequestPlan>();
  const targets: Target[] = [];
  for (const scenario of scenarios) {
    const own = siteOf(sites, scenario);
    if (scenario.plan && own) plans.set(scenario.name, await scenario.plan(own));
  }
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
      routes.push({ path: plan.path, reply: await capture(site, plan) });
    }
    const running = await startNginx(nginx, join(dir, 'nginx'), join(root, 'dist/client'), routes);
    stopping.push(running.stop);
    nginxUrl = running.url;
  }
  // The generated nginx in front of one and two app servers on each database a scenario asks
  // for: the site under test and a second server process on the same database.
  const topologies = new Map<SiteUnderTest, Topology>();
  for (const scenario of scenarios) {
    const own = siteOf(sites, scenario);
    if (!nginx || !scenario.throughNginx || !own || topologies.has(own)) continue;
    const where = join(dir, `topology-${scenario.database ?? 'sqlite'}`);
    // Stopped first, before the site's own server and (on PostgreSQL) its cluster.
    const stops: (() => Promise<void>)[] = [];
    try {
      topologies.set(own, await startTopology(nginx, where, own.url, own.env, stops));
    } finally {
      stopping.unshift(...stops.reverse());
    }
  }
  for (const scenario of scenarios) {
    if (scenario.throughNginx) {
      const { of, apps } = scenario.throughNginx;
      const own = siteOf(sites, scenario);
      const topology = own && topologies.get(own);
      if (topology) targets.push({ scenario, url: apps === 1 ? topology.one : topology.two, plan: planOf(scenario, of) });
    } else if (scenario.baselineOf || scenario.floorOf) {
      const source = scenario.baselineOf ?? scenario.floorOf!;
      // A floor answers its scenario's own server's bytes, and is not measured where that
      // server's database is not running.
      const own = scenario.floorOf ? siteOf(sites, scenario) : site;
      if (!own || (scenario.floorOf && !plans.has(source))) continue;
      const plan = planOf(scenario, source);
      const reply = await capture(own, plan);
      const args = [join(root, 'src/cli/bench-raw-server.ts'), JSON.stringify(reply), ...(scenario.floorOf ? ['spend'] : [])];
      const raw = await startProcess(args, {}, /ready at (http:\/\/\S+)/);
      stopping.push(raw.stop);
      targets.push({ scenario, url: raw.url, plan });
    } else if (scenario.nginxOf) {
      if (nginxUrl) targets.push({ scenario, url: nginxUrl, plan: planOf(scenario, scenario.nginxOf) });
    } else if (scenario.plan) {
      const own = siteOf(sites, scenario);
      if (own) targets.push({ scenario, url: own.url, plan: planOf(scenario, scenario.name), pid: own.pid });
    } else {
      throw new Error(`${scenario.name}: give it a plan, a baselineOf, a floorOf, an nginxOf or a throughNginx`);
    }
  }
  return { targets, plans };
}
