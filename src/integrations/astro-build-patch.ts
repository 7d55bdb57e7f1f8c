import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';

/**
 * A change to one of Astro's modules, made as the build bundles it into the server, so nothing
 * in node_modules is changed and an install without scripts gets it too. If a new Astro no
 * longer has the module as the patch expects, or the built server does not hold the change, the
 * build stops and says so, rather than silently losing it.
 */
export interface AstroBuildPatch {
  name: string;
  /** The module changed, by its path under node_modules/astro/dist/ (`core/encryption.js`). */
  module: string;
  /** The changed source, or undefined when the module is no longer as the patch expects. */
  patch: (code: string) => string | undefined;
  /** What the module must hold for `patch` to apply, said when it does not. */
  expects: string;
  /** Text only the changed module holds, looked for in the built server. */
  marker: string;
  /** The decision record that says why, and what to do when the patch no longer applies. */
  decision: string;
}

/** Whether any JavaScript file under `dir` holds `text`. */
export function holdsText(dir: string, text: string): boolean {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).some(
    (name) => /\.m?js$/.test(name) && readFileSync(join(dir, name), 'utf8').includes(text),
  );
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function astroBuildPatch(change: AstroBuildPatch): AstroIntegration {
  const path = ['node_modules', 'astro', 'dist', ...change.module.split('/')];
  const module = new RegExp(`[/\\\\]${path.map(escape).join('[/\\\\]')}$`);
  const see = `See ${change.decision}: remove the patch if Astro no longer needs it, or update it`;
  let serverDir: string | undefined;
  return {
    name: `customertrackr:${change.name}`,
    hooks: {
      'astro:config:setup': ({ command, updateConfig }) => {
        if (command !== 'build') return;
        updateConfig({
          vite: {
            plugins: [
              {
                name: `customertrackr:${change.name}`,
                transform(code, id) {
                  if (!module.test(id)) return;
                  const patched = change.patch(code);
                  if (patched === undefined) this.error(`${id} no longer holds ${change.expects}. ${see}`);
                  return { code: patched, map: null };
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
        if (serverDir && !holdsText(serverDir, change.marker)) {
          throw new Error(
            `The built server (${serverDir}) does not hold the patch "${change.name}": Astro moved ${change.expects}. ${see}`,
          );
        }
      },
    },
  };
}
