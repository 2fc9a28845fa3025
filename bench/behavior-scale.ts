// The BEHAVIOR space at scale, on the Postgres server: a catalogue of attribute-only products and
// a generated interaction log loaded through the services (the validation and one-statement
// inserts recordInteractions uses), then one training through the background job exactly as
// trainBehaviorModel runs it (read the log, ALS, store vectors, build the HNSW index, switch), timed
// with the process's peak RSS; then recommendedForUser against similarProducts in the BEHAVIOR and
// ATTRIBUTES spaces, p50 over in-process calls.
//
//   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
//     npx tsx bench/behavior-scale.ts [--products 100000] [--users 50000] [--events-per-user 20] [--no-write]
//
// Writes bench/behavior-scale.json (unless --no-write), which `npm run bench` shows in BENCHMARKS.md.
import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { createServices } from '../src/services.js';
import { plantedLog } from '../test/support/interaction-logs.js';
import { InteractionType } from '../src/interactions/interaction.domain.js';
import { EmbeddingSpace } from '../src/recommendations/recommendation.domain.js';
import { BehaviorModelState } from '../src/behavior/behavior-model.domain.js';
import { BEHAVIOR_SCALE_FILE, type BehaviorScaleResult } from './behavior-bench.js';
import { createBenchDatabase, dropBenchDatabase } from './databases.js';

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '100000' },
    users: { type: 'string', default: '50000' },
    'events-per-user': { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
    // Smaller trial runs should not replace the figures the report shows.
    'no-write': { type: 'boolean', default: false },
  },
});
const productCount = Number(values.products);
const baseUrl = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const name = 'bench_behavior_scale';
const url = await createBenchDatabase(baseUrl, name);
const config = loadConfig({
  DATABASE_URL: url,
  IMAGE_MODEL: '',
  CLIP_MODEL: '',
  MAX_BULK_PRODUCTS: '1000',
  DB_STATEMENT_TIMEOUT_MS: '0',
  LOG_LEVEL: 'warn',
});
const logger = createLogger('info');
const database = await openDatabase(config.database, config.search, config.timeouts);
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
const time = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  const result = await work();
  console.log(`${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
};
try {
  const services = await createServices(database, config, logger);
  // Products are not what this measures: one INSERT … SELECT from generate_series.
  const insertProducts = (first: number, count: number, prefix: string) =>
    database.pool.query(
      `INSERT INTO product (sku, name, category, price, attribute_scores, updated_at)
       SELECT $3 || g, 'Item ' || g, 'c' || (g % 50), 10,
              ARRAY[g % 97, (g * 7) % 97, 1 + (g * 13) % 96]::float8[], now()
         FROM generate_series($1::int, $2::int) g`,
      [first, first + count - 1, prefix],
    );
  await time(`${productCount} products`, () => insertProducts(0, productCount, 'item-'));
  const log = plantedLog({
    users: Number(values.users),
    items: productCount,
    groups: 1000,
    eventsPerUser: Number(values['events-per-user']),
    noise: 0.3,
    drift: 0.3,
    seed: 3,
  });
  const types = [
    InteractionType.VIEW,
    InteractionType.VIEW,
    InteractionType.CLICK,
    InteractionType.ADD_TO_CART,
    InteractionType.PURCHASE,
  ];
  await time(`${log.events.length} interactions (batches of 1000, as recordInteractions)`, async () => {
    for (let start = 0; start < log.events.length; start += 1000) {
      await services.interactions.record(
        log.events.slice(start, start + 1000).map((event, offset) => ({
          userToken: event.user,
          sku: event.item,
          type: types[(start + offset) % types.length]!,
          occurredAt: new Date(Date.now() - (log.events.length - start - offset) * 1000),
        })),
      );
    }
  });
  // What autovacuum does within a minute of a bulk load; the measured queries must not depend on it.
  await database.pool.query('ANALYZE');
  const rssBefore = process.memoryUsage().rss;
  peakRss = rssBefore;
  await services.behavior.start();
  await services.behavior.train();
  const jobStarted = performance.now();
  const status = await time('training (job: read log, ALS, store vectors, HNSW, switch)', async () => {
    for (;;) {
      const current = await services.behavior.status();
      if (current.state === BehaviorModelState.READY || current.state === BehaviorModelState.FAILED)
        return current;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });
  const jobSeconds = (performance.now() - jobStarted) / 1000;
  // Products added after the training: what recommendedForUser's slot for new products looks through.
  await insertProducts(productCount, 200, 'new-');
  console.log(
    JSON.stringify({
      ...status,
      rssBeforeTrainingMiB: Math.round(rssBefore / 2 ** 20),
      peakRssMiB: Math.round(peakRss / 2 ** 20),
    }),
  );
  const p50 = async (label: string, call: (i: number) => Promise<unknown>): Promise<number> => {
    for (let i = 0; i < 20; i++) await call(i);
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      await call(i + 20);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    console.log(`${label}: p50 ${times[100]!.toFixed(2)} ms, p95 ${times[190]!.toFixed(2)} ms`);
    return times[100]!;
  };
  const ids = // Products with a BEHAVIOR vector (the log leaves some items without events).
    (
      await database.pool.query<{ id: string }>(
        `SELECT p.id::text AS id FROM product p
        WHERE EXISTS (SELECT 1 FROM product_embedding e WHERE e.product_id = p.id AND e.model_id LIKE 'behavior-v%')
        ORDER BY p.sku LIMIT 500`,
      )
    ).rows.map((r) => r.id);
  const forUserP50 = await p50('recommendedForUser(k: 10)', (i) =>
    services.userRecommendations.recommend(`user-${(i * 37) % Number(values.users)}`, 10, null),
  );
  await p50('  of which the shopper profile (SQL)', (i) =>
    services.shoppers.profile(`user-${(i * 37) % Number(values.users)}`),
  );
  const similarP50 = await p50('similarProducts(space: BEHAVIOR, k: 10)', (i) =>
    services.recommendations.similarProducts(ids[i % ids.length]!, 10, EmbeddingSpace.BEHAVIOR),
  );
  await p50('similarProducts(space: ATTRIBUTES, k: 10)', (i) =>
    services.recommendations.similarProducts(ids[i % ids.length]!, 10, EmbeddingSpace.ATTRIBUTES),
  );
  await services.behavior.stop();
  // The report (npm run bench) shows the latest run of this script.
  const scale: BehaviorScaleResult = {
    command: `npx tsx bench/behavior-scale.ts ${process.argv.slice(2).join(' ')}`.trim(),
    measuredAt: new Date().toISOString(),
    products: productCount,
    interactions: log.events.length,
    users: Number(values.users),
    trainingSeconds: status.trainingSeconds ?? Number.NaN,
    jobSeconds,
    peakRssMiB: Math.round(peakRss / 2 ** 20),
    rssBeforeTrainingMiB: Math.round(rssBefore / 2 ** 20),
    recommendedForUserP50Ms: forUserP50,
    similarBehaviorP50Ms: similarP50,
  };
  if (!values['no-write']) await writeFile(BEHAVIOR_SCALE_FILE, `${JSON.stringify(scale, null, 2)}\n`);
} finally {
  clearInterval(sampler);
  await database.close();
  if (!values.keep) await dropBenchDatabase(baseUrl, name);
}
