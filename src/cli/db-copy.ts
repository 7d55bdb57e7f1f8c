// `npm run db:copy -- --to postgres://…`: copies every table of the SQLite database
// (DATABASE_PATH, or --from) into an empty PostgreSQL database; `--from postgres://… --to
// <file>` goes the other way. src/lib/db/copy.ts does the work; this parses, prints and exits.
import { config, ConfigError } from '../lib/config/index.ts';
import { CopyError, copyDatabase } from '../lib/db/copy.ts';
import { DatabaseError, isPostgresUrl, redactUrl } from '../lib/db/index.ts';

const rows = (n: number) => `${n} ${n === 1 ? 'row' : 'rows'}`;

const USAGE = 'usage: npm run db:copy -- [--from <SQLite file | postgres://…>] --to <postgres://… | SQLite file>';

/** A command-line argument as it may be printed: a URL's password never is. */
function shown(argument: string): string {
  const value = argument.replace(/^--(from|to)=/, '');
  const prefix = argument.slice(0, argument.length - value.length);
  return prefix + (isPostgresUrl(value) ? redactUrl(value) : value);
}

function fail(message: string, code: number): never {
  console.error(`db:copy: ${scrub(message)}`);
  process.exit(code);
}

const secrets: string[] = [];
/** Belt and braces: whatever a driver puts in a message, the passwords given never reach the terminal. */
function scrub(text: string): string {
  return secrets.reduce((out, secret) => out.replaceAll(secret, '***'), text);
}

function parse(args: string[]): { from?: string; to?: string } {
  const given: { from?: string; to?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const match = /^--(from|to)(?:=(.*))?$/s.exec(arg);
    if (!match) fail(`unexpected argument ${shown(arg)}; ${USAGE}`, 2);
    const name = match[1] as 'from' | 'to';
    const value = match[2] ?? args[++i];
    if (value === undefined || value === '' || value.startsWith('--')) fail(`--${name} needs a value; ${USAGE}`, 2);
    if (given[name] !== undefined) fail(`--${name} is given twice; ${USAGE}`, 2);
    given[name] = value;
  }
  return given;
}

const { from: givenFrom, to } = parse(process.argv.slice(2));
for (const value of [givenFrom, to]) {
  if (value && isPostgresUrl(value)) {
    try {
      const { password } = new URL(value);
      if (password) secrets.push(password, decodeURIComponent(password));
    } catch {
      // An unreadable URL: copy.ts refuses it without printing it.
    }
  }
}
if (!to) fail(`--to is required; ${USAGE}`, 2);

try {
  const from = givenFrom ?? config().databasePath;
  console.log(`db:copy: ${shown(from)} → ${shown(to)}`);
  const result = await copyDatabase({ from, to, onCopied: (table, n) => console.log(`copied ${table} (${rows(n)})`) });
  for (const t of result.tables) {
    if (t.ok) console.log(`${t.table}: ${rows(t.targetRows)}, checksum ok`);
    else
      console.log(
        `${t.table}: MISMATCH: ${rows(t.sourceRows)} in the source, ${t.targetRows} in the target; checksum ${t.sourceChecksum.slice(0, 12)}… against ${t.targetChecksum.slice(0, 12)}…`,
      );
  }
  if (!result.ok) {
    const bad = result.tables.filter((t) => !t.ok).map((t) => t.table);
    fail(
      `the copy in ${result.to} differs from the source in ${bad.join(', ')}: do not use it (drop it and copy again into a new database)`,
      1,
    );
  }
  console.log(`db:copy: ${result.tables.length} tables copied and verified into ${result.to}`);
} catch (error) {
  if (error instanceof CopyError || error instanceof ConfigError) fail(error.message, 1);
  if (error instanceof DatabaseError) fail(`${error.message}`, 1);
  // Anything else (a constraint the data breaks, a lost connection) is still one line: the
  // target may now hold part of the copy.
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  fail(`the copy failed: ${reason}; the target may hold part of it: drop it and copy again into a new database`, 1);
}
