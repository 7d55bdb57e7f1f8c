// The server checks its island key (ASTRO_KEY) against its build before it answers anything
// (src/lib/config/island-key.ts, decision 0022).
import { describe, expect, it } from 'vitest';
import { runServerUntilExit } from '../support/site.ts';

// Made here, never a real key; base64 of 32 bytes, as `npx astro create-key` prints them.
const STRANGER = Buffer.alloc(32, 42).toString('base64');

describe('the island key at start', () => {
  it('a key the build was not made with stops the start, without printing the key', async () => {
    const { code, stderr, stdout } = await runServerUntilExit({ ASTRO_KEY: STRANGER, DATABASE_PATH: ':memory:' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^customertrackr: ASTRO_KEY (is set but the build was made without it|is not the key the build was made with)/);
    expect(stderr + stdout).not.toContain(STRANGER);
  });

  it('a key that is not one stops the start', async () => {
    const { code, stderr } = await runServerUntilExit({ ASTRO_KEY: 'swordfish', DATABASE_PATH: ':memory:' });
    expect(code).toBe(1);
    expect(stderr).toContain('customertrackr: ASTRO_KEY must be base64');
  });

  it('a shared database (DATABASE_URL) without a key stops the start', async () => {
    const { code, stderr } = await runServerUntilExit({
      ASTRO_KEY: '',
      DATABASE_URL: 'postgres://127.0.0.1:1/customertrackr',
      DATABASE_PATH: ':memory:',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('ASTRO_KEY must be set when DATABASE_URL is');
  });
});
