import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { getCompileCacheDir } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILT_KEY_RECORD, keyFingerprint } from '../lib/config/island-key.ts';
import { precompress } from '../server/precompress.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const builtEntry = join(root, 'dist/server/entry.mjs');
// The public origin is baked into prerendered pages (canonical links, the policy feed) and
// into which proxy headers Astro trusts, so a build made for another SITE_URL is stale too.
const builtFor = join(root, 'dist/.site-url');
const siteUrl = () => process.env.SITE_URL || 'http://localhost:4321';
// The key of the server islands goes into the build too (src/lib/config/island-key.ts): a build
// made without the ASTRO_KEY now set is stale; without ASTRO_KEY, any build will do.
const keyRecord = join(root, 'dist', BUILT_KEY_RECORD);
const SOURCES = ['src', 'public', 'db', 'astro.config.mjs', 'package.json', 'package-lock.json', 'tsconfig.json'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when there is no build, or a source file is newer than it. */
export function buildIsStale(): boolean {
  const builtAt = existsSync(builtEntry) ? statSync(builtEntry).mtimeMs : 0;
  if (!existsSync(builtFor) || readFileSync(builtFor, 'utf8') !== siteUrl()) return true;
  if (process.env.ASTRO_KEY && (!existsSync(keyRecord) || readFileSync(keyRecord, 'utf8') !== keyFingerprint(process.env.ASTRO_KEY)))
    return true;
  return builtAt < Math.max(...SOURCES.map((s) => newestMtime(join(root, s))));
}

/** Runs `astro build` in this process's Node, then precompresses the client files; false when the build failed. */
export function build(): boolean {
  const astro = join(root, 'node_modules/astro/bin/astro.mjs');
  // Not the server's compile cache (npm start sets it, in dist/): the build empties dist/.
  const { NODE_COMPILE_CACHE: _, ...env } = process.env;
  const result = spawnSync(process.execPath, [astro, 'build'], {
    cwd: root,
    stdio: 'inherit',
    env: { ASTRO_TELEMETRY_DISABLED: '1', ...env },
  });
  if (result.status !== 0) return false;
  const { files, bytesBefore, bytesAfterBrotli } = precompress(join(root, 'dist/client'));
  console.log(
    `precompressed ${files} files: ${Math.round(bytesBefore / 1024)} KB → ${Math.round(bytesAfterBrotli / 1024)} KB with Brotli (gzip too)`,
  );
  writeFileSync(builtFor, siteUrl());
  writeFileSync(keyRecord, keyFingerprint(process.env.ASTRO_KEY));
  // The build emptied dist/, with the compile cache's folder Node made for this process when
  // it has one there (npm start: decision 0035): made again, the next start finds its cache.
  const cache = getCompileCacheDir();
  try {
    if (cache) mkdirSync(cache, { recursive: true });
  } catch {
    // Only a speed-up: a folder that cannot be made leaves the next start as slow as this one.
  }
  return true;
}

// `npm run build`
if (import.meta.main && !build()) process.exit(1);
