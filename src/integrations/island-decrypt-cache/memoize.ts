/**
 * A bounded memo for the decryption of a server island's request (see index.ts and
 * docs/decisions/0030-island-decrypt-cache.md).
 *
 * A prerendered page carries the same encrypted component name and props to every reader, so
 * the island endpoint would decrypt the same strings thousands of times a second, each time a
 * WebCrypto job on libuv's thread pool. The plaintext of a given ciphertext, key and
 * additional data never changes, so a recently seen one is answered from memory:
 * - only what decrypted is kept (a forged or tampered string is rejected every time);
 * - an entry also names the key it was decrypted with, so another key never gets it;
 * - only strings are looked up (a POST's JSON may hold anything: the rest goes to the
 *   decryption, which rejects it as before);
 * - at most `entries` strings, the least recently used forgotten first, and none longer than
 *   `maxLength`, so the memory it takes is bounded whatever requests arrive.
 */
export type Decrypt<Key> = (key: Key, encoded: string, additionalData?: string) => Promise<string>;

export interface DecryptMemoLimits {
  entries: number;
  maxLength: number;
}

// A site's prerendered pages carry a few dozen distinct strings; pages rendered on demand
// make new ones each time, which pass through and are forgotten first.
export const DECRYPT_MEMO_LIMITS: DecryptMemoLimits = { entries: 256, maxLength: 2_048 };

export function memoizeDecrypt<Key>(decrypt: Decrypt<Key>, limits: DecryptMemoLimits = DECRYPT_MEMO_LIMITS): Decrypt<Key> {
  // A Map iterates in insertion order: re-inserting on use makes its first key the least recently used.
  const kept = new Map<string, { key: Key; plaintext: string }>();
  return async (key, encoded, additionalData) => {
    const context: unknown = additionalData ?? '';
    if (
      typeof encoded !== 'string' ||
      typeof context !== 'string' ||
      encoded.length > limits.maxLength ||
      context.length > limits.maxLength
    ) {
      return decrypt(key, encoded, additionalData);
    }
    // Length-prefixed, so no two (additional data, ciphertext) pairs share a memo key.
    const memoKey = `${context.length}:${context}${encoded}`;
    const entry = kept.get(memoKey);
    if (entry && entry.key === key) {
      kept.delete(memoKey);
      kept.set(memoKey, entry);
      return entry.plaintext;
    }
    const plaintext = await decrypt(key, encoded, additionalData);
    kept.delete(memoKey);
    kept.set(memoKey, { key, plaintext });
    if (kept.size > limits.entries) kept.delete(kept.keys().next().value!);
    return plaintext;
  };
}
