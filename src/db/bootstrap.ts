// Opens the configured database and brings its schema up to date: what both the service and the
// command-line scripts do before anything else. A Postgres server that cannot be reached yet (still
// starting, restarting) is retried with back-off for DB_STARTUP_RETRY_MS; a server without the
// pgvector extension is named as such, with the script that installs it.
import pRetry from 'p-retry';
import { type Logger } from 'pino';
import { type Config } from '../config.js';
import { MIGRATIONS_DIR } from '../paths.js';
import { type Database, openDatabase } from './database.js';
import { Migrator, readMigrations } from './migrator.js';
import { databaseOutageOf } from './outage.js';

export class DatabaseStartupError extends Error {
  override readonly name = 'DatabaseStartupError';
}

/** DATABASE_URL as it may be shown: the password replaced. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

async function requireVectorExtension(database: Database): Promise<void> {
  const available = await database.pool.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`);
  if (available.rowCount === 0) {
    throw new DatabaseStartupError(
      'The Postgres server at DATABASE_URL does not have the pgvector extension (`vector`) installed; install it with `sudo bash scripts/install-pgvector.sh` (see README)',
    );
  }
}

async function openAndMigrate(
  config: Pick<Config, 'database'> & Partial<Pick<Config, 'search' | 'timeouts'>>,
  logger: Logger,
  migrationsDir: string,
): Promise<Database> {
  const database = await openDatabase(config.database, config.search, config.timeouts, (health, error) => {
    if (health.healthy) logger.info(health, `read replica ${health.index} serves reads`);
    else
      logger.warn(
        { ...health, outage: error ? (databaseOutageOf(error)?.kind ?? 'error') : 'lagging' },
        `read replica ${health.index} skipped: reads go to the primary until it is back`,
      );
  });
  try {
    if (database.kind === 'server') await requireVectorExtension(database);
    const applied = await new Migrator(database.pool, readMigrations(migrationsDir), logger).migrate();
    logger.info({ database: database.kind, applied: applied.length }, 'database schema is up to date');
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}

export async function openMigratedDatabase(
  config: Pick<Config, 'database'> & Partial<Pick<Config, 'search' | 'timeouts'>>,
  logger: Logger,
  migrationsDir = MIGRATIONS_DIR,
): Promise<Database> {
  const target = config.database;
  if (target.kind === 'embedded') return openAndMigrate(config, logger, migrationsDir);
  const retryMs = config.timeouts?.dbStartupRetryMs ?? 0;
  const shownUrl = redactedUrl(target.url);
  try {
    return await pRetry(() => openAndMigrate(config, logger, migrationsDir), {
      retries: retryMs > 0 ? Number.MAX_SAFE_INTEGER : 0,
      maxRetryTime: retryMs,
      minTimeout: 250,
      maxTimeout: 5_000,
      factor: 2,
      shouldRetry: ({ error }) => databaseOutageOf(error) !== null,
      onFailedAttempt: ({ error, attemptNumber }) => {
        const outage = databaseOutageOf(error);
        if (outage) {
          logger.warn(
            { attempt: attemptNumber, outage: outage.kind, url: shownUrl, retryMs },
            'database not reachable yet; retrying (DB_STARTUP_RETRY_MS)',
          );
        }
      },
    });
  } catch (error) {
    const outage = databaseOutageOf(error);
    if (!outage) throw error;
    throw new DatabaseStartupError(
      `Could not reach the Postgres server at DATABASE_URL=${shownUrl} within ${retryMs} ms (DB_STARTUP_RETRY_MS): ${outage.kind}. Is it running, and is DATABASE_URL right?`,
    );
  }
}
