// The server runs with the same V8 flags and C library settings however it is started
// (src/server/runtime-settings.ts): npm start and npm run serve, which operators use, spell
// them out in package.json.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVER_ENV, SERVER_V8_FLAGS, serverEnv } from '../../src/server/runtime-settings.ts';

const scripts = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> })
  .scripts;
const ENTRY = { start: 'src/cli/start.ts', serve: 'src/server/main.ts' };

/** Runs `script` through the shell, as npm does, with node printing `expression` instead of starting the site. */
function runScript(script: string, entry: string, expression: string, env: NodeJS.ProcessEnv = {}) {
  const command = script.replace(entry, `-e 'console.log(${expression})'`);
  // The project's Node first on PATH, as npm puts node_modules/.bin there.
  const path = `${dirname(process.execPath)}:${process.env.PATH}`;
  const { MALLOC_ARENA_MAX: _, NODE_COMPILE_CACHE: __, ...inherited } = process.env;
  return spawnSync('sh', ['-c', command], { encoding: 'utf8', env: { ...inherited, PATH: path, ...env } });
}

describe('the server’s runtime settings', () => {
  it.each(Object.entries(ENTRY))('npm run %s sets them', (name, entry) => {
    const script = scripts[name]!;
    const words = script.split(/\s+/);
    const node = words.indexOf('node');
    // `exec`: the shell becomes Node, so a signal sent to npm's child (SIGTERM) reaches the server.
    expect(words.slice(0, node)).toEqual([...Object.entries(SERVER_ENV).map(([key, value]) => `${key}=\${${key}:-${value}}`), 'exec']);
    expect(words.slice(node + 1, node + 1 + SERVER_V8_FLAGS.length)).toEqual(SERVER_V8_FLAGS);
    expect(words.at(-1)).toBe(entry);

    const defaults = runScript(
      script,
      entry,
      'JSON.stringify({ env: process.env.MALLOC_ARENA_MAX, argv: process.execArgv.slice(0, -2), pid: process.pid, cache: require("node:module").getCompileCacheDir() })',
    );
    expect(defaults.stderr).toBe('');
    // execArgv ends with this test's own -e and its code; the shell's process is Node's.
    const seen = JSON.parse(defaults.stdout) as { cache: string };
    expect(seen).toEqual({ env: SERVER_ENV.MALLOC_ARENA_MAX, argv: SERVER_V8_FLAGS, pid: defaults.pid, cache: expect.any(String) });
    // Node's compile cache is on, in the build (decision 0035), under a folder per Node version and V8 flags.
    expect(seen.cache.startsWith(join(process.cwd(), SERVER_ENV.NODE_COMPILE_CACHE!) + '/')).toBe(true);
    // An operator's own value is kept.
    expect(runScript(script, entry, 'process.env.MALLOC_ARENA_MAX', { MALLOC_ARENA_MAX: '4' }).stdout.trim()).toBe('4');
  });

  it('are flags this Node accepts', () => {
    const result = spawnSync(process.execPath, [...SERVER_V8_FLAGS, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('reach the processes the tests and the benchmark start, under what the caller sets', () => {
    expect(serverEnv({ PATH: '/bin' }, { PORT: '0' })).toEqual({ ...SERVER_ENV, PATH: '/bin', PORT: '0' });
    expect(serverEnv({ MALLOC_ARENA_MAX: '8' }).MALLOC_ARENA_MAX).toBe('8');
  });
});
