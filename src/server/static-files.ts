import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

/** One encoding of a file: its bytes and their own ETag. */
export interface Variant {
  body: Buffer;
  etag: string;
  /** `br`, `gzip`, or undefined for the file as it is. */
  encoding?: 'br' | 'gzip';
}

/** One file of the built client, held in memory with everything needed to answer for it. */
export interface StaticFile extends Variant {
  /** Its own URL path (`/about/index.html`), whichever of its paths (`/about`, `/about/`) asked for it. */
  path: string;
  contentType: string;
  cacheControl: string;
  isHtml: boolean;
  /** Precompressed variants written at build time (src/server/precompress.ts). */
  br?: Variant;
  gzip?: Variant;
}

/** Content types by file extension: the Node server's and, generated from it, nginx's (src/cli/nginx/). */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

// Hashed build assets never change under the same name; everything else may change with a
// deploy, so it is revalidated (cheaply, by ETag) on every use.
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'public, max-age=0, must-revalidate';
/** The styled 404 page (`/404.html`) is sent for any path without a file or a route; never stored stale. */
export const NOT_FOUND_CACHE_CONTROL = 'no-cache';

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

/**
 * Reads the built client folder into memory once, keyed by every URL path that should
 * serve each file (`/about`, `/about/` and `/about/index.html` for an `about/index.html`).
 * The site's client build is small (well under a few MB), so a request is a map lookup.
 */
export function loadStaticFiles(
  clientDir: string,
  /** Content types by URL path, where the extension says too little (`/privacy/feed.xml` is Atom). */
  contentTypeOverrides: Record<string, string> = {},
): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const all = new Set(walk(clientDir));
  for (const full of all) {
    // Precompressed variants are served as encodings of their original, never on their own.
    if ((full.endsWith('.br') || full.endsWith('.gz')) && all.has(full.slice(0, -3))) continue;
    const rel = relative(clientDir, full).split(sep).join('/');
    const body = readFileSync(full);
    const ext = extname(rel).toLowerCase();
    const etag = etagOf(body);
    const file: StaticFile = {
      path: `/${rel}`,
      body,
      etag,
      contentType: contentTypeOverrides[`/${rel}`] ?? CONTENT_TYPES[ext] ?? 'application/octet-stream',
      cacheControl: rel.startsWith('_astro/') ? IMMUTABLE : REVALIDATE,
      isHtml: ext === '.html',
    };
    // Each encoding has its own ETag (RFC 9110 §8.8.3): a cache must not answer a gzip
    // request with a matching Brotli body.
    if (all.has(`${full}.br`)) file.br = { body: readFileSync(`${full}.br`), etag: `${etag.slice(0, -1)}-br"`, encoding: 'br' };
    if (all.has(`${full}.gz`)) file.gzip = { body: readFileSync(`${full}.gz`), etag: `${etag.slice(0, -1)}-gz"`, encoding: 'gzip' };
    files.set(`/${rel}`, file);
    if (rel === 'index.html') files.set('/', file);
    else if (rel.endsWith('/index.html')) {
      const dir = `/${rel.slice(0, -'/index.html'.length)}`;
      files.set(dir, file);
      files.set(`${dir}/`, file);
    }
  }
  return files;
}

/**
 * The headers of a static file's answer (200 or 304) besides its ETag, length and encoding:
 * `base` (the security headers, src/lib/http/security-headers.ts), caching, `Vary` when there
 * are precompressed variants, and the content type. The Node server sends exactly these, and
 * the nginx configuration (`npm run deploy:nginx`) is generated from them, so that both tiers
 * answer the same for the same file.
 */
export function staticFileHeaders(file: StaticFile, base: Readonly<Record<string, string>>): Record<string, string> {
  const headers: Record<string, string> = { ...base, 'Cache-Control': file.cacheControl };
  if (file.br || file.gzip) headers.Vary = 'Accept-Encoding';
  headers['Content-Type'] = file.contentType;
  return headers;
}

function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** Which of the precompressed encodings an `Accept-Encoding` header accepts. */
interface Accepts {
  br: boolean;
  gzip: boolean;
}

// Browsers send a handful of distinct Accept-Encoding values; parsing each once keeps the
// static hot path free of string splitting. Bounded, since the header is the client's to choose.
const acceptsByHeader = new Map<string, Accepts>();
const MAX_REMEMBERED_HEADERS = 256;

function parseAcceptEncoding(header: string): Accepts {
  const accepted = new Map<string, number>();
  for (const part of header.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const wants = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  return { br: wants('br'), gzip: wants('gzip') };
}

/**
 * The best encoding of `file` the client accepts: Brotli, then gzip, then as it is.
 * Honours `q=0` refusals; `identity` is always acceptable.
 */
export function chooseVariant(file: StaticFile, acceptEncoding: string | undefined): Variant {
  if (!acceptEncoding || (!file.br && !file.gzip)) return file;
  let accepts = acceptsByHeader.get(acceptEncoding);
  if (!accepts) {
    accepts = parseAcceptEncoding(acceptEncoding);
    if (acceptsByHeader.size >= MAX_REMEMBERED_HEADERS) acceptsByHeader.clear();
    acceptsByHeader.set(acceptEncoding, accepts);
  }
  if (file.br && accepts.br) return file.br;
  if (file.gzip && accepts.gzip) return file.gzip;
  return file;
}

/** True when an `If-None-Match` header names `etag` (weak comparison, as RFC 9110 asks for GET). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
