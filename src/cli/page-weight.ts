// `npm run check:weight`: what each prerendered page costs a first-time visitor, against the
// budget: at most 60 KB transferred (Brotli, as served) and 6 KB of JavaScript per page,
// images excepted, web fonts included (those the page preloads and those its stylesheets
// load; fonts.css declares one file, for the characters every page uses). Exits non-zero when a page is over budget.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync } from 'node:zlib';
import { build, buildIsStale } from './build.ts';
import { loadStaticFiles, type StaticFile } from '../server/static-files.ts';

const BUDGET_TOTAL = 60 * 1024;
const BUDGET_JS = 6 * 1024;
const root = fileURLToPath(new URL('../../', import.meta.url));
const client = join(root, 'dist/client');

if (buildIsStale() && !build()) process.exit(1);
if (!existsSync(client)) {
  console.error('page-weight: no build in dist/client');
  process.exit(1);
}

const files = loadStaticFiles(client);
const transferred = (file: StaticFile) => (file.br ?? file.gzip ?? file).body.length;

interface Row {
  page: string;
  html: number;
  css: number;
  font: number;
  js: number;
  jsRaw: number;
  total: number;
}

const rows: Row[] = [];
for (const [path, file] of files) {
  // One row per page: the slash-less directory form, as the site links it.
  if (!file.isHtml || (path.endsWith('.html') && path !== '/404.html') || (path.endsWith('/') && path !== '/')) continue;
  if (path.startsWith('/privacy/as-of/')) continue; // served under their public paths instead
  const html = file.body.toString('utf8');
  let css = 0;
  let font = 0;
  let js = 0;
  let jsRaw = 0;
  const seen = new Set<string>();
  for (const [, href] of html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)) {
    const asset = href && !seen.has(href) ? files.get(href) : undefined;
    if (href) seen.add(href);
    if (asset) css += transferred(asset);
    for (const [, url] of asset ? asset.body.toString('utf8').matchAll(/url\(['"]?([^'")]+\.woff2)['"]?\)/g) : []) {
      const fontFile = url && !seen.has(url) ? files.get(url) : undefined;
      if (url) seen.add(url);
      if (fontFile) font += transferred(fontFile);
    }
  }
  for (const [, href] of html.matchAll(/<link[^>]+rel="preload"[^>]+href="([^"]+)"[^>]*as="font"/g)) {
    const fontFile = href && !seen.has(href) ? files.get(href) : undefined;
    if (href) seen.add(href);
    if (fontFile) font += transferred(fontFile);
  }
  for (const [, src] of html.matchAll(/<script[^>]+src="([^"]+)"/g)) {
    const asset = src && !seen.has(src) ? files.get(src) : undefined;
    if (src) seen.add(src);
    if (asset) {
      js += transferred(asset);
      jsRaw += asset.body.length;
    }
  }
  for (const [, inline] of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
    const bytes = Buffer.byteLength(inline ?? '');
    jsRaw += bytes;
    js += inline ? brotliCompressSync(inline).length : 0; // already inside the HTML's transfer
  }
  rows.push({ page: path, html: transferred(file), css, font, js, jsRaw, total: transferred(file) + css + font + js });
}
rows.sort((a, b) => a.page.localeCompare(b.page));

const kb = (n: number) => (n / 1024).toFixed(1).padStart(6);
console.log('page'.padEnd(46), ' html KB', '  css KB', ' font KB', '   js KB', ' js raw KB', ' total KB');
let over = 0;
for (const r of rows) {
  const flags = [r.total > BUDGET_TOTAL && 'OVER 60 KB', r.jsRaw > BUDGET_JS && 'OVER 6 KB JS'].filter(Boolean);
  if (flags.length) over += 1;
  console.log(
    r.page.padEnd(46),
    kb(r.html),
    '  ' + kb(r.css),
    '  ' + kb(r.font),
    '  ' + kb(r.js),
    '    ' + kb(r.jsRaw),
    '  ' + kb(r.total),
    flags.length ? `  ← ${flags.join(', ')}` : '',
  );
}
console.log(
  `\n${rows.length} pages; budget per page: ${BUDGET_TOTAL / 1024} KB transferred, fonts included, ${BUDGET_JS / 1024} KB JavaScript (images excepted).`,
);
if (over) {
  console.error(`page-weight: ${over} page(s) over budget`);
  process.exit(1);
}
console.log('page-weight: every page is within budget');
