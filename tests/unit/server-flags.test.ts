// The server runs with the same V8 heap settings however it is started (src/server/v8-flags.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVER_V8_FLAGS } from '../../src/server/v8-flags.ts';

const scripts = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('the server’s V8 flags', () => {
  it.each(['start', 'serve'])('npm run %s passes them to node', (name) => {
    const args = scripts[name]!.split(/\s+/);
    expect(args[0]).toBe('node');
    expect(args.slice(1, 1 + SERVER_V8_FLAGS.length)).toEqual(SERVER_V8_FLAGS);
  });

  it('are flags this Node accepts', async () => {
    const { spawnSync } = await import('node:child_process');
    const result = spawnSync(process.execPath, [...SERVER_V8_FLAGS, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
