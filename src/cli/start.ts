// `npm start`: build when the build is missing or older than its sources, then serve.
// (Migrations run as the server starts.)
import { build, buildIsStale } from './build.ts';

if (buildIsStale()) {
  console.log('The build is missing or older than the sources: building the site.');
  if (!build()) {
    console.error('customertrackr: the build failed (see above)');
    process.exit(1);
  }
}

await import('../server/main.ts');
