// `npm run deploy:nginx -- --upstream 127.0.0.1:4321 [--upstream …] [--listen 80] [--root /abs/dist/client]
//   [--brotli auto|on|off] [--site-url https://…] [--ssl-certificate f --ssl-certificate-key f]`
// prints the nginx configuration (upstream, maps, server block) for the build in --root
// (default: this checkout's dist/client). README "Deployment"; docs/decisions/0022.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from '../lib/config/index.ts';
import { brotliEnabled, NginxConfigError, nginxSiteConfig } from './nginx/site-config.ts';

const USAGE = `usage: npm run deploy:nginx -- --upstream host:port [--upstream host:port …] [options]
  --upstream host:port      an app server (repeat for each)
  --listen value            nginx's listen value (default 80; e.g. 127.0.0.1:8080, "443 ssl")
  --root path               the build's dist/client, absolute (default: this checkout's)
  --brotli auto|on|off      brotli_static (default auto: on when Debian's
                            libnginx-mod-http-brotli-static is enabled in /etc/nginx/modules-enabled)
  --site-url origin         the public origin (default: SITE_URL); https adds HSTS
  --ssl-certificate file    TLS at nginx: the certificate chain (with --ssl-certificate-key)
  --ssl-certificate-key file`;

function fail(message: string): never {
  console.error(`deploy:nginx: ${message}\n${USAGE}`);
  process.exit(2);
}

function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        upstream: { type: 'string', multiple: true, default: [] },
        listen: { type: 'string', default: '80' },
        root: { type: 'string', default: fileURLToPath(new URL('../../dist/client', import.meta.url)) },
        brotli: { type: 'string', default: 'auto' },
        'site-url': { type: 'string' },
        'ssl-certificate': { type: 'string' },
        'ssl-certificate-key': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!['auto', 'on', 'off'].includes(values.brotli)) fail(`--brotli ${values.brotli}: give auto, on or off`);
  let siteUrl: URL;
  try {
    siteUrl = parseConfig(values['site-url'] === undefined ? process.env : { ...process.env, SITE_URL: values['site-url'] }).siteUrl;
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  const certificate = values['ssl-certificate'];
  const key = values['ssl-certificate-key'];
  if ((certificate === undefined) !== (key === undefined)) fail('give both --ssl-certificate and --ssl-certificate-key, or neither');
  try {
    process.stdout.write(
      nginxSiteConfig({
        upstreams: values.upstream,
        listen: values.listen,
        root: resolve(values.root),
        siteUrl,
        brotli: values.brotli === 'auto' ? brotliEnabled() : values.brotli === 'on',
        tls: certificate && key ? { certificate: resolve(certificate), key: resolve(key) } : undefined,
      }),
    );
  } catch (error) {
    if (error instanceof NginxConfigError) fail(error.message);
    throw error;
  }
}

main();
