// `npm run policy -- <command>`: the privacy policy editors' tool (docs/policy-editors.md).
//
//   new [--effective=YYYY-MM-DD]   start the next version from the latest one
//   check                          say whether the policy files are ready (exit 1 if not)
//   lock                           publish the finished drafts (record them in the lock file)
//
// Options: --notice-days=N (or POLICY_NOTICE_DAYS=N): the notice a material change needs, 30 by default.
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPolicy, DEFAULT_NOTICE_DAYS, lockPolicy, scaffoldVersion, type CheckResult } from '../lib/policy/check.ts';
import { formatDate } from '../lib/policy/dates.ts';
import { POLICY_DIR, type Problem } from '../lib/policy/files.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = join(root, POLICY_DIR);

const USAGE = `Usage: npm run policy -- <command> [options]

Commands:
  new      Start the next version of the privacy policy from the latest one.
           --effective=YYYY-MM-DD sets its effective date (default: the first of the month
           after the notice period).
  check    Check the policy files; says what to fix. Changes nothing.
  lock     Publish the drafts that pass the check: records them in versions.lock.json.

Options:
  --notice-days=N   days of notice a material change needs (default ${DEFAULT_NOTICE_DAYS};
                    also POLICY_NOTICE_DAYS=N)

See docs/policy-editors.md.`;

function usageError(message: string): never {
  console.error(`policy: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv: string[]): { command: string | undefined; options: Map<string, string> } {
  const options = new Map<string, string>();
  let command: string | undefined;
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (match) options.set(match[1]!, match[2] ?? '');
    else if (command === undefined) command = arg;
    else usageError(`unexpected argument ${JSON.stringify(arg)}`);
  }
  return { command, options };
}

function noticeDays(options: Map<string, string>): number {
  const raw = options.get('notice-days') ?? process.env.POLICY_NOTICE_DAYS;
  if (raw === undefined || raw === '') return DEFAULT_NOTICE_DAYS;
  if (!/^\d{1,4}$/.test(raw)) usageError(`the notice period must be a whole number of days, not ${JSON.stringify(raw)}`);
  return Number(raw);
}

function printProblems(problems: Problem[]) {
  for (const p of problems) {
    console.log(`\n✗ ${p.file ? `${p.file}: ` : ''}${p.message}`);
    console.log(`  What to do: ${p.fix}`);
  }
}

function printNotes(result: CheckResult) {
  for (const note of result.notes) console.log(`• ${note}`);
}

function report(result: CheckResult): void {
  const where = relative(process.cwd(), dir) || '.';
  if (result.ok) {
    const published = result.lock.versions.length;
    console.log(
      `Privacy policy: OK — ${published} published version(s), ${result.drafts.length} draft(s) in ${where} (notice for material changes: ${result.noticeDays} days).`,
    );
    printNotes(result);
  } else {
    console.log(`Privacy policy: ${result.problems.length} problem(s) in ${where}:`);
    printProblems(result.problems);
    if (result.notes.length > 0) {
      console.log('\nAlso:');
      printNotes(result);
    }
  }
}

const { command, options } = parseArgs(process.argv.slice(2));
const known = new Set(['notice-days', 'effective']);
for (const name of options.keys()) if (!known.has(name)) usageError(`unknown option --${name}`);
const days = noticeDays(options);

switch (command) {
  case 'check': {
    const result = checkPolicy({ dir, noticeDays: days });
    report(result);
    process.exit(result.ok ? 0 : 1);
  }
  case 'lock': {
    const { check, locked } = lockPolicy({ dir, noticeDays: days });
    if (!check.ok) {
      report(check);
      console.log('\nNothing was published: fix the problems above, then run `npm run policy -- lock` again.');
      process.exit(1);
    }
    if (locked.length === 0) {
      console.log('Nothing to publish: every version is already in the lock file.');
      break;
    }
    for (const entry of locked) {
      console.log(`Published version ${entry.version} (takes effect on ${formatDate(entry.effective)}), recorded on ${entry.publishedOn}.`);
    }
    console.log(`\nCommit src/content/policy/v${locked.at(-1)!.version}.md together with src/content/policy/versions.lock.json.`);
    console.log('From now on the text of these versions must not change: a change is a new version.');
    break;
  }
  case 'new': {
    const effective = options.get('effective');
    const result = scaffoldVersion({ dir, noticeDays: days, ...(effective ? { effective } : {}) });
    if (!result.ok) {
      printProblems([result.problem]);
      process.exit(1);
    }
    console.log(
      `Created ${relative(process.cwd(), result.path)}: version ${result.version}, taking effect on ${formatDate(result.effective)}.`,
    );
    console.log(`
Next:
  1. Edit the text, and the lines at the top: effective date, title, summary of changes, material.
  2. Run \`npm run policy -- check\` until it says OK.
  3. When the text is final, run \`npm run policy -- lock\` to publish it, and commit both files.`);
    break;
  }
  case undefined:
    usageError('which command? (new, check or lock)');
  default:
    usageError(`unknown command ${JSON.stringify(command)}`);
}
