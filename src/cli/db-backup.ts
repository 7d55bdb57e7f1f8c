// `npm run db:backup -- <file>`: a consistent copy of the live database, taken while the server
// keeps running (and writing). SQLite: its online backup API, into a database file. PostgreSQL
// (DATABASE_URL set): pg_dump's custom format, which pg_restore reads.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { config, ConfigError } from '../lib/config/index.ts';
import { redactUrl } from '../lib/db/index.ts';
import { backupDatabase } from '../lib/db/maintenance.ts';
import { backupPostgres, MissingToolError } from '../lib/db/postgres-tools.ts';

const target = process.argv[2];
if (!target || process.argv.length > 3) {
  console.error('usage: npm run db:backup -- <file>');
  process.exit(2);
}

function fail(message: string): never {
  console.error(`db:backup: ${message}`);
  process.exit(1);
}

try {
  const settings = config();
  const destination = resolve(target);
  if (existsSync(destination)) fail(`${destination} already exists; choose a new file name`);
  if (settings.databaseUrl !== undefined) {
    const { bytes, version } = await backupPostgres(settings.databaseUrl, destination);
    console.log(`backed up ${redactUrl(settings.databaseUrl)} to ${destination} (${bytes} bytes, pg_dump ${version}, custom format)`);
  } else {
    const source = settings.databasePath;
    if (!existsSync(source)) fail(`there is no database at ${source} (DATABASE_PATH) yet`);
    const { totalPages } = await backupDatabase(source, destination);
    console.log(`backed up ${source} to ${destination} (${totalPages} pages)`);
  }
} catch (error) {
  if (error instanceof ConfigError || error instanceof MissingToolError) fail(error.message);
  fail(error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error));
}
