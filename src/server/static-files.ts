import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

/** One file of the built client, held in memory with everything needed to answer for it. */
export interface StaticFile {
  body: Buffer;
  contentType: string;
  etag: string;
  cacheControl: string;
  isHtml: boolean;
}

const CONTENT_TYPES: Record<string, string> = {
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
  for (const full of walk(clientDir)) {
    const rel = relative(clientDir, full).split(sep).join('/');
    const body = readFileSync(full);
    const ext = extname(rel).toLowerCase();
    const file: StaticFile = {
      body,
      contentType: contentTypeOverrides[`/${rel}`] ?? CONTENT_TYPES[ext] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      cacheControl: rel.startsWith('_astro/') ? IMMUTABLE : REVALIDATE,
      isHtml: ext === '.html',
    };
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

/** True when an `If-None-Match` header names `etag` (weak comparison, as RFC 9110 asks for GET). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
