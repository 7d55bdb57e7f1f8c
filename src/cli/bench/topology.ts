// The production topology for `npm run bench` (decision 0022): nginx with the configuration
// `npm run deploy:nginx` generates, in front of one app server (the site under test) and in
// front of two (the site and a second server process on the same database). Each nginx runs
// one worker, like the plain nginx peer (bench/nginx.ts), so that "generated configuration
// against plain nginx on the same file" compares configurations, not worker counts.
import { join } from 'node:path';
import { brotliModuleInstalled, freePort, standaloneConfig, startNginxProcess } from '../nginx/process.ts';
import { nginxSiteConfig } from '../nginx/site-config.ts';
import { startSiteProcess } from '../site-process.ts';
import { root, SITE_ORIGIN } from './settings.ts';

export interface Topology {
  /** nginx in front of the site alone. */
  one: string;
  /** nginx in front of the site and a second app server. */
  two: string;
}

async function startTier(binary: string, dir: string, upstreams: string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const brotli = brotliModuleInstalled();
  const site = nginxSiteConfig({
    upstreams,
    listen: `127.0.0.1:${port}`,
    root: join(root, 'dist/client'),
    siteUrl: new URL(SITE_ORIGIN),
    brotli,
  });
  const url = `http://127.0.0.1:${port}`;
  const running = await startNginxProcess(binary, dir, standaloneConfig(dir, site, { brotli }), url, '/healthz');
  return { url, stop: running.stop };
}

/**
 * Starts a second app server with `appEnv` (the site's database and settings) and two nginx
 * processes; each stop is pushed onto `stopping` as soon as it runs.
 */
export async function startTopology(
  binary: string,
  dir: string,
  siteUrl: string,
  appEnv: Record<string, string>,
  stopping: (() => Promise<void>)[],
): Promise<Topology> {
  const second = await startSiteProcess(appEnv);
  stopping.push(async () => {
    if (second.child.exitCode === null) second.child.kill('SIGTERM');
    await second.exited;
  });
  const first = new URL(siteUrl).host;
  const one = await startTier(binary, join(dir, 'nginx-one'), [first]);
  stopping.push(one.stop);
  const two = await startTier(binary, join(dir, 'nginx-two'), [first, new URL(second.url).host]);
  stopping.push(two.stop);
  return { one: one.url, two: two.url };
}
