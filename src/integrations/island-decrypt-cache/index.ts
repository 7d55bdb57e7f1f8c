import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';

/**
 * Makes the built server remember recent server-island decryptions (memoize.ts; why:
 * docs/decisions/0030-island-decrypt-cache.md).
 *
 * Astro's island endpoint calls `decryptString` of astro/dist/core/encryption.js, which the
 * build bundles into the server. This integration renames that function and exports a memoized
 * one in its place, at build time, so nothing in node_modules is changed and an install without
 * scripts gets it too. If a new Astro no longer has the function where this expects it, the
 * build stops and says so, rather than silently losing the memo.
 */
const ENCRYPTION_MODULE = /[/\\]node_modules[/\\]astro[/\\]dist[/\\]core[/\\]encryption\.js$/;
const DECLARATION = /(export\s+)?async function decryptString\(/g;
const MEMOIZE_MODULE = fileURLToPath(new URL('./memoize.ts', import.meta.url));

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
    code.replace(DECLARATION, 'async function decryptStringOnce(') +
    `\nimport { memoizeDecrypt } from ${JSON.stringify(MEMOIZE_MODULE)};\n${exported ? 'export ' : ''}const decryptString = memoizeDecrypt(decryptStringOnce);\n`
  );
}

export function islandDecryptCache(): AstroIntegration {
  return {
    name: 'customertrackr:island-decrypt-cache',
    hooks: {
      'astro:config:setup': ({ command, updateConfig }) => {
        if (command !== 'build') return;
        const applied = new Set<string>();
        updateConfig({
          vite: {
            plugins: [
              {
                name: 'customertrackr:island-decrypt-cache',
                transform(code, id) {
                  if (!ENCRYPTION_MODULE.test(id)) return;
                  const memoized = memoizeInSource(code);
                  if (memoized === undefined) {
                    this.error(
                      `${id} no longer declares "async function decryptString(…)" once: Astro changed its island encryption. See docs/decisions/0030-island-decrypt-cache.md: remove src/integrations/island-decrypt-cache if Astro now avoids repeated decryption, or update it`,
                    );
                  }
                  applied.add(this.environment.name);
                  return { code: memoized, map: null };
                },
                buildEnd(error) {
                  // The server's bundle holds the island endpoint: it must have met the module.
                  if (!error && this.environment.name === 'ssr' && !applied.has('ssr')) {
                    this.error(
                      'The server build did not include astro/dist/core/encryption.js: Astro moved its island decryption. See docs/decisions/0030-island-decrypt-cache.md.',
                    );
                  }
                },
              },
            ],
          },
        });
      },
    },
  };
}
