// One process of the service, by role (ROLE, README "Scaling out"): configuration, database
// (embedded PGlite unless DATABASE_URL is set), migrations, then
//   all     GraphQL over HTTP and the job workers: the single process of `npm start`;
//   api     GraphQL over HTTP; heavy work is only queued, for the workers;
//   worker  the job workers (embedding, re-embedding, BEHAVIOR training) and /healthz, no GraphQL.
// Every role hears model switches on the change feed, so its caches never serve a stale model.
import { createServer, type Server } from 'node:http';
import { type Logger } from 'pino';
import { type Config, loadConfig, type Role, withRole } from './config.js';
import { type Database } from './db/database.js';
import { openMigratedDatabase } from './db/bootstrap.js';
import { ModelState } from './inference/ports.js';
import { createLogger } from './logger.js';
import { seedDemoCatalogue, seedDemoHistory } from './demo/seed-demo.js';
import { createApp } from './server.js';
import { createServices, type Services } from './services.js';

/** Runs the process of `role` (the configured ROLE unless given) until SIGINT/SIGTERM. */
export async function runServiceProcess(role?: Role): Promise<void> {
  const loaded = loadConfig();
  const config = role ? withRole(loaded, role) : loaded;
  const logger = createLogger(config.logLevel).child({ role: config.role });
  const database = await openMigratedDatabase(config, logger);
  const serving = config.role !== 'worker';
  const working = config.role !== 'api';

  let services: Services;
  let stopFront: () => Promise<void>;
  let listen: (() => Promise<{ url: string }>) | null = null;
  if (serving) {
    const app = await createApp({ config, database, logger });
    services = app.services;
    stopFront = () => app.stop();
    listen = () => app.listen();
  } else {
    services = await createServices(database, config, logger);
    stopFront = async () => {
      await services.reembedding.stop();
      await services.behavior.stop();
      await services.changes.close();
      await services.models.close();
    };
  }
  services.changes.listen();
  // A worker seeds the demo catalogue (its photos are embedded on ingest); API processes never do,
  // so two of them starting at once cannot both find the database empty and both fill it.
  if (working && config.seedDemo) await seed(services, database, logger);
  const health = serving ? null : await healthServer(config);
  // The signal handlers are in place before the service says it is listening: installed after
  // that line, a signal sent as soon as it appeared (a supervisor, a test) could still meet Node's
  // default action and end the process without the shutdown (seen once in CI: exit by SIGINT).
  /** Index builds started below (a worker's), awaited by the shutdown. */
  let indexing: Promise<unknown> = Promise.resolve();
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
    void closeServer(health)
      .then(stopFront)
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
  if (listen) {
    const { url } = await listen();
    logger.info({ url, database: database.kind }, `GraphQL API listening on ${url}`);
  } else {
    logger.info({ port: config.port }, 'worker running (GET /healthz answers while it does)');
  }
  for (const model of await services.models.statuses()) {
    if (model.configured && model.state === ModelState.MISSING) {
      logger.warn(
        { modelId: model.id },
        `model ${model.id} is not installed (${model.reason}); install it with \`${model.installCommand}\``,
      );
    }
  }
  // A signal during start-up: the shutdown is under way, so no background work is started.
  if (stopping) return;
  // Background work: never delays serving, never stops the service when it fails. The queues
  // start in every role (an API process queues jobs); only a worker runs them.
  const { models, reembedding, behavior } = services;
  const logFailure = (what: string) => (error: unknown) => logger.error({ err: error }, what);
  const queued = reembedding.start({ work: working }).catch(logFailure('starting the embedding jobs failed'));
  // The BEHAVIOR training worker and schedule (pg-boss); a queued or interrupted training resumes.
  behavior.start({ work: working }).catch(logFailure('starting the behavior worker failed'));
  // A model that arrives later can start (or retry) the roll-over it was missing for.
  if (config.models.autoDownload)
    void models
      .downloadMissing()
      .then(() => queued)
      .then(() => reembedding.enqueuePending())
      .catch(logFailure('queuing the embedding jobs failed'));
  if (working) indexing = services.spaces.ensureIndexes().catch(logFailure('creating vector indexes failed'));
}

async function seed(services: Services, database: Database, logger: Logger): Promise<void> {
  const started = Date.now();
  const added = await seedDemoCatalogue(services.products, { onlyIfEmpty: true });
  if (added > 0) {
    const events = await seedDemoHistory(services.interactions, services.behavior);
    logger.info(
      { products: added, events, database: database.kind, ms: Date.now() - started },
      "seeded the demo catalogue and its shoppers' history into the empty database; the BEHAVIOR model trains in the background (SEED_DEMO=false turns this off)",
    );
  }
}

/** A worker's only HTTP: GET /healthz, for the process supervisor or orchestrator. */
async function healthServer(config: Config): Promise<Server> {
  const server = createServer((request, response) => {
    const healthy = request.method === 'GET' && request.url === '/healthz';
    response.writeHead(healthy ? 200 : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify(healthy ? { status: 'ok', role: 'worker' } : { error: 'not found' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  return server;
}

function closeServer(server: Server | null): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}
