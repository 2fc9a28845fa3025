// Opens the configured database and brings its schema up to date: what both the service and the
// command-line scripts do before anything else.
import { type Logger } from 'pino';
import { type Config } from '../config.js';
import { MIGRATIONS_DIR } from '../paths.js';
import { type Database, openDatabase } from './database.js';
import { Migrator, readMigrations } from './migrator.js';

export async function openMigratedDatabase(
  config: Pick<Config, 'database'> & Partial<Pick<Config, 'search' | 'timeouts'>>,
  logger: Logger,
  migrationsDir = MIGRATIONS_DIR,
): Promise<Database> {
  const database = await openDatabase(config.database, config.search, config.timeouts);
  try {
    const applied = await new Migrator(database.pool, readMigrations(migrationsDir), logger).migrate();
    logger.info({ database: database.kind, applied: applied.length }, 'database schema is up to date');
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}
