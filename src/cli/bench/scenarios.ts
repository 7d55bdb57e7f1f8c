// The scenarios of `npm run bench` (src/cli/bench.ts): what each one measures, the request it
// repeats (`plan`), its goals and checks, and the peers (a bare Node server, nginx) that answer
// with the site's bytes for comparison. To measure something more, add one entry here.
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { fmt } from './figures.ts';
import { options, type RequestPlan, type Site } from './load.ts';
import { BROWSER_GET, BROWSER_UA } from './settings.ts';

export interface Goal {
  /** Requests per second at least. */
  minRps?: number;
  /**
   * At least this fraction of each named scenario's requests per second; without `ratio`, the
   * ratio is printed as a figure with no goal (Node's own static path against nginx: decision 0022).
   */
  minRatios?: { scenario: string; ratio?: number }[];
  /** 99th-percentile latency below this many milliseconds. */
  maxP99Ms?: number;
}

export interface Scenario {
  name: string;
  description: string;
  /** The request to repeat against the site. */
  plan?: (site: Site) => Promise<RequestPlan>;
  /** Instead of `plan`: the bare Node server answering this scenario's request with the site's bytes. */
  baselineOf?: string;
  /**
   * Instead of `plan`: the tail floor of the named scenario. A bare Node server answering its
   * request with the site's bytes after spending, on each request, the CPU time the site's main
   * thread spent per request on it in the same round (src/cli/bench-raw-server.ts): the p50
   * and p99 that any server doing that much work per request gets from this machine, to read
   * the site's p99 against.
   */
  floorOf?: string;
  /** Instead of `plan`: nginx serving the file of dist/client the site answers this scenario's request with. */
  nginxOf?: string;
  /**
   * Instead of `plan`: the named scenario's request through nginx with the generated
   * configuration (bench/topology.ts), in front of one app server or two.
   */
  throughNginx?: { of: string; apps: 1 | 2 };
  /**
   * Run against a second app server on PostgreSQL (bench.ts starts a throwaway cluster for it)
   * instead of the one on SQLite. Not measured where PostgreSQL is not installed.
   */
  database?: 'postgres';
  goal?: Goal;
  /** Checks run after the scenario, given its plan; each returns a line to print (and whether it held). */
  verify?: (site: Site, plan: RequestPlan) => Promise<{ ok: boolean; line: string }>;
}

const VIEW_PATH = '/features';

async function viewCount(site: Site, path: string): Promise<number> {
  const res = await fetch(`${site.url}/api/views?path=${encodeURIComponent(path)}`);
  return ((await res.json()) as { views: number }).views;
}

/** A view event as the beacon sends it: a new page-load key each time, a returning visitor's cookie. */
async function viewEventPlan(site: Site): Promise<RequestPlan> {
  return {
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
  };
}

/**
 * Exactness under the same load: a burst of a known number of events (autocannon stops a
 * timed run with requests in flight, so the timed runs cannot be checked exactly).
 */
async function exactViewCounts(site: Site, plan: RequestPlan): Promise<{ ok: boolean; line: string }> {
  const before = await viewCount(site, VIEW_PATH);
  const burst = await autocannon({ ...options(site.url, plan), amount: 5000 });
  const added = (await viewCount(site, VIEW_PATH)) - before;
  return {
    ok: burst['2xx'] === 5000 && added === 5000,
    line: `exact: 5,000 events sent, ${fmt(burst['2xx'])} accepted → +${fmt(added)} views`,
  };
}

/**
 * The request of the server island named `island` on `page`, as the page's script makes it.
 * Connections open first: a render takes ~0.3 ms of the server's one thread, so under load a
 * turn of its event loop takes ~10 ms, and connections opened with the load would wait turns
 * to be accepted (bench/wrk.ts).
 */
async function islandPlan(site: Site, page: string, island: string, headers: Record<string, string>): Promise<RequestPlan> {
  const html = await (await fetch(site.url + page)).text();
  const src = new RegExp(`/_server-islands/${island}[^"']*`).exec(html)?.[0]?.replaceAll('&amp;', '&');
  if (!src) throw new Error(`no ${island} island on ${page}`);
  return { method: 'GET', path: src, headers, connectFirst: true };
}

const announcementsPlan = (site: Site) => islandPlan(site, '/', 'AnnouncementBanner', { 'user-agent': BROWSER_UA });
const viewCountPlan = (site: Site) =>
  islandPlan(site, VIEW_PATH, 'ViewCount', { 'accept-language': 'en-US,en;q=0.9', 'user-agent': BROWSER_UA });

export const SCENARIOS: Scenario[] = [
  {
    name: 'view-event',
    description: `POST /api/views/event for ${VIEW_PATH}: a new page-load key each time, a returning visitor's cookie`,
    plan: viewEventPlan,
    goal: { minRatios: [{ scenario: 'raw-node', ratio: 0.5 }], maxP99Ms: 20 },
    verify: exactViewCounts,
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
    goal: {
      minRatios: [
        { scenario: 'raw-home', ratio: 0.8 },
        // No goal against nginx (withdrawn, decision 0022): in production nginx serves the files.
        { scenario: 'nginx-home' },
      ],
    },
  },
  { name: 'raw-home', description: 'a bare Node http server answering the bytes of /', baselineOf: 'home' },
  { name: 'nginx-home', description: 'nginx (one worker) serving the same file of dist/client with the same headers', nginxOf: 'home' },
  {
    name: 'privacy',
    description: 'GET /privacy (prerendered; the version in effect is chosen at request time)',
    plan: async () => ({ method: 'GET', path: '/privacy', headers: BROWSER_GET }),
    goal: {
      minRatios: [{ scenario: 'raw-privacy', ratio: 0.8 }, { scenario: 'nginx-privacy' }],
    },
  },
  { name: 'raw-privacy', description: 'a bare Node http server answering the bytes of /privacy', baselineOf: 'privacy' },
  { name: 'nginx-privacy', description: 'nginx (one worker) serving the file of the version in effect', nginxOf: 'privacy' },
  // The production topology (decision 0022): the generated nginx configuration must add nothing
  // slow to a static page; islands and view events through it to one and to two app servers.
  {
    name: 'tier-home',
    description: 'GET / through nginx with the configuration of `npm run deploy:nginx` (one worker)',
    throughNginx: { of: 'home', apps: 1 },
    goal: { minRatios: [{ scenario: 'nginx-home', ratio: 0.9 }] },
  },
  {
    name: 'tier-island-1',
    description: 'the ViewCount island through the generated nginx to one app server',
    throughNginx: { of: 'island', apps: 1 },
    goal: { minRatios: [{ scenario: 'island' }] },
  },
  {
    name: 'tier-island-2',
    description: 'the ViewCount island through the generated nginx to two app servers',
    throughNginx: { of: 'island', apps: 2 },
    goal: { minRatios: [{ scenario: 'tier-island-1' }] },
  },
  {
    name: 'tier-event-1',
    description: 'view events through the generated nginx to one app server',
    throughNginx: { of: 'view-event', apps: 1 },
    goal: { minRatios: [{ scenario: 'view-event' }] },
  },
  {
    name: 'tier-event-2',
    description: 'view events through the generated nginx to two app servers (one database)',
    throughNginx: { of: 'view-event', apps: 2 },
    goal: { minRatios: [{ scenario: 'tier-event-1' }] },
  },
  {
    name: 'announcements',
    description: 'GET the AnnouncementBanner server island (rendered by Astro; reads the dismiss cookie and the schedule)',
    plan: announcementsPlan,
    goal: { minRps: 1500 },
  },
  {
    name: 'island',
    description: `GET the ViewCount server island of ${VIEW_PATH} (rendered by Astro)`,
    plan: viewCountPlan,
    goal: { minRps: 1500 },
  },
  // The same on PostgreSQL (issue 15): an app server whose DATABASE_URL names a local
  // PostgreSQL with durable commits, against the same bare Node peer and the SQLite figures.
  {
    name: 'pg-view-event',
    description: `view-event with the site on PostgreSQL (group commit: src/lib/views/)`,
    database: 'postgres',
    plan: viewEventPlan,
    goal: { minRatios: [{ scenario: 'raw-node', ratio: 0.35 }], maxP99Ms: 50 },
    verify: exactViewCounts,
  },
  // Several app servers on one PostgreSQL, as the README's "Outgrowing one machine" runs it:
  // both count into the same rows (each batch one statement, rows locked in key order).
  {
    name: 'pg-tier-event-1',
    description: 'pg-view-event through the generated nginx to one app server',
    database: 'postgres',
    throughNginx: { of: 'pg-view-event', apps: 1 },
    goal: { minRatios: [{ scenario: 'pg-view-event' }] },
  },
  {
    name: 'pg-tier-event-2',
    description: 'pg-view-event through the generated nginx to two app servers (one PostgreSQL)',
    database: 'postgres',
    throughNginx: { of: 'pg-view-event', apps: 2 },
    goal: { minRatios: [{ scenario: 'pg-tier-event-1' }] },
  },
  {
    name: 'pg-island',
    description: 'island with the site on PostgreSQL',
    database: 'postgres',
    plan: viewCountPlan,
    goal: { minRatios: [{ scenario: 'island', ratio: 0.8 }], maxP99Ms: 50 },
  },
  {
    name: 'pg-announcements',
    description: 'announcements with the site on PostgreSQL',
    database: 'postgres',
    plan: announcementsPlan,
    goal: { minRatios: [{ scenario: 'announcements', ratio: 0.8 }], maxP99Ms: 50 },
  },
  // The p99 goals' floors, each measured after its scenario in each round.
  {
    name: 'pg-island-floor',
    description: "a bare Node server spending pg-island's CPU time per request",
    database: 'postgres',
    floorOf: 'pg-island',
  },
  {
    name: 'pg-announcements-floor',
    description: "a bare Node server spending pg-announcements' CPU time per request",
    database: 'postgres',
    floorOf: 'pg-announcements',
  },
];
