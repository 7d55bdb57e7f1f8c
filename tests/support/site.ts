import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_ASTRO_KEY, spawnSiteProcess, startSiteProcess } from '../../src/cli/site-process.ts';
import { createTestPostgresDatabase, dialect } from './postgres.ts';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The island key (ASTRO_KEY) the tests build with (global-setup.ts) and start every server
 * with: the local tools' fixed value (site-process.ts), not a secret. Servers that share a
 * database need one (src/lib/config/island-key.ts), and one build then serves the HTTP
 * tests, the cluster, the fault tests and the benchmark.
 */
export const TEST_ASTRO_KEY = LOCAL_ASTRO_KEY;

export interface RunningSite {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:39211 */
  url: string;
  /** The server's SITE_URL origin: what a same-origin browser request sends as `Origin`. */
  origin: string;
  dir: string;
  /**
   * The site's database, as openDatabase takes it: the SQLite file's path, or (under
   * `npm run test:postgres`) the URL of the site's own PostgreSQL database.
   */
  databasePath: string;
  /** The variable that gives another process this database: DATABASE_PATH, or DATABASE_URL. */
  databaseEnv: Record<string, string>;
  /** Where the server writes outgoing mail (one .eml file per message). */
  outboxDir: string;
  process: ChildProcess;
  output: () => string;
  /** Sends SIGTERM and resolves with the exit code (or the signal's name). */
  stop: () => Promise<number | string>;
}

export interface ExitedProcess {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts the built server on a free port with a new temporary database: a SQLite file, or on
 * PostgreSQL (TEST_DATABASE_URL) a new database of the test server given as DATABASE_URL.
 */
export async function startSite(env: Record<string, string> = {}): Promise<RunningSite> {
  const dir = mkdtempSync(join(tmpdir(), 'ct-site-'));
  const outboxDir = join(dir, 'outbox');
  const postgres = dialect === 'postgres' && env.DATABASE_PATH === undefined ? await createTestPostgresDatabase() : undefined;
  const databasePath = postgres?.url ?? env.DATABASE_PATH ?? join(dir, 'data', 'site.db');
  const database: Record<string, string> = postgres ? { DATABASE_URL: postgres.url } : { DATABASE_PATH: databasePath };
  let started: Awaited<ReturnType<typeof startSiteProcess>>;
  try {
    started = await startSiteProcess({ ASTRO_KEY: TEST_ASTRO_KEY, ...database, MAIL_OUTBOX_DIR: outboxDir, ...env });
  } catch (error) {
    await postgres?.drop();
    throw error;
  }
  const { url, child, output, exited } = started;
  return {
    url,
    origin: new URL(env.SITE_URL ?? 'http://localhost:4321').origin,
    dir,
    databasePath,
    databaseEnv: database,
    outboxDir,
    process: child,
    output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      await postgres?.drop();
      return code;
    },
  };
}

/** Runs the server with `env` expecting it to refuse to start; resolves when it exits. */
export function runServerUntilExit(env: Record<string, string>, timeoutMs = 20_000): Promise<ExitedProcess> {
  const child = spawnSiteProcess(env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server kept running: ${stdout}${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * fetch() for a running site. When SITE_URL names a host other than the loopback address the
 * server listens on (as behind a proxy), the request must carry SITE_URL's host in its Host
 * header, which fetch() cannot set: it is then made with node:http. Redirects are not followed.
 */
export async function siteFetch(site: RunningSite, path: string, init: RequestInit = {}): Promise<Response> {
  const host = new URL(site.origin).host;
  if (/^(localhost|127\.[\d.]+|\[::1\])(:\d+)?$/.test(host)) return fetch(site.url + path, { ...init, redirect: 'manual' });
  const headers = new Headers(init.headers);
  const body = init.body === undefined || init.body === null ? undefined : Buffer.from(await new Response(init.body).arrayBuffer());
  if (body && !headers.has('content-type') && init.body instanceof URLSearchParams)
    headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
  const { hostname, port } = new URL(site.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: hostname,
        port,
        method: init.method ?? 'GET',
        path,
        headers: { ...Object.fromEntries(headers), host, ...(body ? { 'content-length': body.length } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const responseHeaders = new Headers();
          for (let i = 0; i < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          const status = res.statusCode ?? 0;
          const empty = status === 204 || status === 304 || init.method === 'HEAD';
          resolve(
            new Response(empty ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: responseHeaders }),
          );
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The path of the server island named `island` in a page's HTML, as its script fetches it; undefined when the page has none. */
export function islandPathIn(html: string, island: string): string | undefined {
  return new RegExp(`/_server-islands/${island}\\?[^"']+`).exec(html)?.[0]?.replaceAll('&amp;', '&');
}
