// Entry point of `npm start`: configuration, database (embedded PGlite unless DATABASE_URL is
// set), migrations, demo catalogue, HTTP.
import 'reflect-metadata';
import { loadConfig } from './config.js';
import { ModelState } from './inference/ports.js';
import { openMigratedDatabase } from './db/bootstrap.js';
import { createLogger } from './logger.js';
import { seedDemoCatalogue, seedDemoHistory } from './demo/seed-demo.js';
import { createApp } from './server.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = await openMigratedDatabase(config, logger);
  const app = await createApp({ config, database, logger });
  if (config.seedDemo) {
    const started = Date.now();
    const added = await seedDemoCatalogue(app.services.products, { onlyIfEmpty: true });
    if (added > 0) {
      const events = await seedDemoHistory(app.services.interactions, app.services.behavior);
      logger.info(
        { products: added, events, database: database.kind, ms: Date.now() - started },
        "seeded the demo catalogue and its shoppers' history into the empty database; the BEHAVIOR model trains in the background (SEED_DEMO=false turns this off)",
      );
    }
  }
  const { url } = await app.listen();
  logger.info({ url, database: database.kind }, `GraphQL API listening on ${url}`);
  for (const model of await app.services.models.statuses()) {
    if (model.configured && model.state === ModelState.MISSING) {
      logger.warn(
        { modelId: model.id },
        `model ${model.id} is not installed (${model.reason}); install it with \`${model.installCommand}\``,
      );
    }
  }
  // Background work: never delays serving, never stops the service when it fails.
  const { models, reembedding, behavior } = app.services;
  reembedding.start();
  // The BEHAVIOR training worker and schedule (pg-boss); a queued or interrupted training resumes.
  behavior
    .start()
    .catch((error: unknown) => logger.error({ err: error }, 'starting the behavior worker failed'));
  // A model that arrives later can start (or retry) the roll-over it was missing for.
  if (config.models.autoDownload) void models.downloadMissing().then(() => reembedding.start());
  const indexing = app.services.spaces
    .ensureIndexes()
    .catch((error: unknown) => logger.error({ err: error }, 'creating vector indexes failed'));

  // Stop accepting, drain in-flight requests, stop background work, close the database (PGlite
  // flushes its files on close), exit 0. Bounded by SHUTDOWN_TIMEOUT_MS: past it, exit 1. A second
  // signal exits 130 at once (the shell's code for an interrupted command).
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without finishing the shutdown');
      process.exit(130);
    }
    stopping = true;
    const timeoutMs = config.timeouts.shutdownMs;
    logger.info({ signal, timeoutMs }, 'shutting down');
    setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown did not finish within SHUTDOWN_TIMEOUT_MS; exiting');
      process.exit(1);
    }, timeoutMs).unref();
    void app
      .stop()
      .then(() => indexing)
      .then(() => database.close())
      .then(() => {
        logger.info('shut down');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  // Start-up failures (bad configuration, a failing migration) end the process with their reason.
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
