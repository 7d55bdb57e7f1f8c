import { defineConfig, devices } from '@playwright/test';
import { SERVER_ENV, SERVER_V8_FLAGS } from '../src/server/runtime-settings.ts';

const PORT = Number(process.env.E2E_PORT ?? 4455);
/** Where the e2e server keeps its database and outbox, relative to the repository (new for every run). */
export const E2E_DATA_DIR = 'test-results/e2e-data';
export const E2E_BASE_URL = `http://127.0.0.1:${PORT}`;

/**
 * Browser tests run in Debian's Chromium (never a downloaded browser) against the real
 * built server with a database that is new for every run.
 */
export default defineConfig({
  testDir: './e2e',
  outputDir: '../test-results/playwright',
  fullyParallel: false,
  // One worker: the specs share one server and one database, and some change what every page
  // shows (announcements, the last admin), so two at once would make results depend on their
  // interleaving; on the 2-core CI machine a second browser also competes with the server for
  // the CPU, and measured no faster.
  workers: 1,
  retries: 0,
  timeout: 30_000,
  reporter: [['list']],
  use: {
    baseURL: E2E_BASE_URL,
    ...devices['Desktop Chrome'],
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    },
    // A trace of every test, kept when it fails (`npx playwright show-trace`). E2E_TRACE=off
    // records none: CI keeps only the run's output, and recording took ~20 % of the time of
    // the browser tests (two specs, four runs each: 133–172 s with, 111–125 s without).
    trace: process.env.E2E_TRACE === 'off' ? 'off' : 'retain-on-failure',
  },
  webServer: {
    command: `rm -rf ${E2E_DATA_DIR} && node ${SERVER_V8_FLAGS.join(' ')} src/cli/start.ts`,
    cwd: '..',
    url: `http://127.0.0.1:${PORT}/healthz`,
    timeout: 180_000,
    reuseExistingServer: false,
    env: {
      ...SERVER_ENV,
      HOST: '127.0.0.1',
      PORT: String(PORT),
      DATABASE_PATH: `${E2E_DATA_DIR}/site.db`,
      MAIL_OUTBOX_DIR: `${E2E_DATA_DIR}/outbox`,
      // SITE_URL stays the default, as in the HTTP tests, so both use the same build; the
      // browser's Sec-Fetch-Site: same-origin satisfies the origin check on any host.
    },
  },
});
