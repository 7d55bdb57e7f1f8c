// A throwaway PostgreSQL cluster for the tests (`npm run test:postgres`) and other tools that
// need a real server and are given none: Debian's initdb and pg_ctl, in a temporary folder,
// on a free port of 127.0.0.1 and a private socket folder, run as the `postgres` user when
// this process is root (initdb refuses root). Stopped and removed by `stop()`.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PostgresCluster {
  /** A superuser's URL on the cluster's maintenance database (password included). */
  url: string;
  dir: string;
  /**
   * Shuts the server down (`pg_ctl stop -m fast`: sessions are ended, committed work is kept)
   * and leaves its files: what a database restart looks like to the clients.
   */
  stopServer(): Promise<void>;
  /** Starts it again after `stopServer`, on the same port and data; resolves once it accepts connections. */
  startServer(): Promise<void>;
  /** Stops the server and removes the folder (also after `stopServer`). */
  stop(): void;
}

/** The folder with initdb and pg_ctl: PG_BIN, else the newest /usr/lib/postgresql/<n>/bin, else PATH. */
export function postgresBin(): string | undefined {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => /^\d+$/.test(v) && existsSync(join(base, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(base, versions[0], 'bin');
  }
  const found = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  return found.status === 0 ? join(found.stdout.trim(), '..') : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function postgresIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export interface ClusterOptions {
  /**
   * Commits reach the disk before they are acknowledged (fsync, full-page writes and
   * synchronous commit on, as in production): for figures that mean something (the
   * benchmark). Off by default: the tests do not test PostgreSQL's durability.
   */
  durable?: boolean;
}

export async function startPostgresCluster({ durable = false }: ClusterOptions = {}): Promise<PostgresCluster> {
  const bin = postgresBin();
  if (!bin) throw new Error('no PostgreSQL found: install it (Debian: apt-get install postgresql) or set TEST_DATABASE_URL');
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'ct-pg-'));
  const data = join(dir, 'data');
  const sockets = join(dir, 'sockets');
  mkdirSync(sockets);
  const password = randomBytes(18).toString('base64url');
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (asRoot) {
    const { uid, gid } = postgresIds();
    for (const path of [dir, sockets, passwordFile]) chownSync(path, uid, gid);
  }
  chmodSync(dir, 0o700);
  const commandOf = (tool: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
  const run = (tool: string, args: string[]) => {
    const result = spawnSync(...commandOf(tool, args), { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr || result.stdout || result.error?.message}`);
  };
  // The restart's steps do not block the event loop: the tests' clients keep sending meanwhile.
  const runAsync = (tool: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      execFile(...commandOf(tool, args), { encoding: 'utf8', cwd: dir, timeout: 90_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${tool} failed: ${stderr || stdout || error.message}`));
        else resolve();
      });
    });
  const port = await freePort();
  const initdbArgs = [
    '-D',
    data,
    '-U',
    'ct',
    `--pwfile=${passwordFile}`,
    '--auth-host=scram-sha-256',
    '--auth-local=peer',
    '-E',
    'UTF8',
    '--no-sync',
  ];
  // A server for tests: durability is not what is tested on it (fsync off, unless `durable`),
  // many connections (each test file's databases and servers have pools). A clean shutdown
  // (stopServer's fast mode) still writes every committed transaction out before it stops.
  const options = [
    `-p ${port}`,
    `-k ${sockets}`,
    "-c listen_addresses='127.0.0.1'",
    ...(durable ? [] : ['-c fsync=off', '-c full_page_writes=off', '-c synchronous_commit=off']),
    '-c max_connections=300',
    '-c shared_buffers=64MB',
  ].join(' ');
  const startArgs = ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start'];
  const stopArgs = ['-D', data, '-m', 'fast', '-w', 'stop'];
  try {
    run('initdb', initdbArgs);
    run('pg_ctl', startArgs);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let stopped = false;
  return {
    url: `postgres://ct:${password}@127.0.0.1:${port}/postgres`,
    dir,
    async stopServer() {
      if (stopped) throw new Error('the PostgreSQL cluster was removed');
      await runAsync('pg_ctl', stopArgs);
    },
    async startServer() {
      if (stopped) throw new Error('the PostgreSQL cluster was removed');
      await runAsync('pg_ctl', startArgs);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        // Running unless stopServer stopped it (pg_ctl removes the pid file at a clean stop).
        if (existsSync(join(data, 'postmaster.pid'))) run('pg_ctl', stopArgs);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
