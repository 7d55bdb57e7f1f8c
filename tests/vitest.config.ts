import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/http/**/*.test.ts'],
    // Builds the site once for every HTTP test file; each file starts its own server.
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Most of an HTTP test file's time is spent waiting on its own server process, not on this
    // one's CPU: three workers on a 2-core machine took the suite from 229 s to 155 s (SQLite)
    // and PostgreSQL's from 443 s to 227 s, all passing. Vitest's default is cores - 1.
    maxWorkers: Math.max(3, availableParallelism() - 1),
  },
});
