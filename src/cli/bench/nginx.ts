// The second peer of `npm run bench`: nginx serving the same files from dist/client, where
// nginx is installed (Debian: `apt-get install nginx-light`). It is what an operator would put
// in front of a static site, so "static pages at half nginx's rate" is a claim about the site
// against a real web server, not only against Node's own HTTP stack.
//
// Fair terms, so that the ratio measures the servers and not their settings:
// - one worker process, as the site is one Node process (on a 2-CPU machine autocannon needs
//   the other CPU; more workers would only compete with the load generator);
// - the file the site answers with (for /privacy, the version in effect, chosen by the site at
//   request time, is found by its bytes), with the same response headers (add_header);
// - files cached open (open_file_cache) and sent with sendfile, the way nginx is run for
//   static sites; no access log (the site writes none either); keep-alive connections are
//   never closed by the server (Node's default), so no reconnects are measured.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { freePort } from '../nginx/process.ts';
import type { Reply } from './reply.ts';

export { nginxBinary } from '../nginx/process.ts';

/** Headers nginx sets itself for a static file (its own ETag and Last-Modified included). */
const NGINX_OWN_HEADERS = new Set([
  'content-type',
  'content-length',
  'etag',
  'last-modified',
  'accept-ranges',
  'server',
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
]);

/** The path under `root` of the file whose bytes are `body`, as an absolute URL path. */
function findFileWithBytes(root: string, body: Buffer): string | undefined {
  const walk = (dir: string): string | undefined => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        const found = walk(path);
        if (found) return found;
      } else if (statSync(path).size === body.length && readFileSync(path).equals(body)) {
        return '/' + relative(root, path);
      }
    }
    return undefined;
  };
  return walk(root);
}

function quoted(value: string): string {
  // nginx interpolates `$name` inside strings; none of the site's headers needs a dollar sign.
  if (value.includes('$')) throw new Error(`nginx peer: a header value with "$" cannot be copied: ${value}`);
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** An nginx configuration answering each `path` with the file of `root` holding the site's bytes. */
export function nginxConfig(dir: string, root: string, port: number, routes: { path: string; reply: Reply }[]): string {
  const locations = routes.map(({ path, reply }) => {
    if (reply.status !== 200) throw new Error(`nginx peer: ${path} answered ${reply.status}, only static pages can be compared`);
    const file = findFileWithBytes(root, Buffer.from(reply.body, 'base64'));
    if (!file) throw new Error(`nginx peer: no file in ${root} holds the bytes the site answers for ${path}`);
    const headers = Object.entries(reply.headers)
      .filter(([name]) => !NGINX_OWN_HEADERS.has(name))
      .map(([name, value]) => `      add_header ${name} ${quoted(value)};`);
    return [
      `    location = ${path} {`,
      `      types { }`,
      `      default_type ${quoted(reply.headers['content-type'] ?? 'text/html; charset=utf-8')};`,
      ...headers,
      `      try_files ${file} =404;`,
      `    }`,
    ].join('\n');
  });
  return `# Written by src/cli/bench/nginx.ts for one benchmark run.
worker_processes 1;
daemon off;
master_process on;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  server_tokens off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  open_file_cache max=1000 inactive=60s;
  keepalive_requests 1000000;
  keepalive_timeout 65s;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  server {
    listen 127.0.0.1:${port};
    root ${root};
${locations.join('\n')}
    location / { return 404; }
  }
}
`;
}

export interface RunningNginx {
  url: string;
  pid: number | undefined;
  stop: () => Promise<void>;
}

/** Starts nginx (`binary`) in `dir` serving `root` for `routes`; resolves when it answers. */
export async function startNginx(
  binary: string,
  dir: string,
  root: string,
  routes: { path: string; reply: Reply }[],
): Promise<RunningNginx> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, root, port, routes));
  // -e: the error log before the configuration is read (else the compiled-in default path).
  const child = spawn(binary, ['-p', dir, '-c', conf, '-e', 'stderr'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT'); // graceful shutdown
    await exited;
  };
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(url + routes[0]!.path);
      await res.arrayBuffer();
      if (res.ok) return { url, pid: child.pid, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(`nginx did not answer within 5 s:\n${output}`);
}

/** "nginx/1.22.1", as `nginx -v` prints it. */
export function nginxVersion(binary: string): string {
  const result = spawnSync(binary, ['-v'], { encoding: 'utf8' });
  return /nginx\/\S+/.exec(result.stderr + result.stdout)?.[0] ?? 'nginx';
}
