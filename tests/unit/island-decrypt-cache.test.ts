import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// Astro's own functions (not among its exports): the memo wraps the very decryptString the build memoizes.
import { createKey, decryptString, encryptString } from '../../node_modules/astro/dist/core/encryption.js';
import { describe, expect, it } from 'vitest';
import { holdsMemo, memoizeInSource } from '../../src/integrations/island-decrypt-cache/index.ts';
import { memoizeDecrypt } from '../../src/integrations/island-decrypt-cache/memoize.ts';
import { root } from '../support/site.ts';

/** Astro's own decryption, counting the times it really runs. */
function countedDecrypt() {
  const calls = { count: 0 };
  const decrypt = (key: CryptoKey, encoded: string, additionalData?: string) => {
    calls.count++;
    return decryptString(key, encoded, additionalData);
  };
  return { calls, decrypt };
}

describe("the memo of server islands' decryption", () => {
  it('decrypts a string once and answers it again from memory', async () => {
    const key = await createKey();
    const props = await encryptString(key, '{"path":"/features"}', 'props:ViewCount');
    const { calls, decrypt } = countedDecrypt();
    const memoized = memoizeDecrypt(decrypt);
    expect(await memoized(key, props, 'props:ViewCount')).toBe('{"path":"/features"}');
    expect(await memoized(key, props, 'props:ViewCount')).toBe('{"path":"/features"}');
    expect(calls.count).toBe(1);
  });

  it('rejects a tampered string or the wrong context every time, and never keeps it', async () => {
    const key = await createKey();
    const props = await encryptString(key, '{"path":"/features"}', 'props:ViewCount');
    const tampered = props.slice(0, -4) + (props.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const { calls, decrypt } = countedDecrypt();
    const memoized = memoizeDecrypt(decrypt);
    await memoized(key, props, 'props:ViewCount');
    for (let i = 0; i < 2; i++) {
      await expect(memoized(key, tampered, 'props:ViewCount')).rejects.toThrow();
      // The same ciphertext for another island (other additional data) is not the one kept.
      await expect(memoized(key, props, 'props:AnnouncementBanner')).rejects.toThrow();
    }
    expect(calls.count).toBe(5);
  });

  it('gives nothing decrypted with one key to a request under another', async () => {
    const key = await createKey();
    const other = await createKey();
    const props = await encryptString(key, '{"path":"/"}', 'props:ViewCount');
    const memoized = memoizeDecrypt(countedDecrypt().decrypt);
    expect(await memoized(key, props, 'props:ViewCount')).toBe('{"path":"/"}');
    await expect(memoized(other, props, 'props:ViewCount')).rejects.toThrow();
  });

  it('keeps at most its number of entries, forgetting the least recently used, and no long strings', async () => {
    const key = await createKey();
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((text) => encryptString(key, text, 'props:X')));
    const long = await encryptString(key, 'x'.repeat(200), 'props:X');
    const { calls, decrypt } = countedDecrypt();
    const memoized = memoizeDecrypt(decrypt, { entries: 2, maxLength: long.length - 1 });
    await memoized(key, a!, 'props:X');
    await memoized(key, b!, 'props:X');
    await memoized(key, a!, 'props:X'); // a is now the most recently used
    await memoized(key, c!, 'props:X'); // b goes
    expect(calls.count).toBe(3);
    expect(await memoized(key, a!, 'props:X')).toBe('a');
    expect(calls.count).toBe(3);
    expect(await memoized(key, b!, 'props:X')).toBe('b');
    expect(calls.count).toBe(4);
    await memoized(key, long, 'props:X');
    await memoized(key, long, 'props:X');
    expect(calls.count).toBe(6);
    // Nor long additional data.
    const longContext = 'props:' + 'X'.repeat(long.length);
    const withLongContext = await encryptString(key, 'y', longContext);
    await memoized(key, withLongContext, longContext);
    await memoized(key, withLongContext, longContext);
    expect(calls.count).toBe(8);
  });

  it('looks up strings only: anything else a POST may carry is rejected as Astro rejects it', async () => {
    const key = await createKey();
    const props = await encryptString(key, '{"path":"/"}', 'props:ViewCount');
    const { calls, decrypt } = countedDecrypt();
    const memoized = memoizeDecrypt(decrypt);
    await memoized(key, props, 'props:ViewCount');
    // An array holding the very ciphertext would print as the same text.
    for (let i = 0; i < 2; i++) {
      await expect(memoized(key, [props] as unknown as string, 'props:ViewCount')).rejects.toThrow();
      // Astro's own decryption takes additional data as text (an array reads as its one item):
      // the same answer, decrypted each time.
      expect(await memoized(key, props, ['props:ViewCount'] as unknown as string)).toBe(
        await decryptString(key, props, ['props:ViewCount'] as unknown as string),
      );
    }
    expect(calls.count).toBe(5);
  });

  it('keeps the additional data and the ciphertext apart in its keys', async () => {
    const key = await createKey();
    // "ab" + "c…" and "a" + "bc…" would be one key if the two were simply joined.
    const { calls, decrypt } = countedDecrypt();
    const memoized = memoizeDecrypt(decrypt);
    const encoded = await encryptString(key, 'z', 'ab');
    expect(await memoized(key, encoded, 'ab')).toBe('z');
    await expect(memoized(key, 'b' + encoded, 'a')).rejects.toThrow();
    expect(calls.count).toBe(2);
  });

  it("is built into the server in place of Astro's decryptString, or the build stops", () => {
    const source = readFileSync(join(root, 'node_modules/astro/dist/core/encryption.js'), 'utf8');
    const memoized = memoizeInSource(source);
    expect(memoized).toContain('async function decryptStringOnce(');
    expect(memoized).toContain('const decryptString = memoizeDecrypt(decryptStringOnce);');
    expect(memoized).not.toContain('export const decryptString');
    // Astro 7.4's build exports the function where it is declared.
    const inline = memoizeInSource(source.replace('async function decryptString(', 'export async function decryptString('));
    expect(inline).toContain('\nasync function decryptStringOnce(');
    expect(inline).toContain('export const decryptString = memoizeDecrypt(decryptStringOnce);');
    expect(memoizeInSource(source.replace('async function decryptString(', 'async function decrypt('))).toBeUndefined();
    expect(memoizeInSource(source + '\nasync function decryptString(key, encoded, additionalData) {}')).toBeUndefined();
    // A changed signature (an argument the memo would drop) stops the build too.
    expect(
      memoizeInSource(
        source.replace('decryptString(key, encoded, additionalData)', 'decryptString(key, encoded, additionalData, options)'),
      ),
    ).toBeUndefined();
    // The built server (global setup builds it) holds the memo; the client files do not.
    expect(holdsMemo(join(root, 'dist/server'))).toBe(true);
    expect(holdsMemo(join(root, 'dist/client'))).toBe(false);
  });
});
