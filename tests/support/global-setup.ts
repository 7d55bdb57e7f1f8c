import { build, buildIsStale } from '../../src/cli/build.ts';
import { closeAdmin, createTemplate, dialect, dropTemplate } from './postgres.ts';
import { TEST_ASTRO_KEY } from './site.ts';

/** Builds the site when the build is stale, with the tests' island key (site.ts: TEST_ASTRO_KEY). */
export default async function setup() {
  const previous = process.env.ASTRO_KEY;
  process.env.ASTRO_KEY = TEST_ASTRO_KEY;
  try {
    if (buildIsStale() && !build()) throw new Error('astro build failed; see the output above');
  } finally {
    if (previous === undefined) delete process.env.ASTRO_KEY;
    else process.env.ASTRO_KEY = previous;
  }
  if (dialect !== 'postgres') return;
  // On PostgreSQL, every test database is a copy of one migrated template (much faster than
  // migrating each). The test processes start after this and inherit the variable.
  const template = await createTemplate();
  process.env.TEST_DATABASE_TEMPLATE = template;
  return async () => {
    await dropTemplate(template);
    await closeAdmin();
  };
}
