import { describe, expect, it } from 'vitest';
import { safeNextPath } from '../../src/lib/http/forms.ts';
import { forwardedClientAddress, isLoopbackAddress, parseHost, siteHostMatcher } from '../../src/lib/http/hosts.ts';

describe('the site host check', () => {
  it('accepts every loopback name and port when SITE_URL is a loopback origin', () => {
    const isSite = siteHostMatcher(new URL('http://localhost:4321'));
    for (const host of [
      'localhost',
      'localhost:4321',
      'LOCALHOST:9',
      '127.0.0.1',
      '127.0.0.1:4400',
      '127.3.2.1:80',
      '[::1]',
      '[::1]:4321',
    ]) {
      expect(isSite(host), host).toBe(true);
    }
    for (const host of [
      'example.com',
      '10.0.0.1:4321',
      'localhost.evil.example',
      '128.0.0.1',
      '',
      undefined,
      'a@b',
      '127.0.0.1:4400/admin/users/5?',
      'localhost:99999',
      '[::2]',
    ]) {
      expect(isSite(host), String(host)).toBe(false);
    }
  });

  it('accepts only the site host (and its port, or none for the default) otherwise', () => {
    const isSite = siteHostMatcher(new URL('https://customertrackr.com'));
    for (const host of ['customertrackr.com', 'CustomerTrackr.com', 'customertrackr.com:443', 'customertrackr.com.'])
      expect(isSite(host), host).toBe(true);
    for (const host of [
      'customertrackr.com:80',
      'www.customertrackr.com',
      'localhost',
      '127.0.0.1',
      'customertrackr.com@evil.example',
      'evil.example/customertrackr.com',
    ]) {
      expect(isSite(host), host).toBe(false);
    }
    const withPort = siteHostMatcher(new URL('http://site.test:8080'));
    expect(withPort('site.test:8080')).toBe(true);
    expect(withPort('site.test')).toBe(false);
  });

  it('parses Host values strictly', () => {
    expect(parseHost('Example.COM:81')).toEqual({ hostname: 'example.com', port: '81' });
    expect(parseHost('[0:0:0:0:0:0:0:1]:5')).toEqual({ hostname: '[::1]', port: '5' });
    for (const bad of ['a b', 'a/b', 'a?b', 'a#b', 'a@b', 'a:b', ':80', 'é.example', 'x'.repeat(400)])
      expect(parseHost(bad), bad).toBeNull();
  });

  it('knows loopback socket addresses', () => {
    for (const address of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(address)).toBe(true);
    for (const address of ['10.0.0.1', '::ffff:10.0.0.1', '::2', undefined]) expect(isLoopbackAddress(address)).toBe(false);
  });
});

describe('X-Forwarded-For from a trusted proxy', () => {
  it('gives the client address only when its first entry is an IP address', () => {
    expect(forwardedClientAddress('203.0.113.9')).toBe('203.0.113.9');
    expect(forwardedClientAddress(' 2001:db8::1 , 10.0.0.1')).toBe('2001:db8::1');
    for (const bad of ['', 'unknown', 'evil.example', '203.0.113.9:443', '<script>', '1.2.3', undefined])
      expect(forwardedClientAddress(bad), String(bad)).toBeUndefined();
  });
});

describe('safeNextPath', () => {
  it('percent-encodes what a Location header cannot carry, and keeps existing escapes', () => {
    expect(safeNextPath('/account?x=ā')).toBe('/account?x=%C4%81');
    expect(safeNextPath('/a b/€')).toBe('/a%20b/%E2%82%AC');
    expect(safeNextPath('/privacy/%C3%A9?q=1#top')).toBe('/privacy/%C3%A9?q=1#top');
    expect(safeNextPath('/😀')).toBe('/%F0%9F%98%80');
    for (const value of [safeNextPath('/ā'), safeNextPath('/x y'), safeNextPath('/\u0100\u4e2d')]) expect(value).toMatch(/^[\x21-\x7e]+$/);
  });

  it('refuses what would leave the site or cannot be encoded', () => {
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'account', '/a\nb', '/\ud800', ''])
      expect(safeNextPath(bad), bad).toBeUndefined();
  });
});
