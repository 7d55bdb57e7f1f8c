// Runs Debian's nginx as a child process with a configuration of its own, in a temporary
// prefix: no daemon, its pid file, error log and temporary paths under that prefix, nothing of
// /etc/nginx read. Used by `npm run test:cluster` and `npm run bench`.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BROTLI_MODULE } from './site-config.ts';

export const NGINX_BINARIES = ['/usr/sbin/nginx', '/usr/bin/nginx'];

export function nginxBinary(): string | undefined {
  return NGINX_BINARIES.find((path) => existsSync(path));
}

/** True when the Brotli module's file is installed (a standalone nginx loads it itself). */
export function brotliModuleInstalled(): boolean {
  return existsSync(BROTLI_MODULE);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A whole nginx.conf around `http` (the http context's content: e.g. nginxSiteConfig's output)
 * for a child process in `dir`. As root, nginx's workers would switch to `nobody`, who may not
 * read a checkout under /root or /work: they keep the parent's user instead.
 */
export function standaloneConfig(
  dir: string,
  http: string,
  {
    workers = 1,
    brotli = false,
    accessLog,
  }: {
    workers?: number;
    brotli?: boolean;
    /** A log of every request, in `format` (nginx's variables), written to `path`; default none. */
    accessLog?: { path: string; format: string };
  } = {},
): string {
  const log = accessLog ? `log_format run '${accessLog.format}';\n  access_log ${accessLog.path} run;` : 'access_log off;';
  const asRoot = process.getuid?.() === 0;
  return `# Written for one run by src/cli/nginx/process.ts.
${brotli ? `load_module ${BROTLI_MODULE};\n` : ''}${asRoot ? 'user root;\n' : ''}worker_processes ${workers};
daemon off;
master_process on;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  ${log}
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  keepalive_requests 1000000;
  keepalive_timeout 65s;
${http}
}
`;
}

export interface RunningNginx {
  url: string;
  pid: number | undefined;
  /** What nginx printed and its error log so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Writes `config` to `dir/nginx.conf`, checks it (`nginx -t`), starts nginx and resolves once
 * `url` + `probePath` answers (any status).
 */
export async function startNginxProcess(binary: string, dir: string, config: string, url: string, probePath = '/'): Promise<RunningNginx> {
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, config);
  // -e: the error log used before the configuration is read (else the compiled-in path).
  const args = ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')];
  const test = spawn(binary, ['-t', '-q', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let testOutput = '';
  test.stderr!.on('data', (chunk: Buffer) => (testOutput += chunk.toString()));
  const testCode = await new Promise<number | null>((resolve) => test.once('exit', resolve));
  if (testCode !== 0) throw new Error(`nginx -t refused the configuration:\n${testOutput}`);
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errorLog = join(dir, 'error.log');
  const readLog = () => output + (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT'); // graceful shutdown
    await exited;
  };
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}):\n${readLog()}`);
    try {
      const res = await fetch(url + probePath);
      await res.arrayBuffer();
      return { url, pid: child.pid, output: readLog, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(`nginx did not answer within 5 s:\n${readLog()}`);
}
