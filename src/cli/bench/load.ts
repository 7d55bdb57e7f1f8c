// Driving load for `npm run bench`: one plan's request repeated with wrk (where installed) or
// autocannon, a run's figures summarized over rounds, the site's exact reply captured for the
// peers, and the site's peak RSS read from /proc.
import { request } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { median } from './figures.ts';
import type { Reply } from './reply.ts';
import { CONNECTIONS } from './settings.ts';
import { runWrk, wrkBinary, type LoadRun } from './wrk.ts';

/** The site under test: where it listens, and the origin its pages have. */
export interface Site {
  url: string;
  origin: string;
}

/** One request, repeated; `body` is called for every request (so each can differ). */
export interface RequestPlan {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: () => string;
  /**
   * With wrk: every connection opens, and is accepted, before the first request is sent, so
   * that the figures are those of the requests at CONNECTIONS open connections and not of
   * Node's accepting a burst of new ones (bench/wrk.ts, docs/decisions/0033-wrk-opens-connections-first.md).
   */
  connectFirst?: boolean;
}

export interface Measured {
  name: string;
  description: string;
  /** Requests answered 2xx per second, over all rounds. */
  rps: number;
  /** Per round. */
  roundsRps: number[];
  /** Each round's p99, in milliseconds: a tail from one starved round shows as one outlier. */
  roundsP99: number[];
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
  /** A tail floor's CPU time spent per request, in microseconds: the median over its rounds. */
  spentUs?: number;
}

export function options(url: string, plan: RequestPlan): autocannon.Options {
  return {
    url: url + plan.path,
    connections: CONNECTIONS,
    method: plan.method,
    headers: plan.headers ?? {},
    requests: [{ setupRequest: (request) => (plan.body ? { ...request, body: plan.body() } : request) }],
  };
}

export const WRK = wrkBinary();

/** The load generator for a plan: wrk where installed (see bench/wrk.ts), else autocannon; autocannon for changing bodies. */
export const driverOf = (plan: RequestPlan) => (WRK && !plan.body ? 'wrk' : 'autocannon');

export async function drive(url: string, plan: RequestPlan, seconds: number): Promise<LoadRun> {
  if (driverOf(plan) === 'wrk') return runWrk(WRK!, url + plan.path, plan, CONNECTIONS, seconds);
  const r = await autocannon({ ...options(url, plan), duration: seconds });
  return { ok: r['2xx'], non2xx: r.non2xx, errors: r.errors, duration: r.duration, p50: r.latency.p50, p99: r.latency.p99 };
}

export function summarize(name: string, description: string, rounds: LoadRun[], driver: string): Measured {
  const ok = rounds.reduce((sum, r) => sum + r.ok, 0);
  const seconds = rounds.reduce((sum, r) => sum + r.duration, 0);
  return {
    name,
    description,
    driver,
    rps: ok / seconds,
    roundsRps: rounds.map((r) => r.ok / r.duration),
    roundsP99: rounds.map((r) => r.p99),
    p50: median(rounds.map((r) => r.p50)),
    p99: Math.max(...rounds.map((r) => r.p99)),
    ok,
    non2xx: rounds.reduce((sum, r) => sum + r.non2xx, 0),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
  };
}

/** The site's exact answer to one request of the plan, for the baseline to repeat. */
export function capture(site: Site, plan: RequestPlan): Promise<Reply> {
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
          if (value !== undefined && !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name))
            headers[name] = String(value);
        }
        resolve({ status: res.statusCode!, headers, body: Buffer.concat(chunks).toString('base64') });
      });
    });
    req.on('error', reject);
    req.end(plan.body?.());
  });
}

/** The highest resident set size the process has had since the last reset, in MB (Linux: VmHWM). */
export function peakRss(pid: number | undefined): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resets the process's VmHWM to its current RSS (Linux ≥ 4.0), so the next reading covers what follows. */
export function resetPeakRss(pid: number | undefined): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not Linux, or not allowed: the readings then cover everything since the start.
  }
}

/**
 * The CPU time, in microseconds, the main thread of process `pid` has used (Linux: its task's
 * utime and stime in /proc, in clock ticks of 10 ms); undefined elsewhere. The main thread is
 * the one every request waits for: the collector's helper threads are not counted.
 */
export function mainThreadCpuUs(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces), from the third: utime is the 14th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10_000 : undefined;
  } catch {
    return undefined;
  }
}
