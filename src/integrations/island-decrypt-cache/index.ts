import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';

/**
 * Makes the built server remember recent server-island decryptions (memoize.ts; why:
 * docs/decisions/0030-island-decrypt-cache.md).
 *
 * Astro's island endpoint calls `decryptString` of astro/dist/core/encryption.js, which the
 * build bundles into the server. This integration renames that function and exports a memoized
 * one in its place, at build time, so nothing in node_modules is changed and an install without
 * scripts gets it too. If a new Astro no longer has the function as this expects it (the same
 * name and parameters), or the built server does not hold the memo, the build stops and says
 * so, rather than silently losing the memo or an argument.
 */
const ENCRYPTION_MODULE = /[/\\]node_modules[/\\]astro[/\\]dist[/\\]core[/\\]encryption\.js$/;
const DECLARATION = /(export\s+)?async function decryptString\(key, encoded, additionalData\) \{/g;
const MEMOIZE_MODULE = fileURLToPath(new URL('./memoize.ts', import.meta.url));
// The bundler may turn the `const` it is declared with into a `var`: the built server is searched for this.
const MEMOIZED = 'decryptString = memoizeDecrypt(decryptStringOnce)';
const SEE =
  'See docs/decisions/0030-island-decrypt-cache.md: remove src/integrations/island-decrypt-cache if Astro now avoids repeated decryption, or update it';

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
export function holdsMemo(dir: string): boolean {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).some(
    (name) => /\.m?js$/.test(name) && readFileSync(join(dir, name), 'utf8').includes(MEMOIZED),
  );
}

export function islandDecryptCache(): AstroIntegration {
  let serverDir: string | undefined;
  return {
    name: 'customertrackr:island-decrypt-cache',
    hooks: {
      'astro:config:setup': ({ command, updateConfig }) => {
        if (command !== 'build') return;
        updateConfig({
          vite: {
            plugins: [
              {
                name: 'customertrackr:island-decrypt-cache',
                transform(code, id) {
                  if (!ENCRYPTION_MODULE.test(id)) return;
                  const memoized = memoizeInSource(code);
                  if (memoized === undefined) {
                    this.error(`${id} no longer declares "async function decryptString(key, encoded, additionalData)" once. ${SEE}`);
                  }
                  return { code: memoized, map: null };
                },
              },
            ],
          },
        });
      },
      'astro:config:done': ({ config }) => {
        serverDir = fileURLToPath(config.build.server);
      },
      'astro:build:done': () => {
        if (serverDir && !holdsMemo(serverDir)) {
          throw new Error(
            `The built server (${serverDir}) does not hold the memo of island decryptions: Astro moved its island decryption. ${SEE}`,
          );
        }
      },
    },
  };
}
