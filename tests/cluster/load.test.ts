// Exact counts through nginx under load, and an app server killed in the middle of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../support/cluster.ts';
import { BROWSER, startViewLoad, type LoadResult } from '../../src/cli/view-load.ts';

const LOAD_SECONDS = Number(process.env.CLUSTER_LOAD_SECONDS ?? 20);
const CLIENTS = 64;
const PAGE = '/features';
/** How often a beacon tries one event before it gives up (the page's script retries too). */
const TRIES = 20;

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `CLIENTS` beacons posting view events for PAGE through nginx until `stop` resolves. */
function load(url: string, stop: Promise<void>): Promise<LoadResult> {
  return startViewLoad({ url, origin: cluster.origin, path: PAGE, clients: CLIENTS, stop, tries: TRIES }).finished;
}

async function storedViews(): Promise<number> {
  const res = await fetch(`${cluster.url}/api/views?path=${encodeURIComponent(PAGE)}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { views: number }).views;
}

const upstreamOf = (server: { port: number }) => `127.0.0.1:${server.port}`;

describe('view events through nginx to two app servers', () => {
  let counted = 0;

  it(
    `${CLIENTS} clients for ${LOAD_SECONDS} s: the stored count equals the acknowledged events`,
    { timeout: (LOAD_SECONDS + 30) * 1000 },
    async () => {
      const before = cluster.accessLog().length;
      const result = await load(cluster.url, sleep(LOAD_SECONDS * 1000));
      const stored = await storedViews();
      console.log(
        `  ${result.attempts} sent, ${result.acknowledged} acknowledged (${(result.acknowledged / LOAD_SECONDS).toFixed(0)}/s), ${result.failures} failed attempts, stored ${stored}`,
      );
      expect(result.acknowledged).toBeGreaterThan(CLIENTS);
      expect(result.abandoned).toBe(0);
      expect(stored).toBe(result.acknowledged);
      // Both servers took their share.
      const served = cluster
        .accessLog()
        .slice(before)
        .filter((e) => e.method === 'POST')
        .map((e) => e.upstreams.at(-1));
      for (const server of [cluster.a, cluster.b])
        expect(served.filter((u) => u === upstreamOf(server)).length).toBeGreaterThan(result.acknowledged / 10);
      counted = stored;
    },
  );

  it(
    'kill -9 of A in the middle: nginx sends the rest to B, a retried event counts once, nothing acknowledged is lost, A rejoins when restarted',
    { timeout: 90_000 },
    async () => {
      const before = cluster.accessLog().length;
      let stop!: () => void;
      const running = load(cluster.url, new Promise<void>((resolve) => (stop = resolve)));
      await sleep(3000);
      const killedAt = Date.now();
      await cluster.a.kill9();
      await sleep(3000);
      const restartedAt = Date.now();
      await cluster.a.start();
      // nginx tries A again once its fail_timeout (5 s) is over; wait until A answers events again.
      const deadline = Date.now() + 30_000;
      const aServed = () =>
        cluster
          .accessLog()
          .slice(before)
          .filter((e) => e.at > restartedAt && e.method === 'POST' && e.status === 200 && e.upstreams.at(-1) === upstreamOf(cluster.a))
          .length;
      while (aServed() < 10 && Date.now() < deadline) await sleep(250);
      stop();
      const result = await running;
      const stored = (await storedViews()) - counted;
      const entries = cluster.accessLog().slice(before);
      console.log(
        `  ${result.attempts} sent, ${result.acknowledged} acknowledged, ${result.replays} of them retries of an event counted already, ${result.failures} failed attempts; stored ${stored}; A answered ${aServed()} events after its restart`,
      );

      // Nothing acknowledged is lost, and nothing is counted twice.
      expect(result.abandoned).toBe(0);
      expect(stored).toBe(result.acknowledged);
      // A beacon's retry of an event already counted (by either server) is acknowledged and not counted again.
      const again = await Promise.all(
        result.lastKeys.map(async (key) => {
          const res = await fetch(`${cluster.url}/api/views/event`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', origin: cluster.origin, 'user-agent': BROWSER },
            body: JSON.stringify({ path: PAGE, key }),
          });
          return [res.status, ((await res.json()) as { counted: boolean }).counted];
        }),
      );
      expect(again).toEqual(result.lastKeys.map(() => [200, false]));
      expect((await storedViews()) - counted).toBe(stored);
      // While A was down, nginx answered from B.
      const whileDown = entries.filter((e) => e.method === 'POST' && e.at > killedAt + 500 && e.at < restartedAt);
      expect(whileDown.length).toBeGreaterThan(CLIENTS);
      expect(whileDown.filter((e) => e.status === 200).every((e) => e.upstreams.at(-1) === upstreamOf(cluster.b))).toBe(true);
      // Only requests in flight at A when it died failed: at most one per client.
      expect(entries.filter((e) => e.status >= 500).length).toBeLessThanOrEqual(CLIENTS);
      // A POST went to a second server only when the first never received it (0 bytes sent).
      const retriedPosts = entries.filter((e) => e.method === 'POST' && e.upstreams.length > 1);
      for (const entry of retriedPosts)
        expect(
          entry.upstreamBytesSent.slice(0, -1).every((bytes) => bytes === 0),
          JSON.stringify(entry),
        ).toBe(true);
      // A rejoined.
      expect(aServed()).toBeGreaterThanOrEqual(10);
    },
  );
});
