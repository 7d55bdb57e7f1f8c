// `npm run db:migrate`: applies pending migrations to DATABASE_PATH and says what it did.
import { config, ConfigError } from '../lib/config/index.ts';
import { DatabaseError, migrate, openDatabase } from '../lib/db/index.ts';

try {
  const database = openDatabase(config().databasePath);
  const { results = [] } = await migrate(database.db);
  await database.close();
  if (results.length === 0) console.log(`${database.path}: already up to date`);
  for (const r of results) console.log(`${database.path}: applied ${r.migrationName}`);
} catch (error) {
  if (error instanceof ConfigError || error instanceof DatabaseError) {
    console.error(`db:migrate: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
