import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { writePrivateFile } from './private-file.ts';
import { redactUrl } from './target.ts';

/**
 * PostgreSQL's own client programs (pg_dump, pg_restore), for the backup command and the tests.
 * A PostgreSQL backup is pg_dump's: the server's consistent snapshot, restorable into any
 * version as new or newer, which nothing in this project could do better.
 */

export type PostgresTool = 'pg_dump' | 'pg_restore';

/** pg_dump or pg_restore cannot be found; the message says what to install or run instead. */
export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

export interface ToolSearch {
  /** PG_BIN: the folder with PostgreSQL's programs; when set, the only place looked in. */
  bin?: string | undefined;
  /** PATH. */
  path?: string | undefined;
  /** Where Debian installs each major version (/usr/lib/postgresql/<n>/bin). */
  versionsDir?: string;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The version a program reports (`pg_dump (PostgreSQL) 15.18 (Debian …)` → [15, 18]); undefined when it does not run. */
function versionOf(file: string): number[] | undefined {
  const run = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const match = run.status === 0 ? /\b(\d+)(?:\.(\d+))?/.exec(run.stdout) : null;
  return match ? [Number(match[1]), Number(match[2] ?? 0)] : undefined;
}

/**
 * The newest `tool` found: in PG_BIN only when it is set, else on PATH and in each
 * /usr/lib/postgresql/<n>/bin. The newest, because pg_dump refuses a server newer than itself
 * and a newer pg_dump reads every older server.
 */
export function findPostgresTool(
  tool: PostgresTool,
  { bin = process.env.PG_BIN, path = process.env.PATH, versionsDir = '/usr/lib/postgresql' }: ToolSearch = {},
): { file: string; version: string } | undefined {
  const candidates: string[] = [];
  if (bin) candidates.push(join(bin, tool));
  else {
    for (const dir of (path ?? '').split(delimiter).filter(Boolean)) candidates.push(join(dir, tool));
    if (existsSync(versionsDir))
      for (const version of readdirSync(versionsDir).filter((v) => /^\d+$/.test(v)))
        candidates.push(join(versionsDir, version, 'bin', tool));
  }
  let best: { file: string; version: number[] } | undefined;
  for (const file of new Set(candidates)) {
    if (!isExecutable(file)) continue;
    const version = versionOf(file);
    if (!version) continue;
    if (!best || version[0]! > best.version[0]! || (version[0] === best.version[0] && version[1]! > best.version[1]!))
      best = { file, version };
  }
  return best && { file: best.file, version: best.version.join('.') };
}

/**
 * A libpq connection for a postgres:// URL: the URL without its password (what goes on a
 * command line, which any user of the machine can read in `ps`) and the environment with the
 * password in PGPASSWORD (which only the process's owner can read).
 */
export function libpqConnection(url: string, env: NodeJS.ProcessEnv = process.env): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = parsed.password ? decodeURIComponent(parsed.password) : parsed.searchParams.get('password');
  parsed.password = '';
  parsed.searchParams.delete('password');
  // node-postgres's `sslmode=no-verify` (encrypt, trust any certificate) is libpq's `require`.
  if (parsed.searchParams.get('sslmode') === 'no-verify') parsed.searchParams.set('sslmode', 'require');
  return { dbname: parsed.toString(), env: password ? { ...env, PGPASSWORD: password } : { ...env } };
}

export interface PostgresBackup {
  file: string;
  bytes: number;
  /** The pg_dump that made it, and its version. */
  tool: string;
  version: string;
}

/**
 * `pg_dump --format=custom` of the database at `url` into `file`, which must not exist. The
 * dump is written next to it under another name, readable by its owner only, and moved into
 * place once pg_dump has succeeded, so `file` is either a whole dump or absent
 * (writePrivateFile). Throws MissingToolError when pg_dump cannot be found; any other failure
 * with pg_dump's own message (never the password).
 */
export async function backupPostgres(url: string, file: string, search: ToolSearch = {}): Promise<PostgresBackup> {
  if (existsSync(file)) throw new Error(`${file} already exists; choose a new file name`);
  const found = findPostgresTool('pg_dump', search);
  if (!found) {
    const looked = (search.bin ?? process.env.PG_BIN) ? 'PG_BIN' : 'PATH and /usr/lib/postgresql/*/bin';
    throw new MissingToolError(
      `pg_dump is not installed (looked in ${looked}): install PostgreSQL's client programs, of the server's major version or newer ` +
        '(Debian, Ubuntu: apt-get install postgresql-client), or run pg_dump yourself: pg_dump -Fc -f <file> "$DATABASE_URL"',
    );
  }
  const { dbname, env } = libpqConnection(url);
  const password = new URL(url).password;
  // pg_dump truncates the private file writePrivateFile made and keeps its mode.
  await writePrivateFile(file, async (partial) => {
    // --no-password: never stop to ask at a terminal (a wrong password fails instead).
    const { code, stderr } = await run(found.file, ['--format=custom', '--no-password', `--file=${partial}`, `--dbname=${dbname}`], env);
    if (code !== 0) {
      const reason = stderr.trim().split('\n')[0] ?? `exit status ${code}`;
      const shown = password ? reason.replaceAll(password, '***').replaceAll(decodeURIComponent(password), '***') : reason;
      throw new Error(`pg_dump of ${redactUrl(url)} failed: ${shown.replace(/^pg_dump: (error: )?/, '')}`);
    }
  });
  return { file, bytes: statSync(file).size, tool: found.file, version: found.version };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 64_000) stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stderr }));
  });
}
