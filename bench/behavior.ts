// `npm run bench:behavior` — shopper behaviour on the Postgres server (bench/behavior-bench.ts): a
// 10k-product catalogue with the CLIP and CNN spaces loaded as `npm run bench` loads it, the service
// started as a process, events through recordInteractions, a training, recommendedForUser against
// similarProducts(CLIP) and trendingProducts over HTTP. Writes bench/behavior-results.json and renders
// BENCHMARKS.md again (its "Shopper behaviour" section), keeping the other sections' figures.
import 'reflect-metadata';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT } from '../src/paths.js';
import { BEHAVIOR_RESULTS_FILE, behaviorBench } from './behavior-bench.js';
import { CatalogueGenerator } from './catalogue.js';
import { dropBenchDatabase, prepareServerCatalogue } from './databases.js';
import { CLIP_MODEL_ID, CNN_MODEL_ID, prepareBenchModels } from './onnx-models.js';
import { renderReport } from './report.js';
import { type BenchResults } from './results.js';
import { startService } from './service-process.js';

const baseUrl = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const PORT = Number(process.env['BENCH_PORT'] ?? 4721);
const SIZE = 10_000;
const started = performance.now();
const log = (line: string): void =>
  console.log(`[bench:behavior ${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}`);

const name = 'bench_behavior';
const models = await prepareBenchModels(join(PROJECT_ROOT, 'bench', '.cache'), join(PROJECT_ROOT, 'models'));
log(`catalogue of ${SIZE} products with CLIP and CNN vectors`);
const { url } = await prepareServerCatalogue(baseUrl, name, new CatalogueGenerator(SIZE), {
  cnnModelId: CNN_MODEL_ID,
  clipModelId: CLIP_MODEL_ID,
});
const service = await startService({
  port: PORT,
  databaseUrl: url,
  modelsDir: models.modelsDir,
  manifestPath: models.manifestPath,
  imageModel: CNN_MODEL_ID,
  clipModel: CLIP_MODEL_ID,
});
try {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const clipProductIds = (
    await client.query<{ id: string }>(
      'SELECT product_id::text AS id FROM product_embedding WHERE model_id = $1 ORDER BY product_id LIMIT 1000',
      [CLIP_MODEL_ID],
    )
  ).rows.map((row) => row.id);
  await client.end();
  const result = await behaviorBench(
    service.url,
    { catalogueSize: SIZE, clipProductIds, seconds: 8, warmupSeconds: 2 },
    log,
  );
  await writeFile(
    BEHAVIOR_RESULTS_FILE,
    `${JSON.stringify({ ...result, measuredAt: new Date().toISOString() }, null, 2)}\n`,
  );
  const results = JSON.parse(
    await readFile(join(PROJECT_ROOT, 'bench', 'results.json'), 'utf8'),
  ) as BenchResults;
  await writeFile(join(PROJECT_ROOT, 'BENCHMARKS.md'), renderReport(results));
  log('wrote bench/behavior-results.json and BENCHMARKS.md');
} catch (error) {
  console.error(service.stderr());
  throw error;
} finally {
  await service.stop();
  // --keep leaves the database for a closer look (psql, EXPLAIN).
  if (!process.argv.includes('--keep')) await dropBenchDatabase(baseUrl, name);
}
