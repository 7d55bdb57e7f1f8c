import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:cluster`: nginx in front of two app servers (tests/support/cluster.ts). One file
// at a time: each starts its own cluster, and the machine's CPUs are the load's to use.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['tests/cluster/**/*.test.ts'],
    globalSetup: ['tests/support/cluster-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['verbose'],
  },
});
