import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import compression from 'compression';
import type { Config } from '../lib/config/index.ts';
import { isReachable, type DB } from '../lib/db/index.ts';
import { securityHeaders } from '../lib/http/security-headers.ts';
import { chooseVariant, etagMatches, type StaticFile, type Variant } from './static-files.ts';
import { createViewsApi, isViewsApiPath } from './views-api.ts';

const FORWARDED_HEADERS = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'forwarded'];

/**
 * A request header as the client sent it (repeated ones joined with ", ", as `req.headers`
 * does), read from `rawHeaders`: `req.headers` builds an object of all of them on first use,
 * which the static path, the busiest one, can do without. `name` is lower-case.
 */
function rawHeader(req: IncomingMessage, name: string): string | undefined {
  const raw = req.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) value = value === undefined ? raw[i + 1] : `${value}, ${raw[i + 1]}`;
  }
  return value;
}

/** Astro's request handler in middleware mode, as `dist/server/entry.mjs` exports it. */
export type AstroHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (err?: unknown) => void,
  locals?: object,
) => void | Promise<void>;

export interface SiteServerOptions {
  config: Config;
  db: DB;
  astro: AstroHandler;
  staticFiles: Map<string, StaticFile>;
  /**
   * Maps a GET/HEAD path to the static file that answers it at `now`; `null` means "no
   * static file". Default: the path itself. The privacy policy uses it to serve the page of
   * the version in effect (src/lib/policy/request-time.ts: `policyPathResolver(staticFiles)`).
   */
  resolvePath?: (path: string, now: Date) => string | null;
  /** The clock used by `resolvePath`; tests inject a fixed one. Default: the system clock. */
  now?: () => Date;
}

/**
 * The site's HTTP server: the built client files and `/healthz` are answered here, on the
 * hot path, without entering Astro; everything else goes to Astro's handler.
 */
export type SiteServer = Server & { drain(onClosed: () => void): void };

export function createSiteServer({
  config,
  db,
  astro,
  staticFiles,
  resolvePath = (path) => path,
  now = () => new Date(),
}: SiteServerOptions): SiteServer {
  const baseHeaders = securityHeaders(config.siteUrl);
  // Responses rendered on demand (pages, islands, JSON) are compressed on the fly when over
  // 1 KB: Brotli at a fast setting, else gzip. Static files come precompressed instead.
  const compressRendered = compression({ threshold: 1024 }) as unknown as (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  const notFoundPage = staticFiles.get('/404.html');
  const viewsApi = createViewsApi({ config, staticFiles, resolvePath, now });

  function sendNotFound(req: IncomingMessage, res: ServerResponse) {
    res.statusCode = 404;
    res.setHeader('Cache-Control', 'no-cache');
    if (notFoundPage) {
      res.setHeader('Content-Type', notFoundPage.contentType);
      res.setHeader('Content-Length', notFoundPage.body.length);
      res.end(req.method === 'HEAD' ? undefined : notFoundPage.body);
    } else {
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(req.method === 'HEAD' ? undefined : 'Not found\n');
    }
  }

  // Set once the server is stopping: each response then closes its connection, so that
  // keep-alive clients sending request after request let the server finish.
  let draining = false;

  // The headers of each static answer, built on first use and kept: one writeHead with a
  // ready object costs a fraction of a setHeader call per header, and static files are the
  // hot path (docs/performance.md).
  const staticHeaders = new WeakMap<Variant, { ok: OutgoingHttpHeaders; notModified: OutgoingHttpHeaders }>();
  function headersOf(file: StaticFile, variant: Variant) {
    let headers = staticHeaders.get(variant);
    if (!headers) {
      const notModified: OutgoingHttpHeaders = { ...baseHeaders, ETag: variant.etag, 'Cache-Control': file.cacheControl };
      if (file.br || file.gzip) notModified.Vary = 'Accept-Encoding';
      const ok: OutgoingHttpHeaders = { ...notModified, 'Content-Type': file.contentType, 'Content-Length': variant.body.length };
      if (variant.encoding) ok['Content-Encoding'] = variant.encoding;
      headers = { ok, notModified };
      staticHeaders.set(variant, headers);
    }
    return headers;
  }

  function sendStatic(req: IncomingMessage, res: ServerResponse, file: StaticFile) {
    const variant = chooseVariant(file, rawHeader(req, 'accept-encoding'));
    const headers = headersOf(file, variant);
    const closing = draining ? { Connection: 'close' } : undefined;
    if (etagMatches(rawHeader(req, 'if-none-match'), variant.etag)) {
      res.writeHead(304, closing ? { ...headers.notModified, ...closing } : headers.notModified);
      res.end();
      return;
    }
    res.writeHead(200, closing ? { ...headers.ok, ...closing } : headers.ok);
    res.end(req.method === 'HEAD' ? undefined : variant.body);
  }

  async function sendHealth(req: IncomingMessage, res: ServerResponse) {
    const ok = await isReachable(db);
    const body = JSON.stringify({ status: ok ? 'ok' : 'unavailable', database: ok ? 'reachable' : 'unreachable' });
    res.writeHead(ok ? 200 : 503, {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const rawPath = (req.url ?? '/').split('?', 1)[0]!;
    if (req.method === 'GET' || req.method === 'HEAD') {
      let path: string | undefined = rawPath;
      if (rawPath.includes('%')) {
        try {
          path = decodeURIComponent(rawPath);
        } catch {
          // Malformed percent-encoding cannot name a file; let Astro's routing decide.
          path = undefined;
        }
      }
      const resolved = path === undefined ? null : resolvePath(path, now());
      const file = resolved === null ? undefined : staticFiles.get(resolved);
      if (file) return sendStatic(req, res, file);
    }
    for (const [name, value] of Object.entries(baseHeaders)) res.setHeader(name, value);
    if (draining) res.setHeader('Connection', 'close');
    if (!config.trustProxy) {
      // Without a proxy of ours in front, these came from the client: never believe them.
      for (const name of FORWARDED_HEADERS) delete req.headers[name];
    }
    if (isViewsApiPath(rawPath)) return viewsApi(req, res, rawPath);
    if (rawPath === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) return sendHealth(req, res);
    compressRendered(req, res, () => {});
    await astro(req, res, () => sendNotFound(req, res));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error(`error while answering ${req.method} ${req.url}:`, error);
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Internal server error\n');
      } else {
        res.destroy();
      }
    });
  });
  return Object.assign(server, {
    /** Stops accepting connections and lets the requests in flight finish (then 'close'). */
    drain(onClosed: () => void) {
      draining = true;
      server.close(onClosed);
      server.closeIdleConnections();
    },
  });
}
