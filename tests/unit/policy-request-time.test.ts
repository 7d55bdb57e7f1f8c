import { describe, expect, it } from 'vitest';
import { buildAsOfManifest, createPolicyPathResolver, parseAsOfManifest, policyPathResolver } from '../../src/lib/policy/request-time.ts';

const versions = [{ effective: '2009-01-01' }, { effective: '2027-01-01' }, { effective: '2027-06-01' }];
const builtAt = new Date('2026-11-25T04:00:00Z');
const manifest = buildAsOfManifest(versions, builtAt);

// The files a build as of 2026-11-25 writes (a few of them).
const files = new Set([
  '/privacy',
  '/privacy/',
  '/privacy/index.html',
  '/privacy/versions',
  '/privacy/2009-01-01',
  '/privacy/feed.xml',
  ...['2027-01-01', '2027-06-01'].flatMap((d) => [
    `/privacy/as-of/${d}`,
    `/privacy/as-of/${d}/`,
    `/privacy/as-of/${d}/index.html`,
    `/privacy/as-of/${d}/versions`,
    `/privacy/as-of/${d}/2009-01-01`,
  ]),
]);
const resolve = createPolicyPathResolver(manifest, (p) => files.has(p));
const at = (iso: string) => new Date(iso);

describe('buildAsOfManifest', () => {
  it('lists the versions still upcoming at build time', () => {
    expect(manifest).toEqual({
      builtAt: '2026-11-25T04:00:00.000Z',
      variants: [
        { from: '2027-01-01', prefix: '/privacy/as-of/2027-01-01' },
        { from: '2027-06-01', prefix: '/privacy/as-of/2027-06-01' },
      ],
    });
    expect(parseAsOfManifest(JSON.stringify(manifest))).toEqual(manifest);
  });
});

describe('the request-time resolver', () => {
  it('serves the pages built as of the build until the next effective date', () => {
    expect(resolve('/privacy', at('2026-11-25T05:00:00Z'))).toBe('/privacy');
    expect(resolve('/privacy', at('2026-12-31T23:59:59.999Z'))).toBe('/privacy');
  });

  it('switches at exactly 00:00 UTC of the effective date, with no rebuild', () => {
    expect(resolve('/privacy', at('2027-01-01T00:00:00.000Z'))).toBe('/privacy/as-of/2027-01-01');
    expect(resolve('/privacy/', at('2027-01-01T00:00:00.000Z'))).toBe('/privacy/as-of/2027-01-01/');
    expect(resolve('/privacy/index.html', at('2027-03-01T00:00:00Z'))).toBe('/privacy/as-of/2027-01-01/index.html');
    expect(resolve('/privacy/versions', at('2027-05-31T23:59:59.999Z'))).toBe('/privacy/as-of/2027-01-01/versions');
    expect(resolve('/privacy/versions', at('2027-06-01T00:00:00.000Z'))).toBe('/privacy/as-of/2027-06-01/versions');
    expect(resolve('/privacy/2009-01-01', at('2030-01-01T00:00:00Z'))).toBe('/privacy/as-of/2027-06-01/2009-01-01');
  });

  it('leaves files that do not change with time alone', () => {
    expect(resolve('/privacy/feed.xml', at('2027-06-01T00:00:00Z'))).toBe('/privacy/feed.xml');
    expect(resolve('/privacy/unknown', at('2027-06-01T00:00:00Z'))).toBe('/privacy/unknown');
    expect(resolve('/', at('2027-06-01T00:00:00Z'))).toBe('/');
    expect(resolve('/privacyx', at('2027-06-01T00:00:00Z'))).toBe('/privacyx');
  });

  it('never serves the internal as-of pages at their own address', () => {
    expect(resolve('/privacy/as-of/2027-01-01', at('2026-12-01T00:00:00Z'))).toBeNull();
    expect(resolve('/privacy/as-of/2027-01-01/', at('2027-12-01T00:00:00Z'))).toBeNull();
    expect(resolve('/privacy/as-of/manifest.json', at('2027-12-01T00:00:00Z'))).toBeNull();
    expect(resolve('/privacy/as-of', at('2027-12-01T00:00:00Z'))).toBeNull();
  });

  it('reads the manifest from the built files', () => {
    const built = new Map<string, { body: Uint8Array }>([...files].map((p) => [p, { body: Buffer.from('') }]));
    built.set('/privacy/as-of/manifest.json', { body: Buffer.from(JSON.stringify(manifest)) });
    const fromFiles = policyPathResolver(built);
    expect(fromFiles('/privacy', at('2027-01-01T00:00:00Z'))).toBe('/privacy/as-of/2027-01-01');
    expect(policyPathResolver(new Map())('/privacy', at('2027-01-01T00:00:00Z'))).toBe('/privacy');
  });
});
