// `npm run seed`: adds the demo catalogue's products that are not in the database yet.
import 'reflect-metadata';
import { loadConfig } from '../src/config.js';
import { openMigratedDatabase } from '../src/db/bootstrap.js';
import { createLogger } from '../src/logger.js';
import { createServices } from '../src/services.js';
import { seedDemoCatalogue } from '../src/demo/seed-demo.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const database = await openMigratedDatabase(config, logger);
try {
  const services = await createServices(database, config, logger);
  const added = await seedDemoCatalogue(services.products, { onlyIfEmpty: false });
  logger.info({ added, database: database.kind }, `added ${added} demo products`);
} finally {
  await database.close();
}
