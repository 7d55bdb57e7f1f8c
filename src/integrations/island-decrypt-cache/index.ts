import { fileURLToPath } from 'node:url';
import { astroBuildPatch, holdsText } from '../astro-build-patch.ts';

/**
 * Makes the built server remember recent server-island decryptions (memoize.ts; why:
 * docs/decisions/0030-island-decrypt-cache.md).
 *
 * Astro's island endpoint calls `decryptString` of astro/dist/core/encryption.js, which the
 * build bundles into the server. This patch renames that function and exports a memoized one
 * in its place. A changed signature (an argument the memo would drop) stops the build too.
 */
const DECLARATION = /(export\s+)?async function decryptString\(key, encoded, additionalData\) \{/g;
const MEMOIZE_MODULE = fileURLToPath(new URL('./memoize.ts', import.meta.url));
// The bundler may turn the `const` it is declared with into a `var`: the built server is searched for this.
const MEMOIZED = 'decryptString = memoizeDecrypt(decryptStringOnce)';

/**
 * encryption.js with its `decryptString` memoized; undefined when it does not declare it
 * exactly once. Both forms Astro's builds have shipped are handled: a declaration exported at
 * the end of the module (7.3) and an inline `export async function` (7.4).
 */
export function memoizeInSource(code: string): string | undefined {
  const declarations = [...code.matchAll(DECLARATION)];
  if (declarations.length !== 1) return undefined;
  const exported = declarations[0]![1] !== undefined;
  return (
    code.replace(DECLARATION, 'async function decryptStringOnce(key, encoded, additionalData) {') +
    `\nimport { memoizeDecrypt } from ${JSON.stringify(MEMOIZE_MODULE)};\n${exported ? 'export ' : ''}const ${MEMOIZED};\n`
  );
}

/** Whether any JavaScript file under `dir` holds the memoized `decryptString`. */
export const holdsMemo = (dir: string) => holdsText(dir, MEMOIZED);

export const islandDecryptCache = () =>
  astroBuildPatch({
    name: 'island-decrypt-cache',
    module: 'core/encryption.js',
    patch: memoizeInSource,
    expects: '"async function decryptString(key, encoded, additionalData)" once',
    marker: MEMOIZED,
    decision: 'docs/decisions/0030-island-decrypt-cache.md',
  });
