// `npm run db:backup -- <file>`: a consistent copy of the live database, taken with SQLite's
// online backup API, so the server can keep running (and writing) while it is made.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { config, ConfigError } from '../lib/config/index.ts';
import { backupDatabase } from '../lib/db/maintenance.ts';

const target = process.argv[2];
if (!target || process.argv.length > 3) {
  console.error('usage: npm run db:backup -- <file>');
  process.exit(2);
}

try {
  const source = config().databasePath;
  if (!existsSync(source)) {
    console.error(`db:backup: there is no database at ${source} (DATABASE_PATH) yet`);
    process.exit(1);
  }
  const destination = resolve(target);
  if (existsSync(destination)) {
    console.error(`db:backup: ${destination} already exists; choose a new file name`);
    process.exit(1);
  }
  const { totalPages } = await backupDatabase(source, destination);
  console.log(`backed up ${source} to ${destination} (${totalPages} pages)`);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`db:backup: ${error.message}`);
    process.exit(1);
  }
  console.error(`db:backup: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
