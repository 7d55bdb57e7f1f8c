// The nginx configuration of the static tier (`npm run deploy:nginx`, docs/decisions/0022):
// nginx answers every file of the build from dist/client, with the headers the Node server
// sends for it, and passes everything else to the app servers.
//
// Nothing here is typed twice. The build is read with the Node server's own loader
// (`loadStaticFiles`), so nginx serves exactly the paths the Node server answers from files
// (`/about`, `/about/` and `/about/index.html` alike); each file's headers come from
// `staticFileHeaders` and `securityHeaders`, the functions the Node server answers with; the
// types block is the Node server's table of content types. The configuration is therefore
// made for one build: generate it again with each deploy.
import { existsSync, readdirSync } from 'node:fs';
import { extname, isAbsolute, join } from 'node:path';
import { MAX_BODY_BYTES } from '../../lib/config/limits.ts';
import { securityHeaders } from '../../lib/http/security-headers.ts';
import { AS_OF_MANIFEST_PATH, AS_OF_ROOT, parseAsOfManifest, POLICY_CONTENT_TYPES, POLICY_PATH } from '../../lib/policy/index.ts';
import { CONTENT_TYPES, loadStaticFiles, NOT_FOUND_CACHE_CONTROL, staticFileHeaders } from '../../server/static-files.ts';

export const UPSTREAM_NAME = 'customertrackr_app';
/** Where Debian's `libnginx-mod-http-brotli-static` puts its module and the line that loads it. */
export const BROTLI_MODULE = '/usr/lib/nginx/modules/ngx_http_brotli_static_module.so';
export const MODULES_ENABLED = '/etc/nginx/modules-enabled';

export interface SiteConfigOptions {
  /** App servers, `host:port` each. */
  upstreams: string[];
  /** nginx's `listen` value, e.g. `80`, `127.0.0.1:8080` or `443 ssl`. */
  listen: string;
  /** The absolute path of the build's `dist/client`. */
  root: string;
  /** The site's public origin (SITE_URL): its host names the server, its scheme decides HSTS. */
  siteUrl: URL;
  /** Whether `brotli_static` is available (the module is loaded). */
  brotli: boolean;
  /** PEM files for TLS at nginx (both or neither); `listen` should then say `ssl`. */
  tls?: { certificate: string; key: string };
}

/** True when Debian's Brotli module is enabled for the system's nginx (`/etc/nginx/modules-enabled`). */
export function brotliEnabled(): boolean {
  if (!existsSync(MODULES_ENABLED)) return false;
  return readdirSync(MODULES_ENABLED).some((name) => name.includes('brotli-static') || name.includes('brotli_static'));
}

export class NginxConfigError extends Error {
  override name = 'NginxConfigError';
}

/** A string as one nginx token: quoted, with nothing nginx would interpolate. */
export function quoted(value: string): string {
  if (value.includes('$')) throw new NginxConfigError(`nginx would read "$" as a variable in ${JSON.stringify(value)}`);
  if (/[\r\n]/.test(value)) throw new NginxConfigError(`a line break cannot go into nginx's configuration: ${JSON.stringify(value)}`);
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

const HOST_PORT = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/;

const isUnder = (path: string, root: string) => path === root || path.startsWith(`${root}/`);

/**
 * The `upstream`, the maps and the `server` block (all of the http context) serving the build
 * in `options.root`. Put it in `/etc/nginx/conf.d/` or include it from the `http` block.
 */
export function nginxSiteConfig(options: SiteConfigOptions): string {
  const { upstreams, listen, root, siteUrl, brotli, tls } = options;
  if (upstreams.length === 0) throw new NginxConfigError('name at least one app server with --upstream host:port');
  for (const upstream of upstreams)
    if (!HOST_PORT.test(upstream)) throw new NginxConfigError(`--upstream ${upstream}: give host:port, such as 127.0.0.1:4321`);
  if (!isAbsolute(root)) throw new NginxConfigError(`--root ${root}: give the absolute path of the build's dist/client`);
  if (!existsSync(join(root, '404.html')))
    throw new NginxConfigError(`--root ${root}: no build there (no 404.html): run \`npm run build\``);
  if (!/^[\w.:[\]* -]+$/.test(listen))
    throw new NginxConfigError(`--listen ${listen}: give an address and port, such as 80 or 127.0.0.1:8080`);

  const files = loadStaticFiles(root, POLICY_CONTENT_TYPES);
  const manifestFile = files.get(AS_OF_MANIFEST_PATH);
  const manifest = manifestFile ? parseAsOfManifest(manifestFile.body.toString('utf8')) : { variants: [] };
  // With a policy version still to take effect, which /privacy file answers depends on the
  // time of the request: the app servers decide that, with the Node server's resolver
  // (decision 0002). Without one, nothing can change before the next build: nginx serves them.
  const policyByApp = manifest.variants.length > 0;

  const base = securityHeaders(siteUrl);
  const fileOf = new Map<string, string>();
  /** Per served file: the headers that differ from file to file. */
  const perFile = new Map<string, { cacheControl: string; vary: string; contentType: string }>();
  for (const [path, file] of files) {
    if (isUnder(path, AS_OF_ROOT)) continue;
    if (policyByApp && isUnder(path, POLICY_PATH)) continue;
    const filePath = file.path;
    fileOf.set(path, filePath);
    const headers = staticFileHeaders(file, base);
    perFile.set(filePath, { cacheControl: headers['Cache-Control']!, vary: headers.Vary ?? '', contentType: headers['Content-Type']! });
  }

  const securityLines = Object.entries(base).map(([name, value]) => `add_header ${name} ${quoted(value)} always;`);
  const precompressed = brotli ? ['gzip_static on;', 'brotli_static on;'] : ['gzip_static on;'];
  const staticBody = (indent: string) =>
    [
      ...securityLines,
      'add_header Cache-Control $customertrackr_cache_control always;',
      // Empty for files without precompressed variants: nginx then sends no Vary at all.
      'add_header Vary $customertrackr_vary always;',
      ...precompressed,
    ]
      .map((line) => indent + line)
      .join('\n');

  // Content types: the Node server's table, by extension; a file whose type is set by its
  // path (the policy's Atom feed) gets a location of its own.
  const types = Object.entries(CONTENT_TYPES).map(([ext, type]) => `    ${quoted(type)} ${ext.slice(1)};`);
  const typeLocations: string[] = [];
  for (const [filePath, { contentType }] of perFile) {
    if (CONTENT_TYPES[extname(filePath).toLowerCase()] === contentType) continue;
    const paths = [...fileOf].filter(([, f]) => f === filePath).map(([p]) => p);
    for (const path of paths)
      typeLocations.push(
        [
          `  location = ${path} {`,
          `    types { }`,
          `    default_type ${quoted(contentType)};`,
          `    error_page 404 @customertrackr_not_found;`,
          `    error_page 418 = @customertrackr_app;`,
          `    if ($request_method !~ ^(?:GET|HEAD)$) { return 418; }`,
          `    try_files ${filePath} =404;`,
          staticBody('    '),
          `  }`,
        ].join('\n'),
      );
  }

  const mapLines = (entries: Iterable<[string, string]>) =>
    [...entries].map(([key, value]) => `  ${quoted(key)} ${quoted(value)};`).join('\n');
  const upstreamLines = upstreams.map((u) => `  server ${u} max_fails=1 fail_timeout=5s;`).join('\n');
  const serverName = siteUrl.hostname.replace(/^\[|\]$/g, '');
  const notFoundBody = [
    ...securityLines,
    `add_header Cache-Control ${quoted(NOT_FOUND_CACHE_CONTROL)} always;`,
    // The app compresses its 404 page on the fly and says so; nginx sends the precompressed one.
    `add_header Vary "Accept-Encoding" always;`,
    ...precompressed,
  ]
    .map((line) => `    ${line}`)
    .join('\n');
  const proxyTo = `proxy_pass http://${UPSTREAM_NAME};`;

  return `# CustomerTrackr: the static tier and the app servers behind it.
# Generated by \`npm run deploy:nginx\` for the build in ${root}
# on ${new Date().toISOString()}; generate it again after each build (docs/decisions/0022).
# It belongs in nginx's http context (e.g. /etc/nginx/conf.d/customertrackr.conf).
${brotli ? `# brotli_static needs Debian's libnginx-mod-http-brotli-static (loaded from ${MODULES_ENABLED}).\n` : ''}
upstream ${UPSTREAM_NAME} {
${upstreamLines}
  # Idle connections to the app servers, closed before Node's own 5 s keep-alive timeout, so
  # that nginx never sends a request on a connection the app server is closing.
  keepalive 32;
  keepalive_timeout 4s;
}

# Request path -> file of the build, exactly as the Node server maps them (loadStaticFiles).
# nginx's map ignores case; the path it matched is compared with the request's exactly below.
map $uri $customertrackr_file {
  default "";
${mapLines(fileOf)}
}
map $uri $customertrackr_path {
  default "";
${mapLines([...fileOf.keys()].map((path) => [path, path]))}
}

# File -> its Cache-Control and Vary, from staticFileHeaders (src/server/static-files.ts).
map $customertrackr_file $customertrackr_cache_control {
  default "";
${mapLines([...perFile].map(([f, h]) => [f, h.cacheControl]))}
}
map $customertrackr_file $customertrackr_vary {
  default "";
${mapLines([...perFile].filter(([, h]) => h.vary !== '').map(([f, h]) => [f, h.vary]))}
}

server {
  listen ${listen};
  server_name ${quoted(serverName)};
${tls ? `  ssl_certificate ${quoted(tls.certificate)};\n  ssl_certificate_key ${quoted(tls.key)};\n` : ''}  root ${quoted(root)};
  server_tokens off;
  charset off;
  gzip off;
  gzip_vary off;
  sendfile on;
  tcp_nopush on;
  open_file_cache max=1000 inactive=60s;
  # The app servers refuse bodies over their own limits with their own messages
  # (src/lib/config/limits.ts); nginx stops only what is far beyond them.
  client_max_body_size ${MAX_BODY_BYTES * 2};

  types {
${types.join('\n')}
  }
  default_type "application/octet-stream";

  # To the app servers: the client's address, host and scheme are SET here, replacing whatever
  # the client sent (the app servers trust these headers: TRUST_PROXY=true).
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host $http_host;
  proxy_set_header X-Forwarded-For $remote_addr;
  proxy_set_header X-Forwarded-Host $http_host;
  proxy_set_header X-Forwarded-Proto $scheme;
  proxy_set_header X-Forwarded-Port "";
  proxy_set_header Forwarded "";
  proxy_connect_timeout 2s;
  proxy_read_timeout 60s;
  proxy_buffering on;
  proxy_request_buffering on;
  # When an app server cannot be reached or times out, the request goes to the next one. nginx
  # does that for GET and HEAD; a POST only when it never reached the first server
  # (non_idempotent is deliberately absent: a POST an app server may have acted on is never
  # sent twice). A 503 is the app's own answer (database down, with Retry-After): passed on.
  proxy_next_upstream error timeout;
  proxy_next_upstream_tries 2;
  proxy_next_upstream_timeout 10s;

  error_page 404 @customertrackr_not_found;

  # Files of the build, for GET and HEAD; anything else is the app's.
  location / {
    # (error_page here replaces the server's list: the 404 line is repeated.)
    error_page 404 @customertrackr_not_found;
    error_page 418 = @customertrackr_app;
    if ($request_method !~ ^(?:GET|HEAD)$) { return 418; }
    if ($customertrackr_path != $uri) { return 418; }
    try_files $customertrackr_file =404;
${staticBody('    ')}
  }
${typeLocations.join('\n')}
  # The pages of the policy as of a future date are internal (decision 0002).
  # Only GET: the app answers a HEAD without naming an encoding (it compresses bodies it sends).
  location ^~ ${AS_OF_ROOT}/ {
    # (error_page here replaces the server's list: the 404 line is repeated.)
    error_page 404 @customertrackr_not_found;
    error_page 418 = @customertrackr_app;
    if ($request_method != GET) { return 418; }
    return 404;
  }
${
  policyByApp
    ? `  # A policy version takes effect after this build (${manifest.variants.map((v) => v.from).join(', ')}): which file answers
  # /privacy depends on the time of the request, which the app servers decide (decision 0002).
  location = ${POLICY_PATH} {
    ${proxyTo}
  }
  location ^~ ${POLICY_PATH}/ {
    ${proxyTo}
  }
`
    : ''
}
  # Server islands, actions, APIs, pages rendered on demand, /healthz.
  location ^~ /_server-islands/ {
    ${proxyTo}
  }
  location ^~ /_actions/ {
    ${proxyTo}
  }
  location ^~ /api/ {
    ${proxyTo}
  }
  location = /healthz {
    ${proxyTo}
  }
  location @customertrackr_app {
    ${proxyTo}
  }

  # The styled 404 page, with the headers the Node server sends with it.
  location @customertrackr_not_found {
${notFoundBody}
    try_files /404.html =404;
  }
}
`;
}
