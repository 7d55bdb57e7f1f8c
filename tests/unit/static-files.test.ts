import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { etagMatches, loadStaticFiles } from '../../src/server/static-files.ts';

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
