// `npm run seed`: adds the demo catalogue's products that are not in the database yet, and the demo
// shoppers' history (queuing a BEHAVIOR training for the service's worker).
import 'reflect-metadata';
import { loadConfig } from '../src/config.js';
import { openMigratedDatabase } from '../src/db/bootstrap.js';
import { createLogger } from '../src/logger.js';
import { createServices } from '../src/services.js';
import { seedDemoCatalogue, seedDemoHistory } from '../src/demo/seed-demo.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const database = await openMigratedDatabase(config, logger);
try {
  const services = await createServices(database, config, logger);
  const added = await seedDemoCatalogue(services.products, { onlyIfEmpty: false });
  const events = await seedDemoHistory(services.interactions, services.behavior);
  logger.info(
    { added, events, database: database.kind },
    `added ${added} demo products and ${events} demo interaction events (a BEHAVIOR training is queued when events were added; the service's worker runs it)`,
  );
} finally {
  await database.close();
}
