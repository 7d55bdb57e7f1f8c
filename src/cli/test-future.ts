// `npm run test:future`: the Vitest suite (unit and HTTP) with the machine's clock moved past the newest
// published policy version's effective date (and past its default announcement window), so
// a test that assumes which version is in effect fails today, not on the day the next
// version takes effect. Uses Debian's `faketime` (libfaketime), which every child process
// inherits through LD_PRELOAD: the test runner, the spawned servers and the build.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addDays, daysBetween, utcDateOf } from '../lib/policy/dates.ts';
import { build, buildIsStale } from './build.ts';
import { POLICY_DIR, readLockFile } from '../lib/policy/files.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** Days after the newest version's effective date: beyond the default 30-day announcement. */
const DAYS_PAST_NEWEST = 40;

const { lock, problems } = readLockFile(join(root, POLICY_DIR));
if (problems.length > 0 || lock.versions.length === 0) {
  console.error('test:future: the policy lock file is missing or invalid; run `npm run policy -- check`');
  process.exit(1);
}
const newest = lock.versions.at(-1)!.effective;
const today = utcDateOf(new Date());
// Whichever is later: well past the newest version, or tomorrow once that is history.
const target = [addDays(newest, DAYS_PAST_NEWEST), addDays(today, 1)].sort().at(-1)!;

if (spawnSync('faketime', ['--version'], { stdio: 'ignore' }).error) {
  console.error('test:future: needs `faketime` (Debian: apt-get install faketime)');
  process.exit(1);
}
// Built now, served later: the situation the site must handle (a version takes effect and
// nobody rebuilds), and what keeps a later `npm test` from reusing a build made in the future.
if (buildIsStale() && !build()) process.exit(1);
// An offset rather than a fixed instant, so that every process (the runner, each spawned
// server) sees the same clock however late it starts.
const days = daysBetween(today, target);
console.log(`test:future: running the tests with the clock moved ${days} days ahead, to ${target} (newest policy version: ${newest})`);
const vitest = join(root, 'node_modules/vitest/vitest.mjs');
const run = spawnSync(
  'faketime',
  ['-f', `+${days}d`, process.execPath, vitest, 'run', '--config', 'tests/vitest.config.ts', ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
process.exit(run.status ?? 1);
