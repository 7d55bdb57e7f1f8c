// The cluster of `npm run test:cluster`: Debian's nginx with the configuration
// `npm run deploy:nginx` prints, in front of two app servers (A and B, the built server as a
// child process each) sharing one PostgreSQL database. Each test file starts its own.
//
// The database is a new one on the server TEST_DATABASE_URL names (a role that may create
// databases), or, without it, on a throwaway PostgreSQL cluster of the test file's own
// (src/cli/postgres-cluster.ts: Debian's initdb and pg_ctl), which a test can also stop and
// start again: the database restarted under load. `stop()` removes everything it made.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { nginxSiteConfig } from '../../src/cli/nginx/site-config.ts';
import {
  brotliModuleInstalled,
  freePort,
  nginxBinary,
  standaloneConfig,
  startNginxProcess,
  type RunningNginx,
} from '../../src/cli/nginx/process.ts';
import { postgresBin, startPostgresCluster, type PostgresCluster } from '../../src/cli/postgres-cluster.ts';
import { startSiteProcess, type SiteProcess } from '../../src/cli/site-process.ts';
import { openDatabase } from '../../src/lib/db/index.ts';
import { closeAdmin, createTestPostgresDatabase, databaseUrl } from './postgres.ts';
import { root, TEST_ASTRO_KEY, type RunningSite } from './site.ts';

/** The public origin of the cluster's site (a loopback site answers on any loopback port). */
export const CLUSTER_ORIGIN = 'http://localhost:4321';

/** One database the app servers share. */
export interface ClusterDatabase {
  /** What each app server's environment needs to reach it. */
  env: Record<string, string>;
  /**
   * Where the tests' own helpers (createUser, startSession, withDatabase) reach it: anything
   * openDatabase takes, here the database's postgres:// URL.
   */
  databasePath: string;
  /** The PostgreSQL server itself, when this harness started it: a test may stop and start it. */
  server?: Pick<PostgresCluster, 'stopServer' | 'startServer'>;
  stop(): Promise<void>;
}

const NO_POSTGRES =
  'test:cluster needs PostgreSQL (Debian: apt-get install postgresql; CI installs it): no initdb found in /usr/lib/postgresql/<n>/bin, PG_BIN or PATH';

/** A new database on a throwaway PostgreSQL cluster started for it; stopping removes the cluster. */
export async function throwawayPostgres(): Promise<ClusterDatabase> {
  if (postgresBin() === undefined) throw new Error(NO_POSTGRES);
  const server = await startPostgresCluster();
  try {
    const admin = openDatabase({ dialect: 'postgres', url: server.url, poolSize: 1 });
    try {
      await sql`create database site`.execute(admin.db);
    } finally {
      await admin.close();
    }
  } catch (error) {
    server.stop();
    throw error;
  }
  const url = databaseUrl('site', server.url);
  return {
    env: { DATABASE_URL: url },
    databasePath: url,
    server,
    stop: async () => server.stop(),
  };
}

/**
 * The cluster's database: a new, empty one on TEST_DATABASE_URL's server when it is set (the
 * first app server migrates it, as a deploy's first start would), else on a throwaway cluster.
 */
export async function postgresDatabase(): Promise<ClusterDatabase> {
  if (!process.env.TEST_DATABASE_URL) return throwawayPostgres();
  const created = await createTestPostgresDatabase({ migrated: false });
  return {
    env: { DATABASE_URL: created.url },
    databasePath: created.url,
    stop: async () => {
      try {
        await created.drop();
      } finally {
        await closeAdmin();
      }
    },
  };
}

export interface AppServer {
  name: 'A' | 'B';
  port: number;
  url: string;
  /** The running process; undefined while stopped or killed. */
  process: SiteProcess | undefined;
  /** Everything each of its processes printed, across restarts. */
  output(): string;
  start(): Promise<void>;
  /** SIGKILL, and wait for the process to be gone. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export interface Cluster {
  /** nginx: the site as visitors reach it. */
  url: string;
  origin: string;
  dir: string;
  database: ClusterDatabase;
  outboxDir: string;
  a: AppServer;
  b: AppServer;
  nginx: RunningNginx;
  /** The generated configuration nginx runs with. */
  config: string;
  /** The access log: one entry per request nginx answered. */
  accessLog(): AccessLogEntry[];
  /**
   * The entries after the first `before`, once there are at least `count` of them: nginx
   * writes a request's line after its response, so a test reading right after its requests
   * could miss the last. Bounded: throws after 10 s.
   */
  accessLogSince(before: number, count: number): Promise<AccessLogEntry[]>;
  /** The site through nginx, or one app server directly, for the tests' Client and helpers. */
  site(via: 'nginx' | 'A' | 'B'): RunningSite;
  stop(): Promise<void>;
}

export interface AccessLogEntry {
  /** When nginx finished the request (epoch ms). */
  at: number;
  method: string;
  uri: string;
  status: number;
  /** The app servers tried, in order (`host:port`); empty when nginx answered itself. */
  upstreams: string[];
  /** Their statuses, in order (502 for one that could not be reached). */
  upstreamStatuses: string[];
  /** Bytes sent to each app server tried: 0 means the request never reached it. */
  upstreamBytesSent: number[];
}

const LOG_FORMAT = '$msec\\t$request_method\\t$request_uri\\t$status\\t$upstream_addr\\t$upstream_status\\t$upstream_bytes_sent';

function parseAccessLog(text: string): AccessLogEntry[] {
  // nginx separates the servers tried by ", " (and upstream groups by " : "); "-" is none.
  const list = (value: string | undefined) => (!value || value === '-' ? [] : value.split(/, | : /));
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [msec, method, uri, status, addresses, statuses, bytes] = line.split('\t');
      return {
        at: Number(msec) * 1000,
        method: method!,
        uri: uri!,
        status: Number(status),
        upstreams: list(addresses),
        upstreamStatuses: list(statuses),
        upstreamBytesSent: list(bytes).map(Number),
      };
    });
}

function appServer(name: 'A' | 'B', port: number, env: Record<string, string>): AppServer {
  let printed = '';
  const server: AppServer = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    process: undefined,
    output: () => printed + (server.process?.output() ?? ''),
    async start() {
      server.process = await startSiteProcess({ ...env, PORT: String(port) }, 30_000);
    },
    async kill9() {
      const running = server.process;
      if (!running) return;
      running.child.kill('SIGKILL');
      await running.exited;
      printed += running.output();
      server.process = undefined;
    },
    async stop() {
      const running = server.process;
      if (!running) return;
      if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGTERM');
      await running.exited;
      printed += running.output();
      server.process = undefined;
    },
  };
  return server;
}

export interface ClusterOptions {
  /** The shared database (default: postgresDatabase; throwawayPostgres for one the test may restart). */
  database?: () => Promise<ClusterDatabase>;
  /** More environment for both app servers. */
  env?: Record<string, string>;
  /** Called once the database exists, before the app servers start (to seed it). */
  beforeStart?: (database: ClusterDatabase) => Promise<void>;
  /** Start A and B at the same moment (the database must be migrated already: see beforeStart). */
  together?: boolean;
}

/** Starts the database, app servers A and B (at once) and nginx in front of them. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const binary = nginxBinary();
  if (!binary) throw new Error('test:cluster needs nginx: apt-get install nginx-light libnginx-mod-http-brotli-static');
  const database = await (options.database ?? postgresDatabase)();
  // Chosen once the database server listens, so that it cannot have taken one of them.
  let ports: number[];
  try {
    ports = [await freePort(), await freePort(), await freePort()];
  } catch (error) {
    await database.stop();
    throw error;
  }
  const [portA, portB, nginxPort] = ports as [number, number, number];
  const dir = mkdtempSync(join(tmpdir(), 'ct-cluster-'));
  const outboxDir = join(dir, 'outbox');
  const env = {
    ...database.env,
    MAIL_OUTBOX_DIR: outboxDir,
    SITE_URL: CLUSTER_ORIGIN,
    TRUST_PROXY: 'true',
    ASTRO_KEY: TEST_ASTRO_KEY,
    ...options.env,
  };
  const a = appServer('A', portA, env);
  const b = appServer('B', portB, env);
  const brotli = brotliModuleInstalled();
  const config = nginxSiteConfig({
    upstreams: [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`],
    listen: `127.0.0.1:${nginxPort}`,
    root: join(root, 'dist/client'),
    siteUrl: new URL(CLUSTER_ORIGIN),
    brotli,
  });
  const logPath = join(dir, 'nginx', 'access.log');
  let nginx: RunningNginx | undefined;
  try {
    await options.beforeStart?.(database);
    if (options.together) {
      await Promise.all([a.start(), b.start()]);
    } else {
      // The first start migrates: one after the other, as a deploy would roll them.
      await a.start();
      await b.start();
    }
    nginx = await startNginxProcess(
      binary,
      join(dir, 'nginx'),
      standaloneConfig(join(dir, 'nginx'), config, { brotli, accessLog: { path: logPath, format: LOG_FORMAT } }),
      `http://127.0.0.1:${nginxPort}`,
      '/healthz',
    );
  } catch (error) {
    await Promise.all([a.stop(), b.stop()]);
    await database.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const running = nginx;
  const accessLog = (): AccessLogEntry[] => {
    try {
      return parseAccessLog(readFileSync(logPath, 'utf8'));
    } catch {
      return [];
    }
  };
  const url = `http://127.0.0.1:${nginxPort}`;
  const site = (via: 'nginx' | 'A' | 'B'): RunningSite => {
    const server = via === 'A' ? a : via === 'B' ? b : undefined;
    return {
      url: server ? server.url : url,
      origin: CLUSTER_ORIGIN,
      dir,
      databasePath: database.databasePath,
      databaseEnv: database.env,
      outboxDir,
      get process() {
        return (server ?? a).process!.child;
      },
      output: () => (server ? server.output() : running.output()),
      // The cluster stops as a whole (Cluster.stop).
      stop: () => Promise.resolve(0),
    };
  };
  return {
    url,
    origin: CLUSTER_ORIGIN,
    dir,
    database,
    outboxDir,
    a,
    b,
    nginx: running,
    config,
    accessLog,
    async accessLogSince(before, count) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const entries = accessLog().slice(before);
        if (entries.length >= count) return entries;
        if (Date.now() > deadline) throw new Error(`nginx logged ${entries.length} requests, not ${count}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    site,
    async stop() {
      await running.stop();
      await Promise.all([a.stop(), b.stop()]);
      await database.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
