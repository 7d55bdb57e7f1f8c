// `npm run db:migrate`: applies pending migrations to the configured database (DATABASE_URL's
// PostgreSQL server, else the SQLite file at DATABASE_PATH) and says what it did.
import { config, ConfigError } from '../lib/config/index.ts';
import { configuredTarget, connectDatabase, DatabaseError, migrate } from '../lib/db/index.ts';

try {
  const database = await connectDatabase(configuredTarget(config()));
  let results;
  try {
    ({ results = [] } = await migrate(database.db));
  } finally {
    await database.close();
  }
  if (results.length === 0) console.log(`${database.path}: already up to date`);
  for (const r of results) console.log(`${database.path}: applied ${r.migrationName}`);
} catch (error) {
  if (error instanceof ConfigError || error instanceof DatabaseError) {
    console.error(`db:migrate: ${error instanceof DatabaseError ? `${error.variable}: ` : ''}${error.message}`);
    process.exit(1);
  }
  throw error;
}
