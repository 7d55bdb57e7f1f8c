// PostgreSQL restarted while clients send view events through nginx: while it is down, both app
// servers answer every on-demand request with 503 and Retry-After (events, an island, pages,
// actions), nginx passes that on without trying the other server; once it is back, both
// recover by themselves (their pools connect again) and nothing acknowledged was lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE } from '../../src/lib/http/unavailable.ts';
import { Client, islandCalls } from '../support/account-profile.ts';
import { startCluster, throwawayPostgres, type Cluster } from '../support/cluster.ts';
import { createUser, PASSWORD, startSession } from '../support/users.ts';
import { eventKey, sendViewEvent, startViewLoad } from '../../src/cli/view-load.ts';

const CLIENTS = 32;
/** The page the load counts; the probes and the recovery writes count another, so that the load's count stays exact. */
const PAGE = '/features';
const PROBE_PAGE = '/pricing';

let cluster: Cluster;
beforeAll(async () => {
  // A PostgreSQL server of this file's own, whatever TEST_DATABASE_URL says: it is stopped.
  cluster = await startCluster({ database: throwawayPostgres });
});
afterAll(async () => {
  await cluster?.stop();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 100 ms until it holds; throws after `timeoutMs`. */
async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

interface Probe {
  what: string;
  via: 'nginx' | 'A' | 'B';
  status: number;
  retryAfter: string | null;
  cacheControl: string | null;
  contentType: string | null;
  body: string;
}

/** One request of each kind that needs the database, to `via`, with a signed-in session where it matters. */
async function probe(via: 'nginx' | 'A' | 'B', session: string, island: string, email: string): Promise<Probe[]> {
  const site = cluster.site(via);
  const visitor = new Client(site);
  const member = new Client(site);
  member.cookies.set('session', session);
  const html = { accept: 'text/html,application/xhtml+xml' };
  const form = new FormData();
  form.set('email', email);
  form.set('password', PASSWORD);
  const requests: [string, () => Promise<Response>][] = [
    [
      'view event',
      () =>
        visitor.request('/api/views/event', {
          method: 'POST',
          body: JSON.stringify({ path: PROBE_PAGE, key: eventKey() }),
          headers: { 'content-type': 'application/json', origin: cluster.origin, 'user-agent': 'Mozilla/5.0 Chrome/140.0' },
        }),
    ],
    ['view counts', () => visitor.get(`/api/views?path=${PROBE_PAGE}`)],
    ['island', () => visitor.get(island)],
    ['page rendered on demand', () => visitor.get('/privacy/recipients', html)],
    ['signed-in page (the session check)', () => member.get('/account', html)],
    ['signed-in island', () => member.get(island)],
    ['action', () => visitor.request('/_actions/auth.signIn', { method: 'POST', body: form, headers: { origin: cluster.origin } })],
    ['form action', () => visitor.post('/forgot-password?_action=auth.forgotPassword', { email })],
    ['health check', () => visitor.get('/healthz')],
  ];
  const probes: Probe[] = [];
  for (const [what, send] of requests) {
    const res = await send();
    probes.push({
      what,
      via,
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      cacheControl: res.headers.get('cache-control'),
      contentType: res.headers.get('content-type'),
      body: await res.text(),
    });
  }
  return probes;
}

async function storedViews(path: string): Promise<number> {
  const res = await fetch(`${cluster.url}/api/views?path=${encodeURIComponent(path)}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { views: number }).views;
}

describe('the database restarted during load', () => {
  it(
    'both servers answer 503 with Retry-After while it is down, recover by themselves, and lose nothing acknowledged',
    { timeout: 180_000 },
    async () => {
      const server = cluster.database.server!;
      const user = await createUser(cluster.database.databasePath);
      const session = await startSession(cluster.database.databasePath, user.id);
      const island = islandCalls(await (await fetch(`${cluster.url}${PAGE}`)).text()).find((call) =>
        call.url.includes('/_server-islands/ViewCountIsland'),
      );
      expect(island?.method).toBe('GET');
      const pids = [cluster.a.process!.child.pid, cluster.b.process!.child.pid];

      let stop!: () => void;
      const load = startViewLoad({
        url: cluster.url,
        origin: cluster.origin,
        path: PAGE,
        clients: CLIENTS,
        stop: new Promise<void>((resolve) => (stop = resolve)),
        // Each event is retried until it is acknowledged, waiting as a 503 asks: an outage of
        // seconds costs a client a few tries, far from these.
        tries: 60,
        honourRetryAfter: true,
      });
      await waitUntil(() => load.result.acknowledged >= 200, 'the load is under way');

      await server.stopServer();
      // The server is down from here until startServer: every probe is an answer of the outage.
      const outage: Probe[] = [];
      for (const via of ['A', 'B', 'nginx'] as const) outage.push(...(await probe(via, session, island!.url, user.email)));
      await server.startServer();

      // Each server recovers by itself: its pool connects again at the next request.
      for (const via of ['A', 'B'] as const) {
        const site = cluster.site(via);
        await waitUntil(
          async () => (await sendViewEvent(site.url, cluster.origin, PROBE_PAGE, eventKey())).status === 200,
          `${via} writes again`,
        );
      }
      // The load goes on through nginx (its clients back from their Retry-After waits).
      const afterRestart = load.result.acknowledged;
      await waitUntil(() => load.result.acknowledged >= afterRestart + 200, 'the load is under way again');
      stop();
      const result = await load.finished;
      const stored = await storedViews(PAGE);
      console.log(
        `  ${result.attempts} sent, ${result.acknowledged} acknowledged, ${result.replays} of them retries of an event counted already; answers ${JSON.stringify(result.statuses)}; stored ${stored}`,
      );

      // While it was down: 503 with Retry-After, a message, never stored, from A, B and through nginx.
      for (const p of outage) {
        const label = `${p.what} via ${p.via}: ${p.status} ${p.body.slice(0, 120)}`;
        expect(p.status, label).toBe(503);
        expect(p.retryAfter, label).toBe(String(RETRY_AFTER_SECONDS));
        expect(p.cacheControl, label).toMatch(/no-store/);
      }
      const shapes = outage.filter((p) => p.via === 'A').map((p) => [p.what, p.contentType?.split(';')[0]]);
      expect(shapes).toEqual([
        ['view event', 'application/json'],
        ['view counts', 'application/json'],
        ['island', 'text/plain'],
        ['page rendered on demand', 'text/html'],
        ['signed-in page (the session check)', 'text/html'],
        ['signed-in island', 'text/plain'],
        ['action', 'application/json'],
        // The form's own page, with the action's message at the top.
        ['form action', 'text/html'],
        ['health check', 'application/json'],
      ]);
      for (const p of outage.filter((p) => p.what !== 'health check'))
        expect(p.body, `${p.what} via ${p.via}`).toContain(UNAVAILABLE_MESSAGE);
      const action = outage.find((p) => p.what === 'action')!;
      expect(JSON.parse(action.body)).toMatchObject({ type: 'AstroActionError', code: 'SERVICE_UNAVAILABLE' });
      // The driver's message (the database's address) is never shown.
      for (const p of outage) expect(p.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1:\d+/);
      // nginx passed each 503 on as the one app server's answer (the other shares the
      // database): never retried elsewhere, never turned into its own 502.
      const unavailable = cluster.accessLog().filter((e) => e.status === 503);
      expect(unavailable.length).toBeGreaterThanOrEqual(outage.filter((p) => p.via === 'nginx').length);
      for (const entry of unavailable) expect(entry.upstreamStatuses, JSON.stringify(entry)).toEqual(['503']);
      expect(cluster.accessLog().filter((e) => e.status >= 500 && e.status !== 503)).toEqual([]);

      // Recovered by themselves (each wrote again above): the same processes, never restarted.
      expect([cluster.a.process?.child.pid, cluster.b.process?.child.pid]).toEqual(pids);
      expect(cluster.a.process!.child.exitCode).toBeNull();
      expect(cluster.b.process!.child.exitCode).toBeNull();

      // Under load: every answer was an acknowledgement or a 503 saying when to come back (no
      // 500, no 502), no event was given up, and the stored count is the acknowledged one.
      expect(Object.keys(result.statuses).filter((status) => status !== '200' && status !== '503')).toEqual([]);
      expect(result.unavailableWithoutRetryAfter).toBe(0);
      expect(result.abandoned).toBe(0);
      expect(stored).toBe(result.acknowledged);
      // A beacon's retry of an event already counted is acknowledged and not counted again.
      const again = await Promise.all(result.lastKeys.map((key) => sendViewEvent(cluster.url, cluster.origin, PAGE, key)));
      expect(again.map((a) => [a.status, a.counted])).toEqual(result.lastKeys.map(() => [200, false]));
      expect(await storedViews(PAGE)).toBe(stored);
    },
  );
});
