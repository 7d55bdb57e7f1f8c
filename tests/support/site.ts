import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_V8_FLAGS, serverEnv } from '../../src/server/runtime-settings.ts';

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
  /** Sends SIGTERM and resolves with the exit code. */
  stop: () => Promise<number | null>;
}

export interface ExitedProcess {
  code: number | null;
  stdout: string;
  stderr: string;
}

function serverProcess(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [...SERVER_V8_FLAGS, join(root, 'src/server/main.ts')], {
    cwd: root,
    env: serverEnv(process.env, { HOST: '127.0.0.1', PORT: '0', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Starts the built server on a free port with a new temporary database. */
export async function startSite(env: Record<string, string> = {}): Promise<RunningSite> {
  const dir = mkdtempSync(join(tmpdir(), 'ct-site-'));
  const databasePath = join(dir, 'data', 'site.db');
  const outboxDir = join(dir, 'outbox');
  const child = serverProcess({ DATABASE_PATH: databasePath, MAIL_OUTBOX_DIR: outboxDir, ...env });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready at (http:\/\/\S+?)\/? /.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready:\n${output}`));
    });
  });
  return {
    url,
    origin: new URL(env.SITE_URL ?? 'http://localhost:4321').origin,
    dir,
    databasePath,
    outboxDir,
    process: child,
    output: () => output,
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
  const child = serverProcess(env);
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
