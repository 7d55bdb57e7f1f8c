import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { config as loadConfig, ConfigError } from '../lib/config/index.ts';
import { startResetWorker } from '../lib/auth/reset-queue.ts';
import { BUILT_KEY_RECORD, islandKeyError } from '../lib/config/island-key.ts';
import { configuredTarget, connectDatabase, DatabaseError, migrate, useDatabase } from '../lib/db/index.ts';
import { retentionJobs, startScheduler } from '../lib/jobs/index.ts';
import { startMailWorker } from '../lib/mail/index.ts';
import {
  INDEX_PATH,
  parsePolicyIndex,
  POLICY_CONTENT_TYPES,
  PolicySyncError,
  policyPathResolver,
  syncPolicyVersions,
} from '../lib/policy/index.ts';
import { createSiteServer, type AstroHandler } from './server.ts';
import { loadStaticFiles } from './static-files.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SHUTDOWN_GRACE_MS = 10_000;

/** Prints one line and exits non-zero: start-up problems are the operator's to fix. */
function fail(message: string): never {
  console.error(`customertrackr: ${message}`);
  process.exit(1);
}

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
    throw error;
  }

  const entry = `${root}dist/server/entry.mjs`;
  if (!existsSync(entry)) fail('no build found in dist/: run `npm run build` (or `npm start`, which builds)');
  // Several app servers are one site only with one island key (src/lib/config/island-key.ts).
  const keyRecord = `${root}dist/${BUILT_KEY_RECORD}`;
  const keyError = islandKeyError({
    astroKey: config.astroKey,
    sharedDatabase: Boolean(process.env.DATABASE_URL),
    builtWith: existsSync(keyRecord) ? readFileSync(keyRecord, 'utf8') : undefined,
  });
  if (keyError) fail(keyError);

  // SQLite at DATABASE_PATH, or PostgreSQL when DATABASE_URL is set (the message names which,
  // and never shows a password).
  let database;
  try {
    database = await connectDatabase(configuredTarget(config));
    await migrate(database.db);
  } catch (error) {
    if (error instanceof DatabaseError) fail(`${error.variable}: ${error.message}`);
    throw error;
  }
  useDatabase(database);

  const { handler } = (await import(pathToFileURL(entry).href)) as { handler: AstroHandler };
  const staticFiles = loadStaticFiles(`${root}dist/client`, POLICY_CONTENT_TYPES);

  // Record the policy versions this build publishes, so that agreements can refer to them.
  const policyIndex = staticFiles.get(INDEX_PATH);
  if (!policyIndex) fail(`the build has no ${INDEX_PATH}: run \`npm run build\``);
  try {
    await syncPolicyVersions(database.db, parsePolicyIndex(policyIndex.body.toString('utf8')));
  } catch (error) {
    if (error instanceof PolicySyncError) fail(`privacy policy: ${error.message}`);
    throw error;
  }

  // Retention: each kind of data is deleted when its time is up (README "Retention"), by jobs
  // that run now and then once per period, once per period across processes (src/lib/jobs).
  const scheduler = startScheduler(database.db, retentionJobs(config));
  await scheduler.started;

  const server = createSiteServer({
    config,
    db: database.db,
    astro: handler,
    staticFiles,
    resolvePath: policyPathResolver(staticFiles),
  });

  // Password reset requests are queued by the request and sent from here (reset-queue.ts).
  const resetWorker = startResetWorker(database.db, config.siteUrl);
  // Mail is written to the outbox in the transaction of its change and sent from here (src/lib/mail).
  const mailWorker = startMailWorker(database.db, {
    retryMs: config.mailRetrySeconds * 1000,
    leaseMs: config.mailLeaseSeconds * 1000,
  });

  server.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') fail(`PORT: ${config.host}:${config.port} is already in use`);
    if (error.code === 'EACCES') fail(`PORT: not allowed to listen on ${config.host}:${config.port}`);
    if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') fail(`HOST: ${config.host} is not an address of this machine`);
    fail(`server error: ${error.message}`);
  });

  server.listen(config.port, config.host, () => {
    const { port } = server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    console.log(`CustomerTrackr is ready at http://${host}:${port}/ (database ${database.path})`);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing in-flight requests, then stopping`);
    // Force the exit if a client holds a request open past the grace period.
    const force = setTimeout(() => {
      console.error('customertrackr: requests still open after 10 s, closing them');
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.drain(() => {
      void Promise.all([resetWorker.stop(), mailWorker.stop(), scheduler.stop()])
        .then(() => database.close())
        .then(() => {
          console.log('stopped');
          process.exit(0);
        });
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
