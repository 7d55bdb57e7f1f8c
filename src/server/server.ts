import { createServer, STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import compression from 'compression';
import type { Config } from '../lib/config/index.ts';
import { BODY_LIMITS } from '../lib/config/limits.ts';
import { isDatabaseUnavailable, isReachable, type DB } from '../lib/db/index.ts';
import { forwardedClientAddress, isLoopbackAddress, siteHostMatcher } from '../lib/http/hosts.ts';
import { securityHeaders } from '../lib/http/security-headers.ts';
import { reportUnavailable, RETRY_AFTER_SECONDS, unavailableAnswer, unavailableShape } from '../lib/http/unavailable.ts';
import { chooseVariant, etagMatches, NOT_FOUND_CACHE_CONTROL, staticFileHeaders, type StaticFile, type Variant } from './static-files.ts';
import { createViewsApi, EVENT_PATH, isViewsApiPath } from './views-api.ts';

const FORWARDED_HEADERS = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'forwarded'];

/**
 * The methods this site answers. Any other (TRACE, PUT, WebDAV's…) gets 405 with `Allow`
 * before Astro sees it: 405 rather than 501, as nothing a client sends may get a 5xx.
 */
const METHODS_SERVED = new Set(['GET', 'HEAD', 'POST', 'OPTIONS']);
const ALLOW = 'GET, HEAD, POST, OPTIONS';
/** What a built file (a prerendered page, feed or asset) takes: it can only be read. */
const FILE_ALLOW = 'GET, HEAD, OPTIONS';

/**
 * After refusing an oversized body, the server stops reading, sends its answer and half-closes;
 * the socket is closed for good this long after (so that the client reads the answer instead
 * of a reset), or sooner when the client closes.
 */
const LINGER_MS = 2000;

/** The body limit of a request path (src/lib/config/limits.ts). */
export function bodyLimitFor(path: string): number {
  return path === EVENT_PATH ? BODY_LIMITS.viewEvent : BODY_LIMITS.default;
}

/** A request body read up to a limit; `null` when it is larger (the rest is left unread). */
function readBodyUpTo(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = rawHeader(req, 'content-length');
  if (declared !== undefined && Number(declared) > limit) return Promise.resolve(null);
  if (declared === undefined && rawHeader(req, 'transfer-encoding') === undefined) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        resolve(null);
      } else {
        chunks.push(chunk);
      }
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', reject);
    req.once('close', () => reject(new Error('the client closed the connection before the end of the body')));
  });
}

/**
 * A request header as the client sent it (repeated ones joined with ", ", as `req.headers`
 * does), read from `rawHeaders`: `req.headers` builds an object of all of them on first use,
 * which the static path, the busiest one, can do without. `name` is lower-case.
 */
function rawHeader(req: IncomingMessage, name: string): string | undefined {
  const raw = req.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name)
      value = value === undefined ? raw[i + 1] : `${value}, ${raw[i + 1]}`;
  }
  return value;
}

/**
 * Makes every status line carry the standard reason phrase of its code: Astro copies a
 * Response's `statusText` there (`401 AstroActionError`, `400 Bad request: …`, or `400 OK`
 * for a page that changed its status). And, as a last line of defence, drops `Set-Cookie`
 * from a response that shared caches may store (`Cache-Control: public`): a cached cookie
 * would be handed to everyone.
 */
function standardReasonPhrases(res: ServerResponse) {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    const headers = (typeof rest[0] === 'string' ? rest[1] : rest[0]) as OutgoingHttpHeaders | undefined;
    const cacheControl = headerValue(headers, 'cache-control') ?? this.getHeader('cache-control');
    if (cacheControl !== undefined && /(?:^|[\s,])public(?:$|[\s,])/i.test(String(cacheControl))) {
      this.removeHeader('set-cookie');
      if (headers && !Array.isArray(headers))
        for (const name of Object.keys(headers)) if (name.toLowerCase() === 'set-cookie') delete headers[name];
    }
    return (writeHead as (...args: unknown[]) => ServerResponse).call(this, status, STATUS_CODES[status] ?? 'Unknown', headers);
  } as typeof res.writeHead;
}

function headerValue(headers: OutgoingHttpHeaders | undefined, name: string) {
  if (!headers || Array.isArray(headers)) return undefined;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
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
  const compressRendered = compression({ threshold: 1024 }) as unknown as (
    req: IncomingMessage,
    res: ServerResponse,
    next: () => void,
  ) => void;
  const notFoundPage = staticFiles.get('/404.html');
  const viewsApi = createViewsApi({ config, staticFiles, resolvePath, now });

  function sendNotFound(req: IncomingMessage, res: ServerResponse) {
    res.statusCode = 404;
    res.setHeader('Cache-Control', NOT_FOUND_CACHE_CONTROL);
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
      const { 'Content-Type': contentType, ...notModified }: OutgoingHttpHeaders = {
        ETag: variant.etag,
        ...staticFileHeaders(file, baseHeaders),
      };
      const ok: OutgoingHttpHeaders = { ...notModified, 'Content-Type': contentType, 'Content-Length': variant.body.length };
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
      ...(ok ? {} : { 'Retry-After': String(RETRY_AFTER_SECONDS) }),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  const isSiteHost = siteHostMatcher(config.siteUrl);
  // Host values seen to be the site's: the check runs for every request, static ones too.
  const acceptedHosts = new Set<string>();
  function hostIsSite(host: string | undefined): boolean {
    if (host === undefined) return false;
    if (acceptedHosts.has(host)) return true;
    if (!isSiteHost(host)) return false;
    if (acceptedHosts.size >= 64) acceptedHosts.clear();
    acceptedHosts.add(host);
    return true;
  }

  /** A short plain-text refusal, sent before the request is routed; the connection is closed after it. */
  function refuse(req: IncomingMessage, res: ServerResponse, status: number, message: string, headers: OutgoingHttpHeaders = {}) {
    const body = `${message}\n`;
    res.writeHead(status, STATUS_CODES[status], {
      ...baseHeaders,
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Length': Buffer.byteLength(body),
      Connection: 'close',
      ...headers,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /**
   * 413 for a body over its limit, written straight to the socket: the rest of the body is
   * never read (Node would otherwise read and discard it after the response), the connection
   * is half-closed after the answer and closed for good after a short linger.
   */
  function refuseTooLarge(req: IncomingMessage, res: ServerResponse, rawPath: string, limit: number) {
    const socket = req.socket;
    const json = rawPath.startsWith('/_actions/') || isViewsApiPath(rawPath);
    const message = `The request body is larger than this address accepts (${limit} bytes).`;
    const body = json ? JSON.stringify({ code: 'PAYLOAD_TOO_LARGE', error: message, message }) : `${message}\n`;
    // A pipelined request whose response waits behind another's has no socket of its own yet:
    // answer it in turn, the usual way (Node then closes the connection).
    if (!res.socket) return refuse(req, res, 413, message);
    req.pause();
    socket.pause();
    answerOnSocket(socket, 413, json ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8', body, req.method === 'HEAD');
  }

  /**
   * An answer written straight to the socket, which is half-closed after it and closed for
   * good after a short linger (so the client reads the answer before the connection goes).
   */
  function answerOnSocket(socket: Duplex, status: number, contentType: string, body: string, headOnly = false) {
    const headers: Record<string, string | number> = {
      ...(baseHeaders as Record<string, string>),
      'Content-Type': contentType,
      'Cache-Control': 'no-store',
      'Content-Length': Buffer.byteLength(body),
      Connection: 'close',
    };
    const head = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${headOnly ? '' : body}`);
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  // What Node's parser cannot read as a request: the answer says why, with the site's headers,
  // where Node's own has neither.
  const UNREADABLE: Record<string, [number, string]> = {
    HPE_HEADER_OVERFLOW: [431, 'The request headers are larger than this server accepts.'],
    HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'The chunk extensions of the request body are too large.'],
    ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request did not arrive in time.'],
  };
  function answerUnreadable(error: NodeJS.ErrnoException, socket: Duplex) {
    // Nothing can be answered on a connection that is gone, or after a response has begun.
    if (error.code === 'ECONNRESET' || !socket.writable || (socket as Socket).bytesWritten > 0) return void socket.destroy();
    const [status, message] = UNREADABLE[error.code ?? ''] ?? [400, 'The request is not valid HTTP.'];
    answerOnSocket(socket, status, 'text/plain; charset=utf-8', `${message}\n`);
  }

  /** The built file a request path names, if any (the policy's dated paths resolved by date). */
  function builtFileAt(rawPath: string): StaticFile | undefined {
    let path = rawPath;
    if (rawPath.includes('%')) {
      try {
        path = decodeURIComponent(rawPath);
      } catch {
        // Malformed percent-encoding cannot name a file; let Astro's routing decide.
        return undefined;
      }
    }
    const resolved = resolvePath(path, now());
    return resolved === null ? undefined : staticFiles.get(resolved);
  }

  /** OPTIONS: which methods the address takes, and nothing else (RFC 9110, section 9.3.7). */
  function answerOptions(res: ServerResponse, allow: string) {
    res.writeHead(204, { ...baseHeaders, Allow: allow, 'Cache-Control': 'no-store' });
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const rawPath = (req.url ?? '/').split('?', 1)[0]!;
    // The Host (or, from a trusted proxy, X-Forwarded-Host) must be the site's: Astro builds
    // its URL from it, so another value could make it render another page than the one routed.
    // Health checks from this machine are answered whatever they name.
    const forwardedHost = config.trustProxy ? rawHeader(req, 'x-forwarded-host')?.split(',', 1)[0]!.trim() : undefined;
    if (!hostIsSite(forwardedHost ?? rawHeader(req, 'host'))) {
      const health =
        rawPath === '/healthz' && (req.method === 'GET' || req.method === 'HEAD') && isLoopbackAddress(req.socket.remoteAddress);
      if (!health) {
        const named = forwardedHost ?? rawHeader(req, 'host');
        return named === undefined || named === ''
          ? refuse(req, res, 400, `Name the site in the Host header: ${config.siteUrl.host}.`)
          : refuse(req, res, 421, `This server answers for ${config.siteUrl.host} only.`);
      }
    }
    const method = req.method ?? '';
    const file = isViewsApiPath(rawPath) ? undefined : builtFileAt(rawPath);
    if (file) {
      if (method === 'GET' || method === 'HEAD') return sendStatic(req, res, file);
      // Astro would answer 404 for a file it built: the address exists, it only reads.
      if (method === 'OPTIONS') return answerOptions(res, FILE_ALLOW);
      return refuse(req, res, 405, `${rawPath} is a published file: it can only be read (GET).`, { Allow: FILE_ALLOW });
    }
    if (method === 'OPTIONS' && rawPath === '*') return answerOptions(res, ALLOW);
    if (!METHODS_SERVED.has(method)) return refuse(req, res, 405, `This site does not accept ${method} requests.`, { Allow: ALLOW });
    if (!rawPath.startsWith('/')) {
      return refuse(req, res, 400, 'The request target must be a path, such as /privacy.');
    }
    // Every body is read here, up to its limit, before Astro or the view counter sees it.
    const limit = bodyLimitFor(rawPath);
    const body = await readBodyUpTo(req, limit);
    if (body === null) return refuseTooLarge(req, res, rawPath, limit);
    (req as IncomingMessage & { body?: Buffer }).body = body;

    for (const [name, value] of Object.entries(baseHeaders)) res.setHeader(name, value);
    if (draining) res.setHeader('Connection', 'close');
    if (!config.trustProxy) {
      // Without a proxy of ours in front, these came from the client: never believe them.
      for (const name of FORWARDED_HEADERS) delete req.headers[name];
    } else {
      // From our proxy: the client's address only when it is one; the host is checked above.
      const client = forwardedClientAddress(rawHeader(req, 'x-forwarded-for'));
      if (client === undefined) delete req.headers['x-forwarded-for'];
      else req.headers['x-forwarded-for'] = client;
      // The host was checked above. Astro believes X-Forwarded-For only along with a
      // forwarded host and scheme it was built for (security.allowedDomains): the site's.
      req.headers['x-forwarded-host'] = config.siteUrl.host;
      req.headers['x-forwarded-proto'] = config.siteUrl.protocol.slice(0, -1);
      delete req.headers['x-forwarded-port'];
    }
    // Astro builds the request's URL from Host and the path: make it the site's own.
    req.headers.host = config.siteUrl.host;
    if (isViewsApiPath(rawPath)) return viewsApi(req, res, rawPath, body);
    if (rawPath === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) return sendHealth(req, res);
    compressRendered(req, res, () => {});
    standardReasonPhrases(res);
    await astro(req, res, () => sendNotFound(req, res));
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      // Astro and the view API answer their own errors; this is for what escapes them.
      const path = (req.url ?? '/').split('?', 1)[0]!;
      const unavailable = isDatabaseUnavailable(error);
      if (unavailable) reportUnavailable(`${req.method} ${path} answered 503`, error);
      else console.error(`error while answering ${req.method} ${req.url}:`, error);
      if (res.headersSent) return void res.destroy();
      if (unavailable) {
        const { status, headers, body } = unavailableAnswer(unavailableShape(path, rawHeader(req, 'accept')));
        res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Internal server error\n');
    });
  };
  // Node would answer an HTTP/1.1 request without Host with a bare 400 of its own; handle()
  // says what is missing.
  const server = createServer({ requireHostHeader: false }, onRequest);
  server.on('clientError', answerUnreadable);
  // `Expect: 100-continue`: a declared body over its limit is refused without inviting it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(rawHeader(req, 'content-length'));
    if (!(declared > bodyLimitFor((req.url ?? '/').split('?', 1)[0]!))) res.writeContinue();
    onRequest(req, res);
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
