import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSiteProcess, startSiteProcess } from '../../src/cli/site-process.ts';

export const root = fileURLToPath(new URL('../../', import.meta.url));

export interface RunningSite {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:39211 */
  url: string;
  /** The server's SITE_URL origin: what a same-origin browser request sends as `Origin`. */
  origin: string;
  dir: string;
  databasePath: string;
  /** Where the server writes outgoing mail (one .eml file per message). */
  outboxDir: string;
  process: ChildProcess;
  output: () => string;
  /** Sends SIGTERM and resolves with the exit code (or the signal's name). */
  stop: () => Promise<number | string>;
}

export interface ExitedProcess {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the built server on a free port with a new temporary database. */
export async function startSite(env: Record<string, string> = {}): Promise<RunningSite> {
  const dir = mkdtempSync(join(tmpdir(), 'ct-site-'));
  const databasePath = join(dir, 'data', 'site.db');
  const outboxDir = join(dir, 'outbox');
  const { url, child, output, exited } = await startSiteProcess({ DATABASE_PATH: databasePath, MAIL_OUTBOX_DIR: outboxDir, ...env });
  return {
    url,
    origin: new URL(env.SITE_URL ?? 'http://localhost:4321').origin,
    dir,
    databasePath,
    outboxDir,
    process: child,
    output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Runs the server with `env` expecting it to refuse to start; resolves when it exits. */
export function runServerUntilExit(env: Record<string, string>, timeoutMs = 20_000): Promise<ExitedProcess> {
  const child = spawnSiteProcess(env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server kept running: ${stdout}${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
