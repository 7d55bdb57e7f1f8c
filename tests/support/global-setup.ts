import { build, buildIsStale } from '../../src/cli/build.ts';
import { TEST_ASTRO_KEY } from './site.ts';

/** Builds the site when the build is stale, with the tests' island key (site.ts: TEST_ASTRO_KEY). */
export default function setup() {
  const previous = process.env.ASTRO_KEY;
  process.env.ASTRO_KEY = TEST_ASTRO_KEY;
  try {
    if (buildIsStale() && !build()) throw new Error('astro build failed; see the output above');
  } finally {
    if (previous === undefined) delete process.env.ASTRO_KEY;
    else process.env.ASTRO_KEY = previous;
  }
}
