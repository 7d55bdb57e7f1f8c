// `npm start`: build when the build is missing or older than its sources, then serve.
// (Migrations run as the server starts.)
import { mkdirSync } from 'node:fs';
import { getCompileCacheDir } from 'node:module';
import { build, buildIsStale } from './build.ts';

if (buildIsStale()) {
  console.log('The build is missing or older than the sources: building the site.');
  if (!build()) {
    console.error('customertrackr: the build failed (see above)');
    process.exit(1);
  }
  // The build emptied dist/, with the compile cache's folder Node made for this process
  // (NODE_COMPILE_CACHE, decision 0035): made again, the next start finds this one's cache.
  const cache = getCompileCacheDir();
  try {
    if (cache) mkdirSync(cache, { recursive: true });
  } catch {
    // Only a speed-up: a folder that cannot be made leaves the next start as slow as this one.
  }
}

await import('../server/main.ts');
