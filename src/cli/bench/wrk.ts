// wrk as the load generator of `npm run bench`, where it is installed (Debian: `apt-get
// install wrk`). autocannon runs in JavaScript on one core and tops out near 20,000 responses
// per second for a 20 KB page on these machines: for static pages it measures itself, and
// every server (the site, bare Node, nginx) comes out the same. wrk, written in C, does not.
// Requests whose body changes every time (view events) stay with autocannon, which builds
// each body in JavaScript; a scenario and its peers always share one load generator.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function wrkBinary(): string | undefined {
  return ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((path) => existsSync(path));
}

/** What one run measured; latencies in milliseconds. */
export interface LoadRun {
  /** Responses with a status below 400. */
  ok: number;
  /** Responses with a status of 400 or more. */
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Seconds. */
  duration: number;
  p50: number;
  p99: number;
}

const MARKER = 'bench-result:';

/**
 * With `connectFirst`, how long each connection waits after it opens before sending its first
 * request, so that the server has accepted all of them before the measured load starts. Node
 * accepts one connection per turn of its event loop (libuv 1.46 and later), and a turn under
 * load lasts as long as the answers of every connection already accepted: connections opened
 * as the load starts wait hundreds of milliseconds to be accepted, and wrk's correction for
 * coordinated omission counts each such wait as many requests
 * (docs/decisions/0033-wrk-opens-connections-first.md). An idle server accepts 32 in a few ms.
 */
const OPENING_MS = 100;

/** wrk asks `delay` before every request; only each connection's first request waits (one thread, one counter). */
const connectFirst = (connections: number) => `local opening = ${connections}
delay = function()
  if opening > 0 then
    opening = opening - 1
    return ${OPENING_MS}
  end
  return 0
end
`;

const lua = (s: string) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;

function script(method: string, headers: Record<string, string>, opening: string): string {
  return `wrk.method = ${lua(method)}
${Object.entries(headers)
  .map(([name, value]) => `wrk.headers[${lua(name)}] = ${lua(value)}`)
  .join('\n')}
${opening}done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('${MARKER}{"requests":%d,"durationUs":%d,"status":%d,"other":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;
}

/** Drives `url` with wrk (one thread: the server needs the other CPU) for `seconds`. */
export async function runWrk(
  binary: string,
  url: string,
  request: { method: string; headers?: Record<string, string>; connectFirst?: boolean },
  connections: number,
  seconds: number,
): Promise<LoadRun> {
  const dir = mkdtempSync(join(tmpdir(), 'ct-wrk-'));
  const scriptPath = join(dir, 'request.lua');
  writeFileSync(scriptPath, script(request.method, request.headers ?? {}, request.connectFirst ? connectFirst(connections) : ''));
  try {
    return await new Promise<LoadRun>((resolve, reject) => {
      const child = spawn(binary, ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', scriptPath, url], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('error', reject);
      child.once('exit', (code) => {
        const line = output.split('\n').find((l) => l.startsWith(MARKER));
        if (code !== 0 || !line) return reject(new Error(`wrk failed (${code}):\n${output}`));
        const r = JSON.parse(line.slice(MARKER.length)) as {
          requests: number;
          durationUs: number;
          status: number;
          other: number;
          p50Us: number;
          p99Us: number;
        };
        resolve({
          ok: r.requests - r.status,
          non2xx: r.status,
          errors: r.other,
          // No request is sent while the connections open: the measured window starts after it.
          duration: (r.durationUs - (request.connectFirst ? OPENING_MS * 1000 : 0)) / 1e6,
          p50: r.p50Us / 1000,
          p99: r.p99Us / 1000,
        });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
