import { build, buildIsStale } from '../../src/cli/build.ts';
import { closeAdmin, createTemplate, dialect, dropTemplate } from './postgres.ts';

export default async function setup() {
  if (buildIsStale() && !build()) throw new Error('astro build failed; see the output above');
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
