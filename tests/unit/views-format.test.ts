import { describe, expect, it } from 'vitest';
import {
  countability,
  expiredVisitorCookie,
  formatCount,
  isEventKey,
  isVisitorId,
  keyedHash,
  negotiateLocale,
  newVisitorId,
  readCookie,
  renderBadge,
  visitorCookie,
  visitorCookieName,
} from '../../src/lib/views/index.ts';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';

describe('the visitor cookie', () => {
  it('is a random alphanumeric identifier', () => {
    const ids = new Set(Array.from({ length: 2000 }, newVisitorId));
    expect(ids.size).toBe(2000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(isVisitorId(newVisitorId())).toBe(true);
    expect(isVisitorId('short')).toBe(false);
    expect(isVisitorId('a'.repeat(23) + '!')).toBe(false);
  });

  it('is HttpOnly, SameSite=Lax and lasts one year; Secure with a __Host- name over https', () => {
    const http = visitorCookie(new URL('http://localhost:4321'), 'A'.repeat(24));
    expect(http).toBe(`visitor=${'A'.repeat(24)}; Max-Age=31536000; Path=/; HttpOnly; SameSite=Lax`);
    const https = visitorCookie(new URL('https://customertrackr.com'), 'A'.repeat(24));
    expect(https).toMatch(/^__Host-visitor=A{24}; Max-Age=31536000; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
    expect(expiredVisitorCookie(new URL('https://customertrackr.com'))).toMatch(/^__Host-visitor=; Max-Age=0;/);
    expect(visitorCookieName(new URL('http://x.test'))).toBe('visitor');
  });

  it('is read from a Cookie header', () => {
    expect(readCookie('a=1; visitor=abc; b=2', 'visitor')).toBe('abc');
    expect(readCookie('xvisitor=abc', 'visitor')).toBeUndefined();
    expect(readCookie(undefined, 'visitor')).toBeUndefined();
  });

  it('is stored only as a keyed hash that changes with the salt', () => {
    const id = newVisitorId();
    const a = keyedHash(Buffer.alloc(32, 1), 'site', '2026-01-01', id);
    const b = keyedHash(Buffer.alloc(32, 2), 'site', '2026-01-01', id);
    expect(a).toHaveLength(32);
    expect(a.equals(b)).toBe(false);
    expect(a.toString('latin1')).not.toContain(id);
    // Parts are joined unambiguously.
    expect(keyedHash(Buffer.alloc(32), 'ab', 'c').equals(keyedHash(Buffer.alloc(32), 'a', 'bc'))).toBe(false);
  });
});

describe('idempotency keys', () => {
  it.each(['mfe3q2x1-0123456789abcdef01234567', 'a'.repeat(16), 'A-_z'.repeat(16)])('accepts %s', (key) => {
    expect(isEventKey(key)).toBe(true);
  });
  it.each(['', 'short', 'a'.repeat(65), 'has space in it!!', 42, null])('refuses %s', (key) => {
    expect(isEventKey(key)).toBe(false);
  });
});

describe('countability', () => {
  it('counts browsers', () => {
    expect(countability({ userAgent: CHROME })).toBe('countable');
  });
  it.each([
    'Googlebot/2.1 (+http://www.google.com/bot.html)',
    'curl/8.5.0',
    'node',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36',
    '',
  ])('ignores bots and tools: %s', (userAgent) => {
    expect(countability({ userAgent })).toBe('bot');
  });
  it('ignores prefetches and prerenders', () => {
    expect(countability({ userAgent: CHROME, secPurpose: 'prefetch' })).toBe('prefetch');
    expect(countability({ userAgent: CHROME, secPurpose: 'prefetch;prerender' })).toBe('prefetch');
    expect(countability({ userAgent: CHROME, purpose: 'prefetch' })).toBe('prefetch');
  });
});

describe('formatting for the reader', () => {
  it('negotiates the reader’s locale from Accept-Language', () => {
    expect(negotiateLocale('de-DE,de;q=0.9,en;q=0.8')).toBe('de-DE');
    expect(negotiateLocale('en;q=0.5, fr-CA;q=0.9')).toBe('fr-CA');
    expect(negotiateLocale('*')).toBe('en');
    expect(negotiateLocale('')).toBe('en');
    expect(negotiateLocale(null)).toBe('en');
    expect(negotiateLocale('x'.repeat(300))).toBe('en');
    expect(negotiateLocale('not a tag!!, de;q=0.1')).toBe('de');
  });

  it('formats counts with the locale’s digit grouping', () => {
    expect(formatCount(1234567, 'en')).toBe('1,234,567');
    expect(formatCount(1234567, 'de-DE')).toBe('1.234.567');
    expect(formatCount(0)).toBe('0');
  });

  it('draws an SVG badge with the count and nothing executable', () => {
    const svg = renderBadge(12345, 'en');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('<title>views: 12,345</title>');
    expect(svg).toContain('aria-label="views: 12,345"');
    expect(svg).not.toMatch(/<script|<style|style=|href=|on\w+=/i);
  });
});

describe('the locale caches', () => {
  it('stay bounded however many distinct Accept-Language values clients send', async () => {
    const { localeCacheSizes, MAX_CACHED_FORMATTERS, MAX_CACHED_LOCALES } = await import('../../src/lib/views/format.ts');
    for (let i = 0; i < 3000; i++) {
      const locale = negotiateLocale(`en-x-t${i}, de;q=0.5`);
      expect(formatCount(1234, locale)).toBe('1,234');
    }
    const sizes = localeCacheSizes();
    expect(sizes.negotiated).toBeLessThanOrEqual(MAX_CACHED_LOCALES);
    expect(sizes.formatters).toBeLessThanOrEqual(MAX_CACHED_FORMATTERS);
    expect(formatCount(1234, negotiateLocale('de-DE'))).toBe('1.234');
  });
});
