import { describe, expect, it } from 'vitest';
import { isAllowedOrigin } from '../../src/lib/http/origin.ts';

const site = new URL('https://customertrackr.com');

describe('isAllowedOrigin', () => {
  it('lets safe methods through', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) expect(isAllowedOrigin(method, {}, site)).toBe(true);
  });

  it('accepts same-origin requests by Sec-Fetch-Site or by Origin', () => {
    expect(isAllowedOrigin('POST', { secFetchSite: 'same-origin' }, site)).toBe(true);
    expect(isAllowedOrigin('POST', { origin: 'https://customertrackr.com' }, site)).toBe(true);
  });

  it.each([
    [{}],
    [{ secFetchSite: 'cross-site', origin: 'https://customertrackr.com' }],
    [{ secFetchSite: 'same-site' }],
    [{ secFetchSite: 'none' }],
    [{ origin: 'https://evil.example' }],
    [{ origin: 'http://customertrackr.com' }],
    [{ origin: 'https://customertrackr.com.evil.example' }],
    [{ origin: 'null' }],
  ])('refuses a POST with %o', (headers) => {
    expect(isAllowedOrigin('POST', headers, site)).toBe(false);
    expect(isAllowedOrigin('DELETE', headers, site)).toBe(false);
  });
});
