// `npm run embeddings:backfill`: computes the IMAGE and CLIP embeddings stored products are missing
// for the configured models (products added while a model was not installed), with a progress bar.
import 'reflect-metadata';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../src/config.js';
import { openMigratedDatabase } from '../src/db/bootstrap.js';
import { EmbeddingBackfillService } from '../src/embeddings/embedding-backfill.service.js';
import { IMAGE_SPACES } from '../src/embeddings/embedding-space.service.js';
import { createLogger } from '../src/logger.js';
import { createServices } from '../src/services.js';

const config = loadConfig();
const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
const database = await openMigratedDatabase(config, logger);
let failed = false;
try {
  const services = await createServices(database, config, logger);
  const backfill = new EmbeddingBackfillService(services.embeddings, services.media);
  for (const space of IMAGE_SPACES) {
    for (const modelId of await services.spaces.ingestModelIds(space)) {
      const bar = process.stdout.isTTY
        ? new SingleBar(
            { format: `${space} ${modelId} [{bar}] {value}/{total} {percentage}% ETA {eta_formatted}` },
            Presets.shades_classic,
          )
        : null;
      try {
        const result = await backfill.run(space, modelId, {
          onProgress: ({ done, total }) => {
            if (!bar) return;
            if (done === 0) bar.start(total, 0);
            else bar.update(done);
          },
        });
        bar?.stop();
        console.log(`${space} ${modelId}: embedded ${result.done} product(s)`);
      } catch (error) {
        bar?.stop();
        failed = true;
        console.error(`${space} ${modelId}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  await services.models.close();
} finally {
  await database.close();
}
process.exit(failed ? 1 : 0);
