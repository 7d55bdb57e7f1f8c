import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../lib/config/index.ts';
import { BODY_LIMITS } from '../lib/config/limits.ts';
import { database, isDatabaseUnavailable } from '../lib/db/index.ts';
import { CROSS_SITE_MESSAGE, isAllowedOrigin } from '../lib/http/origin.ts';
import { reportUnavailable, unavailableAnswer } from '../lib/http/unavailable.ts';
import {
  countability,
  createViewRecorder,
  expiredVisitorCookie,
  isEventKey,
  isOnDemandPage,
  isVisitorId,
  negotiateLocale,
  newVisitorId,
  normalizePagePath,
  readCookie,
  renderBadge,
  visitorCookie,
  visitorCookieName,
  type PageCounts,
  type ViewRecorder,
} from '../lib/views/index.ts';
import type { StaticFile } from './static-files.ts';

/**
 * The view counter's HTTP surface, answered on the server's hot path (not through Astro):
 *
 * - `POST /api/views/event` — the beacon of public/js/view-count.js: `{"path", "key"}`
 *   (JSON, at most 2 KB: larger bodies are refused by the server before they get here). Counts the page load once, then answers the page's counts,
 *   own view included. Same-site only (the site's one origin check).
 * - `GET /api/views?path=` — `{"path", "views", "visitors"}` for pages elsewhere.
 * - `GET /api/views/badge.svg?path=` — the same as an SVG badge.
 *
 * The GET forms are CORS-open, cacheable for a minute, and never count. Bad input gets a
 * 4xx with a message; a database that cannot be read or written just now (isDatabaseUnavailable:
 * PostgreSQL down or restarting, SQLite's file locked or read-only) gets 503 with Retry-After,
 * as every on-demand answer of the site does (src/lib/http/unavailable.ts); anything else is a
 * fault of this code and gets 500.
 * See docs/decisions/0004-view-counting.md.
 */
export const VIEWS_API_ROOT = '/api/views';
export const EVENT_PATH = `${VIEWS_API_ROOT}/event`;
export const BADGE_PATH = `${VIEWS_API_ROOT}/badge.svg`;
/** The beacon's body limit, enforced by the server before this API is reached. */
export const MAX_EVENT_BYTES = BODY_LIMITS.viewEvent;
/** How long others may cache the public counts (seconds). */
export const PUBLIC_MAX_AGE = 60;

export function isViewsApiPath(path: string): boolean {
  return path === VIEWS_API_ROOT || path.startsWith(`${VIEWS_API_ROOT}/`);
}

export interface ViewsApiOptions {
  config: Config;
  /** The built client files: prerendered pages are the paths that may be counted. */
  staticFiles: ReadonlyMap<string, StaticFile>;
  /** The server's request-path resolver (the policy's pages in effect). */
  resolvePath: (path: string, now: Date) => string | null;
  /** The clock; tests inject one. */
  now: () => Date;
}

/** `body`: the request body, already read (and limited) by the server. */
export type ViewsApiHandler = (req: IncomingMessage, res: ServerResponse, rawPath: string, body: Buffer) => Promise<void>;

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const JSON_TYPE = 'application/json; charset=utf-8';

function send(res: ServerResponse, status: number, headers: Record<string, string | number>, body: string, head = false) {
  res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}, head = false) {
  send(res, status, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store', ...headers }, JSON.stringify(value), head);
}

function parseEvent(body: Buffer): { path: string; key: string } {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'The view event must be JSON: {"path": "/a/page", "key": "<random page-load key>"}.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'The view event must be a JSON object with "path" and "key".');
  }
  const { path: rawPath, key } = value as { path?: unknown; key?: unknown };
  const path = normalizePagePath(rawPath);
  if (path === null) throw new HttpError(400, '"path" must be the page\'s path, such as "/features".');
  if (!isEventKey(key)) throw new HttpError(400, '"key" must be 16 to 64 letters, digits, "-" or "_", new for each page load.');
  return { path, key };
}

function queryPath(req: IncomingMessage): string {
  const query = (req.url ?? '').split('?')[1] ?? '';
  const values = new URLSearchParams(query).getAll('path');
  if (values.length !== 1) throw new HttpError(400, 'Give one page path: ?path=/features');
  const path = normalizePagePath(values[0]);
  if (path === null) throw new HttpError(400, '"path" must be a page\'s path, such as /features.');
  return path;
}

export function createViewsApi({ config, staticFiles, resolvePath, now }: ViewsApiOptions): ViewsApiHandler {
  const { siteUrl } = config;
  const cookieName = visitorCookieName(siteUrl);
  const notFoundPage = staticFiles.get('/404.html');
  const publicHeaders = {
    'Cache-Control': `public, max-age=${PUBLIC_MAX_AGE}`,
    'Access-Control-Allow-Origin': '*',
    'Cross-Origin-Resource-Policy': 'cross-origin',
  };

  /** A page of this site: prerendered (and public), or an on-demand page showing a counter. */
  function isPage(path: string): boolean {
    if (isOnDemandPage(path)) return true;
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return false;
    }
    const resolved = resolvePath(decoded, now());
    const file = resolved === null ? undefined : staticFiles.get(resolved);
    return file !== undefined && file.isHtml && file !== notFoundPage;
  }

  // The recorder, on the process's shared database connection, made on first use. Daily
  // maintenance (past days' dedupe data, retention) is a job of the scheduler (src/lib/jobs).
  let recorder: Promise<ViewRecorder> | undefined;
  let ready: ViewRecorder | undefined; // the same, once made: no await on the hot path
  function getRecorder(): ViewRecorder | Promise<ViewRecorder> {
    if (ready) return ready;
    recorder ??= database().then(async (opened) => {
      const made = createViewRecorder(opened);
      await made.rotate(now());
      ready = made;
      return made;
    });
    recorder.catch(() => (recorder = undefined)); // retried by the next request
    return recorder;
  }

  async function countEvent(req: IncomingMessage, res: ServerResponse, body: Buffer) {
    if (
      !isAllowedOrigin('POST', { origin: req.headers.origin, secFetchSite: req.headers['sec-fetch-site'] as string | undefined }, siteUrl)
    ) {
      throw new HttpError(403, CROSS_SITE_MESSAGE);
    }
    const type = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
    if (type !== 'application/json' && type !== 'text/plain') {
      throw new HttpError(415, 'Send the view event as application/json.');
    }
    const { path, key } = parseEvent(body);
    if (!isPage(path)) throw new HttpError(404, `${path} is not a page of this site.`);

    const recorderNow = getRecorder();
    const views = recorderNow instanceof Promise ? await recorderNow : recorderNow;
    const kind = countability({
      userAgent: req.headers['user-agent'],
      secPurpose: req.headers['sec-purpose'] as string | undefined,
      purpose: req.headers['purpose'] as string | undefined,
    });
    if (kind !== 'countable') return sendJson(res, 200, { counted: false, reason: kind, ...(await views.counts(path)) });

    // Global Privacy Control: no cookie (and any earlier one is deleted); the view still counts.
    const gpc = req.headers['sec-gpc'] === '1';
    const cookie = readCookie(req.headers.cookie, cookieName);
    let visitorId: string | null = null;
    let setCookie: string | undefined;
    if (gpc) {
      if (cookie !== undefined) setCookie = expiredVisitorCookie(siteUrl);
    } else if (isVisitorId(cookie)) {
      visitorId = cookie;
    } else {
      visitorId = newVisitorId();
      setCookie = visitorCookie(siteUrl, visitorId);
    }

    const outcome = await views.record({ path, key, visitorId }, now());
    sendJson(res, 200, outcome, setCookie ? { 'Set-Cookie': setCookie } : {});
  }

  async function counts(path: string): Promise<PageCounts> {
    const recorderNow = getRecorder();
    return (recorderNow instanceof Promise ? await recorderNow : recorderNow).counts(path);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, rawPath: string, body: Buffer) {
    const method = req.method ?? 'GET';
    const head = method === 'HEAD';
    if (rawPath === EVENT_PATH) {
      if (method !== 'POST') throw new HttpError(405, 'Send view events with POST.');
      return countEvent(req, res, body);
    }
    if (rawPath !== VIEWS_API_ROOT && rawPath !== BADGE_PATH) throw new HttpError(404, 'No such view-count address.');
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET, HEAD',
        'Access-Control-Max-Age': '86400',
      });
      return void res.end();
    }
    if (method !== 'GET' && !head) throw new HttpError(405, 'Read view counts with GET.');
    const path = queryPath(req);
    const { views, visitors } = await counts(path);
    if (rawPath === VIEWS_API_ROOT) return sendJson(res, 200, { path, views, visitors }, publicHeaders, head);
    const locale = negotiateLocale(req.headers['accept-language']);
    send(
      res,
      200,
      { 'Content-Type': 'image/svg+xml; charset=utf-8', Vary: 'Accept-Language', ...publicHeaders },
      renderBadge(views, locale),
      head,
    );
  }

  return async (req, res, rawPath, body) => {
    try {
      await handle(req, res, rawPath, body);
    } catch (error) {
      if (res.headersSent) return void res.destroy();
      if (error instanceof HttpError) {
        const headers: Record<string, string> = {};
        if (error.status === 405) headers.Allow = rawPath === EVENT_PATH ? 'POST' : 'GET, HEAD, OPTIONS';
        return sendJson(res, error.status, { error: error.message }, headers, req.method === 'HEAD');
      }
      if (isDatabaseUnavailable(error)) {
        reportUnavailable(`${req.method} ${rawPath} answered 503`, error);
        const { status, headers, body } = unavailableAnswer('json');
        return send(res, status, headers, body, req.method === 'HEAD');
      }
      console.error(`view counter: ${req.method} ${req.url} failed:`, error);
      sendJson(res, 500, { error: 'The view counter failed. Please try again later.' });
    }
  };
}
