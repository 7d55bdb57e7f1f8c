import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { precompress } from '../../src/server/precompress.ts';
import { chooseVariant, etagMatches, loadStaticFiles } from '../../src/server/static-files.ts';

describe('loadStaticFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ct-static-'));
  mkdirSync(join(dir, 'about'));
  mkdirSync(join(dir, '_astro'));
  writeFileSync(join(dir, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(dir, 'about/index.html'), '<h1>about</h1>');
  writeFileSync(join(dir, '_astro/app.abc123.css'), 'body{}');
  writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
  const files = loadStaticFiles(dir);

  it('serves directories by their index under every spelling', () => {
    expect(files.get('/')?.body.toString()).toBe('<h1>home</h1>');
    for (const path of ['/about', '/about/', '/about/index.html']) expect(files.get(path)?.body.toString()).toBe('<h1>about</h1>');
  });

  it('caches hashed assets immutably and revalidates the rest', () => {
    expect(files.get('/_astro/app.abc123.css')?.cacheControl).toContain('immutable');
    expect(files.get('/favicon.svg')?.cacheControl).toContain('must-revalidate');
    expect(files.get('/favicon.svg')?.contentType).toBe('image/svg+xml');
  });

  it('gives different content different ETags', () => {
    expect(files.get('/')?.etag).not.toBe(files.get('/about')?.etag);
  });
});

describe('etagMatches', () => {
  it('matches exact, listed, weak and wildcard tags', () => {
    expect(etagMatches('"a"', '"a"')).toBe(true);
    expect(etagMatches('"b", "a"', '"a"')).toBe(true);
    expect(etagMatches('W/"a"', '"a"')).toBe(true);
    expect(etagMatches('*', '"a"')).toBe(true);
    expect(etagMatches('"b"', '"a"')).toBe(false);
    expect(etagMatches(undefined, '"a"')).toBe(false);
  });
});

describe('precompressed variants', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ct-variants-'));
  const page = '<!doctype html><p>' + 'CustomerTrackr keeps every promise. '.repeat(100) + '</p>';
  writeFileSync(join(dir, 'index.html'), page);
  writeFileSync(join(dir, 'tiny.txt'), 'hi');
  const summary = precompress(dir);
  const files = loadStaticFiles(dir);
  const file = files.get('/')!;

  it('writes Brotli and gzip versions of compressible files, not of tiny ones', () => {
    expect(summary.files).toBe(1);
    expect(file.br?.body.length).toBeLessThan(file.body.length);
    expect(brotliDecompressSync(file.br!.body).toString()).toBe(page);
    expect(gunzipSync(file.gzip!.body).toString()).toBe(page);
    expect(files.get('/tiny.txt')?.br).toBeUndefined();
    // The variants are not routes of their own.
    expect(files.has('/index.html.br')).toBe(false);
  });

  it('gives each encoding its own ETag', () => {
    expect(new Set([file.etag, file.br!.etag, file.gzip!.etag]).size).toBe(3);
  });

  it.each([
    [undefined, undefined],
    ['', undefined],
    ['gzip, deflate, br', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['*', 'br'],
    ['br;q=0, gzip;q=0', undefined],
    ['identity', undefined],
  ])('Accept-Encoding %j → %s', (accept, encoding) => {
    expect(chooseVariant(file, accept).encoding).toBe(encoding);
  });
});
