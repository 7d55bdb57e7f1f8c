import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_V8_FLAGS, serverEnv } from '../server/runtime-settings.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The island key (ASTRO_KEY) of the local tools that run the built site on PostgreSQL (the
 * tests, the fault tests, the benchmark) when none is given: a fixed value, not a secret,
 * never for production. A server with DATABASE_URL needs a key (src/lib/config/island-key.ts);
 * one fixed key lets every tool run on the same build instead of rebuilding for its own.
 */
export const LOCAL_ASTRO_KEY = Buffer.from('customertrackr-tests-island-key!').toString('base64');

export interface SiteProcess {
  url: string;
  child: ChildProcess;
  /** Everything the server printed so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
}

/**
 * Spawns the built server (`src/server/main.ts`) with the server's runtime settings, on
 * 127.0.0.1 and a free port unless `env` says otherwise.
 */
export function spawnSiteProcess(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [...SERVER_V8_FLAGS, join(root, 'src/server/main.ts')], {
    cwd: root,
    env: serverEnv(process.env, { HOST: '127.0.0.1', PORT: '0', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Waits until `child` prints a line matching `ready` (whose first group is its URL), on
 * stdout or stderr; rejects if it exits first or takes longer than `timeoutMs`.
 */
export function whenReady(child: ChildProcess, ready: RegExp, timeoutMs = 20_000): Promise<SiteProcess> {
  let output = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the process did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, child, output: () => output, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the process exited (${code}) before it was ready:\n${output}`));
    });
  });
}

/**
 * Starts the built server with `env` and waits for its ready line. Used by the benchmark,
 * the fault script and the HTTP tests, which need a real process they can signal.
 */
export function startSiteProcess(env: Record<string, string>, timeoutMs = 20_000): Promise<SiteProcess> {
  return whenReady(spawnSiteProcess(env), /ready at (http:\/\/\S+?)\/? /, timeoutMs);
}
