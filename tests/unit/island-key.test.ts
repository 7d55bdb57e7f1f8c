import { describe, expect, it } from 'vitest';
import { islandKeyError, islandKeyProblem, keyFingerprint, NO_KEY } from '../../src/lib/config/island-key.ts';

// A key as `npx astro create-key` prints them (32 random bytes, base64); made here, not a secret.
const KEY = Buffer.alloc(32, 7).toString('base64');
const OTHER = Buffer.alloc(32, 9).toString('base64');

describe('the server islands key (ASTRO_KEY) checked at start', () => {
  it('fingerprints a key one way, and says "none" for a build without one', () => {
    expect(keyFingerprint(KEY)).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(keyFingerprint(KEY)).not.toContain(KEY);
    expect(keyFingerprint(KEY)).not.toBe(keyFingerprint(OTHER));
    expect(keyFingerprint(undefined)).toBe(NO_KEY);
    expect(keyFingerprint('')).toBe(NO_KEY);
  });

  it('accepts AES keys in base64 only', () => {
    expect(islandKeyProblem(KEY)).toBeNull();
    expect(islandKeyProblem(Buffer.alloc(16, 1).toString('base64'))).toBeNull();
    expect(islandKeyProblem('not a key!')).toMatch(/base64/);
    expect(islandKeyProblem(Buffer.alloc(20, 1).toString('base64'))).toMatch(/16, 24 or 32 bytes \(this one has 20\)/);
  });

  it('one server on its own database needs no key', () => {
    expect(islandKeyError({ astroKey: undefined, sharedDatabase: false, builtWith: NO_KEY })).toBeNull();
    expect(islandKeyError({ astroKey: undefined, sharedDatabase: false, builtWith: undefined })).toBeNull();
  });

  it('requires ASTRO_KEY once the database is shared (DATABASE_URL)', () => {
    expect(islandKeyError({ astroKey: undefined, sharedDatabase: true, builtWith: keyFingerprint(KEY) })).toMatch(
      /ASTRO_KEY must be set when DATABASE_URL is/,
    );
    expect(islandKeyError({ astroKey: KEY, sharedDatabase: true, builtWith: keyFingerprint(KEY) })).toBeNull();
  });

  it('refuses a key the build was not made with, and never prints the key', () => {
    const wrong = islandKeyError({ astroKey: OTHER, sharedDatabase: true, builtWith: keyFingerprint(KEY) });
    expect(wrong).toMatch(/not the key the build was made with/);
    expect(wrong).not.toContain(OTHER);
    expect(islandKeyError({ astroKey: KEY, sharedDatabase: false, builtWith: NO_KEY })).toMatch(/build was made without it/);
    expect(islandKeyError({ astroKey: KEY, sharedDatabase: false, builtWith: undefined })).toMatch(/build was made without it/);
    expect(islandKeyError({ astroKey: 'short', sharedDatabase: false, builtWith: NO_KEY })).toMatch(/^ASTRO_KEY must be base64/);
  });
});
