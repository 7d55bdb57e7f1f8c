// `npm run test:faults`: the server under load and faults, on SQLite; `npm run test:faults --
// --postgres`: the same on a throwaway PostgreSQL cluster (src/cli/postgres-cluster.ts), the
// site connecting as a role of its own (not a superuser). Each check starts the real built
// server as a child process with its own database, and fails loudly (exit 1) when a promise
// is broken:
//   - 64 clients send view events for 20 s: the stored count equals the accepted responses.
//   - kill -9 in the middle of that load, restart: no accepted event is missing (SQLite: and
//     integrity_check is ok).
//   - SIGTERM during load: requests in flight complete, the process exits 0 within 10 s.
//   - SQLite: the database file made read-only while running. PostgreSQL: the site's role
//     made read-only. Writes answer 503 with a message and Retry-After, reads and static
//     pages keep working; restored, writes resume.
//   - PostgreSQL only: the server restarted under load: writes answer 503 with Retry-After
//     while it is down and recover by themselves, with no acknowledged event lost.
//   - 1,000 malformed requests: no 5xx, the server stays up, no row changes.
//   - A flood of 50 MB bodies (declared and chunked) to the POST routes: each gets 413; the
//     peak RSS growth and /healthz latency during the flood are printed against their goals
//     (under 20 MB, under 50 ms): figures, not pass/fail checks.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { integrityCheck, snapshotTables } from '../lib/db/maintenance.ts';
import { createAppDatabase, dropAppDatabase, setRoleReadOnly } from '../lib/db/postgres-admin.ts';
import { UNAVAILABLE_MESSAGE } from '../lib/http/unavailable.ts';
import { build, buildIsStale } from './build.ts';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster.ts';
import { LOCAL_ASTRO_KEY, startSiteProcess, type SiteProcess } from './site-process.ts';
import { eventKey, sendViewEvent, startViewLoad } from './view-load.ts';

const ORIGIN = new URL(process.env.SITE_URL || 'http://localhost:4321').origin;
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36';
const PAGE = '/features';
const LOAD_SECONDS = Number(process.env.FAULTS_LOAD_SECONDS ?? 20);

let failures = 0;
let checksRun = 0;
/** Prints the next check's numbered title. */
function heading(title: string) {
  checksRun += 1;
  console.log(`${checksRun}. ${title}`);
}

function check(ok: boolean, what: string) {
  console.log(`${ok ? '  ok  ' : '  FAIL'} ${what}`);
  if (!ok) failures += 1;
}

const key = () => randomBytes(18).toString('base64url');

function sendEvent(url: string): Promise<Response> {
  return fetch(`${url}/api/views/event`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: ORIGIN, 'User-Agent': BROWSER },
    body: JSON.stringify({ path: PAGE, key: key() }),
  });
}

interface LoadResult {
  accepted: number;
  attempted: number;
  /** Responses that arrived but were not an accepted count (e.g. 503). */
  refused: Record<number, number>;
  /** Requests that failed without a response (connection refused or closed). */
  failed: number;
  /** Responses whose body was cut off after it began. */
  truncated: number;
}

/** `clients` loops posting view events until `stop()` resolves or the server goes away. */
async function load(url: string, clients: number, stop: Promise<void>): Promise<LoadResult> {
  const result: LoadResult = { accepted: 0, attempted: 0, refused: {}, failed: 0, truncated: 0 };
  let stopped = false;
  void stop.then(() => (stopped = true));
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (!stopped) {
        result.attempted += 1;
        let res: Response;
        try {
          res = await sendEvent(url);
        } catch {
          result.failed += 1;
          return; // the server is gone (killed or stopping): this client stops
        }
        try {
          const body = (await res.json()) as { counted?: boolean };
          if (res.status === 200 && body.counted === true) result.accepted += 1;
          else result.refused[res.status] = (result.refused[res.status] ?? 0) + 1;
        } catch {
          result.truncated += 1;
          return;
        }
      }
    }),
  );
  return result;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function storedViews(url: string): Promise<number> {
  const res = await fetch(`${url}/api/views?path=${encodeURIComponent(PAGE)}`);
  return ((await res.json()) as { views: number }).views;
}

/** The throwaway PostgreSQL cluster when run with --postgres. */
let cluster: PostgresCluster | undefined;
let databasesMade = 0;

interface CheckDatabase {
  /** The server's environment: its database and mail outbox. */
  env: Record<string, string>;
  /** The database as this process opens it: the SQLite file's path, or the site role's URL. */
  where: string;
  /** PostgreSQL: the site's role (and database) name. */
  role?: string;
}

/** A new, empty database for one check (the server migrates it at start), removed after. */
async function withDatabase<T>(run: (database: CheckDatabase) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ct-faults-'));
  const outbox = join(dir, 'outbox');
  const role = `ct_faults_${++databasesMade}`;
  try {
    if (cluster) {
      const url = await createAppDatabase(cluster.url, role);
      return await run({ env: { DATABASE_URL: url, MAIL_OUTBOX_DIR: outbox }, where: url, role });
    }
    const path = join(dir, 'site.db');
    return await run({ env: { DATABASE_PATH: path, MAIL_OUTBOX_DIR: outbox }, where: path });
  } finally {
    if (cluster)
      await dropAppDatabase(cluster.url, role).catch((error: unknown) => console.error(`     could not drop ${role}: ${String(error)}`));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function stopSite(site: SiteProcess) {
  if (site.child.exitCode === null && site.child.signalCode === null) site.child.kill('SIGTERM');
  await site.exited;
}

async function exactUnderLoad() {
  heading(`64 clients send view events for ${LOAD_SECONDS} s`);
  await withDatabase(async ({ env }) => {
    const site = await startSiteProcess(env);
    const result = await load(site.url, 64, sleep(LOAD_SECONDS * 1000));
    const stored = await storedViews(site.url);
    console.log(
      `     ${result.attempted} sent, ${result.accepted} accepted (${(result.accepted / LOAD_SECONDS).toFixed(0)}/s), stored ${stored}`,
    );
    check(result.accepted > 0, 'events were accepted');
    check(stored === result.accepted, `stored count (${stored}) equals accepted responses (${result.accepted})`);
    await stopSite(site);
  });
}

async function killNine() {
  heading('kill -9 in the middle of the load, then restart');
  await withDatabase(async ({ env }) => {
    const site = await startSiteProcess(env);
    const running = load(site.url, 64, sleep(60_000));
    await sleep(Math.max(2, LOAD_SECONDS / 4) * 1000);
    site.child.kill('SIGKILL');
    const result = await running;
    await site.exited;
    // PostgreSQL's own recovery is not what is tested here: its server was not killed.
    const integrity = env.DATABASE_PATH === undefined ? undefined : integrityCheck(env.DATABASE_PATH);
    const again = await startSiteProcess(env);
    const stored = await storedViews(again.url);
    console.log(`     ${result.accepted} accepted before the kill, ${result.attempted} sent, stored after restart ${stored}`);
    if (integrity !== undefined) check(integrity === 'ok', `PRAGMA integrity_check after kill -9 is ok (${integrity})`);
    check(stored >= result.accepted, `no accepted event is missing (stored ${stored} ≥ accepted ${result.accepted})`);
    check(stored <= result.attempted, `nothing was counted twice (stored ${stored} ≤ sent ${result.attempted})`);
    await stopSite(again);
  });
}

async function sigtermDuringLoad() {
  heading('SIGTERM during the load');
  await withDatabase(async ({ env }) => {
    const site = await startSiteProcess(env);
    const running = load(site.url, 64, sleep(60_000));
    await sleep(2000);
    const signalledAt = Date.now();
    site.child.kill('SIGTERM');
    const code = await site.exited;
    const tookMs = Date.now() - signalledAt;
    const result = await running;
    const again = await startSiteProcess(env);
    const stored = await storedViews(again.url);
    console.log(
      `     exit ${code} after ${tookMs} ms; ${result.accepted} accepted, ${result.failed} refused connections, stored ${stored}`,
    );
    check(code === 0, 'the process exits 0');
    check(tookMs < 10_000, 'within 10 s');
    check(result.truncated === 0, 'no response was cut off (requests in flight completed)');
    check(stored === result.accepted, `every accepted event is stored (${stored} = ${result.accepted})`);
    await stopSite(again);
  });
}

/**
 * The checks while the database refuses writes: 503 with the message and Retry-After for a
 * write, everything that only reads keeps working; then `restore()`, and writes resume.
 */
async function whileReadOnly(site: SiteProcess, restore: () => Promise<void> | void) {
  try {
    for (let i = 0; i < 3; i++) {
      const write = await sendEvent(site.url);
      const body = (await write.json()) as { error?: string };
      if (i > 0) continue; // the first answer is checked in detail; the others must agree
      check(write.status === 503, `a write while read-only answers 503 (got ${write.status})`);
      check(body.error === UNAVAILABLE_MESSAGE, `with a message: ${JSON.stringify(body.error)}`);
      check(Number(write.headers.get('retry-after')) > 0, `and Retry-After (${write.headers.get('retry-after')})`);
    }
    const page = await fetch(`${site.url}/pricing`);
    check(page.status === 200, 'static pages keep working');
    const read = await fetch(`${site.url}/api/views?path=${encodeURIComponent(PAGE)}`);
    check(read.status === 200, 'reads keep working');
    const login = await fetch(`${site.url}/login`);
    check(login.status === 200, 'pages rendered on demand keep working');
    check((await fetch(`${site.url}/healthz`)).status === 200, 'the server is up');
    check(/database unavailable: /.test(site.output()), 'the server logged why it answered 503');
  } finally {
    await restore();
  }
  let resumed = 0;
  for (let i = 0; i < 10 && resumed !== 200; i++) {
    if (i > 0) await sleep(200);
    resumed = (await sendEvent(site.url)).status;
  }
  check(resumed === 200, 'restored, writes resume');
  check(site.child.exitCode === null, 'nothing crashed');
}

function chattr(flag: '+i' | '-i', files: string[]) {
  execFileSync('chattr', [flag, ...files.filter((f) => existsSync(f))], { stdio: 'pipe' });
}

async function readOnlyDatabase() {
  heading('The database file made read-only while the server runs');
  await withDatabase(async ({ env }) => {
    const site = await startSiteProcess(env);
    const ok = await sendEvent(site.url);
    check(ok.status === 200, 'a write before: 200');
    const files = [env.DATABASE_PATH!, `${env.DATABASE_PATH!}-wal`];
    try {
      // Root ignores permission bits, so "read-only" is the immutable attribute.
      chattr('+i', files);
    } catch (error) {
      check(false, `could not make the database read-only with chattr: ${(error as Error).message}`);
      await stopSite(site);
      return;
    }
    await whileReadOnly(site, () => chattr('-i', files));
    await stopSite(site);
  });
}

async function readOnlyUser() {
  heading("The site's PostgreSQL role made read-only while the server runs");
  await withDatabase(async ({ env, role }) => {
    const site = await startSiteProcess(env);
    const ok = await sendEvent(site.url);
    check(ok.status === 200, 'a write before: 200');
    await setRoleReadOnly(cluster!.url, role!, true);
    await whileReadOnly(site, () => setRoleReadOnly(cluster!.url, role!, false));
    await stopSite(site);
  });
}

/** Polls `condition` every 100 ms until it holds or `timeoutMs` passes; returns whether it held. */
async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

async function restartUnderLoad() {
  heading('PostgreSQL restarted while 64 clients send view events');
  await withDatabase(async ({ env }) => {
    const site = await startSiteProcess(env);
    let stop!: () => void;
    // Each event is retried with its key until it is acknowledged, waiting as a 503 asks, as
    // the beacon does: an outage of seconds costs a client a few tries, far from these.
    const load = startViewLoad({
      url: site.url,
      origin: ORIGIN,
      path: PAGE,
      clients: 64,
      stop: new Promise<void>((resolve) => (stop = resolve)),
      tries: 100,
      retryDelayMs: 100,
      honourRetryAfter: true,
    });
    await sleep(2000);
    await cluster!.stopServer();
    // Another page, so that the load's count stays exact.
    const down = await sendViewEvent(site.url, ORIGIN, '/pricing', eventKey());
    check(down.status === 503, `while it is down, a write answers 503 (got ${down.status})`);
    check(Number(down.retryAfter) > 0, `with Retry-After (${down.retryAfter})`);
    await sleep(2000);
    await cluster!.startServer();
    const atRestart = load.result.acknowledged;
    const recovered = await waitFor(() => load.result.acknowledged > atRestart + 500, 30_000);
    stop();
    const result = await load.finished;
    const stored = await storedViews(site.url);
    const statuses = Object.entries(result.statuses)
      .map(([status, n]) => `${status}×${n}`)
      .join(', ');
    console.log(`     ${result.acknowledged} acknowledged (${result.replays} on a retry), answers ${statuses}; stored ${stored}`);
    check(recovered, 'after the restart, writes recover by themselves');
    check((result.statuses[503] ?? 0) > 0, 'the load met 503s while the server was down');
    check(result.unavailableWithoutRetryAfter === 0, `every 503 had Retry-After (${result.unavailableWithoutRetryAfter} without)`);
    check(result.abandoned === 0, `no event was given up (${result.abandoned})`);
    check(stored === result.acknowledged, `stored count (${stored}) equals acknowledged events (${result.acknowledged})`);
    check(site.child.exitCode === null, 'the server kept running');
    await stopSite(site);
  });
}

/** A raw request, for bytes fetch() would refuse to send (invalid UTF-8 in the path). */
function rawRequest(url: string, head: Buffer): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('error', () => resolve(0));
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
    socket.write(Buffer.concat([head, Buffer.from('\r\nHost: x\r\nConnection: close\r\n\r\n')]));
  });
}

async function malformed() {
  heading('1,000 malformed requests');
  await withDatabase(async ({ env, where }) => {
    const site = await startSiteProcess(env);
    await sendEvent(site.url); // some data to protect
    const html = await (await fetch(`${site.url}${PAGE}`)).text();
    const island =
      /\/_server-islands\/ViewCountIsland\?[^"]+/.exec(html)?.[0]?.replaceAll('&amp;', '&') ??
      '/_server-islands/ViewCountIsland?e=x&p=y&s=';
    await sleep(200);
    const before = await snapshotTables(where);
    const post = (path: string, body: string | Uint8Array<ArrayBuffer>, type = 'application/json', headers: Record<string, string> = {}) =>
      fetch(`${site.url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': type, Origin: ORIGIN, 'User-Agent': BROWSER, ...headers },
        body,
      });
    const kinds: [string, () => Promise<number>][] = [
      ['bad JSON', async () => (await post('/api/views/event', '{"path": "/features", "key": ')).status],
      ['not an object', async () => (await post('/api/views/event', '[1,2,3]')).status],
      ['wrong types', async () => (await post('/api/views/event', JSON.stringify({ path: 42, key: {} }))).status],
      ['bad key', async () => (await post('/api/views/event', JSON.stringify({ path: PAGE, key: 'x' }))).status],
      ['unknown page', async () => (await post('/api/views/event', JSON.stringify({ path: '/nope/' + key(), key: key() }))).status],
      ['huge body', async () => (await post('/api/views/event', new Uint8Array(256 * 1024).fill(97))).status],
      [
        'huge form to an action',
        async () =>
          (await post('/login?_action=auth.signIn', new Uint8Array(2 * 1024 * 1024).fill(97), 'application/x-www-form-urlencoded')).status,
      ],
      ['bad JSON to an action', async () => (await post('/_actions/auth.signIn', '{"email":')).status],
      ['bad island parameters', async () => (await fetch(`${site.url}/_server-islands/ViewCountIsland?e=garbage&p=%%%&s=`)).status],
      ['tampered island parameters', async () => (await fetch(`${site.url}${island.replace(/p=[^&]{4}/, 'p=AAAA')}`)).status],
      ['unknown island', async () => (await fetch(`${site.url}/_server-islands/NoSuchIsland?e=&p=&s=`)).status],
      [
        'bad session cookie',
        async () => (await fetch(`${site.url}/account`, { headers: { Cookie: 'session=%%%; session=a.b.c' }, redirect: 'manual' })).status,
      ],
      [
        'bad visitor cookie',
        async () =>
          (
            await post('/api/views/event', JSON.stringify({ path: '/nope', key: key() }), 'application/json', {
              Cookie: 'ct_visitor=../../etc; ct-visitor=%00%ff; ct-visitor=;;==',
            })
          ).status,
      ],
      ['bad query', async () => (await fetch(`${site.url}/api/views?path=%E0%A4%A`)).status],
      ['badge without path', async () => (await fetch(`${site.url}/api/views/badge.svg`)).status],
      [
        'invalid UTF-8 in the path',
        () =>
          rawRequest(site.url, Buffer.concat([Buffer.from('GET /privacy/'), Buffer.from([0xc0, 0xaf, 0xff]), Buffer.from(' HTTP/1.1')])),
      ],
      ['bad percent-encoding', async () => (await fetch(`${site.url}/%FF%FE%`)).status],
      [
        'cross-site JSON',
        async () =>
          (
            await post('/api/views/event', JSON.stringify({ path: PAGE, key: key() }), 'application/json', {
              Origin: 'https://evil.example',
            })
          ).status,
      ],
    ];
    const statuses = new Map<string, Map<number, number>>();
    let serverErrors = 0;
    for (let i = 0; i < 1000; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, j) => {
          const [name, send] = kinds[(i + j) % kinds.length]!;
          // 0: the connection was dropped without an answer.
          const status = await send().catch(() => 0);
          if (status >= 500 || status === 0) serverErrors += 1;
          const byStatus = statuses.get(name) ?? new Map<number, number>();
          byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
          statuses.set(name, byStatus);
        }),
      );
    }
    for (const [name, byStatus] of statuses) console.log(`     ${name}: ${[...byStatus].map(([s, n]) => `${s}×${n}`).join(', ')}`);
    check(serverErrors === 0, `no 5xx and no dropped connection (${serverErrors})`);
    check((await fetch(`${site.url}/healthz`)).status === 200, 'the server stays up');
    await stopSite(site);
    check((await snapshotTables(where)) === before, 'no row changed');
  });
}

/** The server process's resident memory, in bytes (Linux), or 0 when it cannot be read. */
function rssOf(pid: number | undefined): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * POSTs a `size`-byte body (declared, or chunked) as fast as the connection takes it, until
 * the server closes its side or the body is sent; resolves with the status and the body bytes
 * the client handed over.
 */
function floodOnce(url: string, path: string, chunked: boolean, size: number): Promise<{ status: number; sent: number }> {
  const { hostname, port } = new URL(url);
  const chunk = Buffer.alloc(64 * 1024, 'a');
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    let ended = false;
    let sent = 0;
    let wake: (() => void) | undefined;
    const signal = () => {
      wake?.();
      wake = undefined;
    };
    const finish = () => {
      socket.destroy();
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0), sent });
    };
    socket.on('data', (c: Buffer) => (data += c.toString('latin1')));
    socket.on('drain', signal);
    socket.on('end', () => {
      ended = true;
      signal();
    });
    socket.on('error', () => {
      ended = true;
      signal();
    });
    socket.on('close', finish);
    const sendBody = async () => {
      const framing = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${size}`;
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nOrigin: ${ORIGIN}\r\nContent-Type: application/x-www-form-urlencoded\r\n${framing}\r\nConnection: close\r\n\r\n`,
      );
      while (sent < size && !ended && !socket.destroyed) {
        const piece = chunk.subarray(0, Math.min(chunk.length, size - sent));
        const ok = socket.write(
          chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece,
        );
        sent += piece.length;
        if (!ok && !ended) await new Promise<void>((r) => (wake = r));
      }
      if (ended) finish();
      else if (chunked && !socket.destroyed) socket.write('0\r\n\r\n');
    };
    socket.once('connect', () => void sendBody().catch(finish));
  });
}

/** Times GET /healthz (argv[1]) every 10 ms until its standard input closes; prints the times (ms) as JSON. */
const HEALTH_PROBER = `
const url = process.argv[1];
let stop = false;
process.stdin.on('data', () => {}).on('end', () => (stop = true));
await (await fetch(url)).arrayBuffer(); // warm-up: the first fetch of a process sets up undici
const times = [];
while (!stop) {
  const at = performance.now();
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
    times.push(res.status === 200 ? performance.now() - at : 1e9);
  } catch {
    times.push(1e9);
  }
  await new Promise((r) => setTimeout(r, 10));
}
process.stdout.write(JSON.stringify(times));
`;

async function bodyFlood() {
  heading('A flood of 50 MB request bodies to the POST routes');
  await withDatabase(async ({ env }) => {
    const site = await startSiteProcess(env);
    const routes = [
      '/announcements/dismiss',
      '/_actions/auth.signIn',
      '/login?_action=auth.signIn',
      '/account/export.json',
      '/api/views/event',
      '/_server-islands/ViewCountIsland',
    ];
    // Warm up, then take the resting memory.
    for (let i = 0; i < 20; i++) await fetch(`${site.url}/healthz`);
    await fetch(`${site.url}/login`);
    await sleep(500);
    const before = rssOf(site.child.pid);
    let peak = before;
    let flooding = true;
    const sampler = (async () => {
      while (flooding) {
        peak = Math.max(peak, rssOf(site.child.pid));
        await sleep(20);
      }
    })();
    // /healthz is timed from another process, so that the flood's own work in this one does
    // not count as the server's latency.
    const prober = spawn(process.execPath, ['--input-type=module', '-e', HEALTH_PROBER, `${site.url}/healthz`], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let probed = '';
    prober.stdout!.on('data', (c: Buffer) => (probed += c.toString()));
    const proberExited = new Promise<void>((resolve) => prober.once('exit', () => resolve()));
    const statuses = new Map<number, number>();
    let sent = 0;
    const FLOODS = 192;
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < FLOODS) {
          const n = next++;
          const result = await floodOnce(site.url, routes[n % routes.length]!, n % 2 === 1, 50 * 1024 * 1024);
          statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
          sent += result.sent;
        }
      }),
    );
    flooding = false;
    prober.stdin!.end();
    await Promise.all([sampler, proberExited]);
    const latencies = probed.trim() ? (JSON.parse(probed) as number[]) : [];
    const sorted = latencies.toSorted((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
    const growth = peak - before;
    console.log(
      `     ${FLOODS} bodies of 50 MB (8 at a time): ${[...statuses].map(([s, n]) => `${s}×${n}`).join(', ')}; the clients got ${mb(sent)} MB onto the wire in all`,
    );
    console.log(
      `     server RSS ${mb(before)} MB before, peak ${mb(peak)} MB: growth ${mb(growth)} MB (goal < 20 MB: ${growth < 20 * 1048576 ? 'met' : 'NOT met'})`,
    );
    console.log(
      `     /healthz during the flood: ${latencies.length} requests, median ${at(0.5).toFixed(1)} ms, p90 ${at(0.9).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${at(1).toFixed(1)} ms (goal < 50 ms: ${at(0.99) < 50 ? 'met' : 'NOT met'} at p99)`,
    );
    check(statuses.get(413) === FLOODS, 'every oversized body got 413');
    check((await fetch(`${site.url}/healthz`)).status === 200, 'the server stays up');
    await stopSite(site);
  });
}

const onPostgres = process.argv.slice(2).includes('--postgres');
const checks = onPostgres
  ? [exactUnderLoad, killNine, sigtermDuringLoad, readOnlyUser, restartUnderLoad, malformed, bodyFlood]
  : [exactUnderLoad, killNine, sigtermDuringLoad, readOnlyDatabase, malformed, bodyFlood];
// The site on PostgreSQL needs an island key, and the build must carry the same one.
process.env.ASTRO_KEY ??= LOCAL_ASTRO_KEY;
if (buildIsStale() && !build()) process.exit(1);
const started = Date.now();
if (onPostgres) {
  // A cluster of this run's own, never TEST_DATABASE_URL's server: one check restarts it.
  cluster = await startPostgresCluster();
  process.once('SIGINT', () => {
    cluster?.stop();
    process.exit(130);
  });
  console.log('On a throwaway PostgreSQL cluster; the site connects as a role of its own.');
}
const only = process.env.FAULTS_ONLY?.split(',');
try {
  for (const run of checks) {
    if (only && !only.includes(run.name)) continue;
    try {
      await run();
    } catch (error) {
      check(false, `${run.name} crashed: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }
} finally {
  cluster?.stop();
}
console.log(
  `\nfaults${onPostgres ? ' on PostgreSQL' : ''}: ${failures === 0 ? 'all checks passed' : `${failures} check(s) failed`} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
process.exit(failures === 0 ? 0 : 1);
