// `npm run test:postgres`: the whole Vitest suite (unit and HTTP) on PostgreSQL. Given
// TEST_DATABASE_URL (a role that may create databases), it uses that server; otherwise it
// starts a throwaway cluster (postgres-cluster.ts) and removes it at the end. Each test file,
// test or site gets a database of its own (tests/support/postgres.ts). Extra arguments go to
// Vitest (a file, `-t name`).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redactUrl } from '../lib/db/target.ts';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

let cluster: PostgresCluster | undefined;
let url = process.env.TEST_DATABASE_URL;
if (!url) {
  try {
    cluster = await startPostgresCluster();
  } catch (error) {
    console.error(`test:postgres: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  url = cluster.url;
  console.log(`test:postgres: started a throwaway PostgreSQL cluster in ${cluster.dir}`);
}
// Stop the cluster however this ends (Ctrl-C included); the child gets the signal too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void 0);

console.log(`test:postgres: running the tests on ${redactUrl(url)}`);
const vitest = join(root, 'node_modules/vitest/vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', '--config', 'tests/vitest.config.ts', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TEST_DATABASE_URL: url },
});
cluster?.stop();
if (run.error) console.error(`test:postgres: could not run Vitest: ${run.error.message}`);
process.exit(run.status ?? 1);
