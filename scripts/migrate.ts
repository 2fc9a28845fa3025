// `npm run db:migrate`: applies pending migrations to the configured database and exits.
import 'reflect-metadata';
import { loadConfig } from '../src/config.js';
import { openMigratedDatabase } from '../src/db/bootstrap.js';
import { createLogger } from '../src/logger.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
try {
  const database = await openMigratedDatabase(config, logger);
  await database.close();
} catch (error) {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
}
