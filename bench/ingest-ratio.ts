// The ingest row of the benchmark alone (BENCHMARKS.md "Ingest"): `addProducts` with photos over
// HTTP against the model limit, on a catalogue loaded as `npm run bench` loads it — in minutes
// instead of the full run's 40. With `--compare name=<checkout>` (repeatable) it interleaves other
// built checkouts of the service with this one (a, b, this, a, b, this …), so changes are compared
// within one run, each against a model limit measured right before it:
//
//   npm run bench:ingest                                         this checkout, 3 rounds
//   npm run bench:ingest -- --compare before=/tmp/base --rounds 4
//   options: --size N (catalogue, default 10000), --batches N (requests of 32 per run, default 5),
//            --keep (leave the bench_ingest_<size> database)
import 'reflect-metadata';
import { join } from 'node:path';
import { openDatabase } from '../src/db/database.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { CatalogueGenerator } from './catalogue.js';
import { dropBenchDatabase, prepareServerCatalogue } from './databases.js';
import { productPhotos } from './images.js';
import { attributeAxes, ingestOverHttp, modelLimit, warmIngest } from './ingest.js';
import { CLIP_MODEL_ID, CNN_MODEL_ID, prepareBenchModels } from './onnx-models.js';
import { modelEnv, startService } from './service-process.js';

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const baseUrl = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const port = Number(process.env['BENCH_PORT'] ?? 4719);
const size = Number(option('--size') ?? 10_000);
const rounds = Number(option('--rounds') ?? 3);
const batches = Number(option('--batches') ?? 5);
const compared = argv.flatMap((arg, index) => {
  if (argv[index - 1] !== '--compare') return [];
  const [name, root] = arg.split('=');
  if (!name || !root) throw new Error(`--compare wants name=<built checkout>, got ${arg}`);
  return [{ name, root }];
});
const BATCH_SIZE = 32;
const LIMIT_IMAGES = 96;
const database = `bench_ingest_${size}`;

const started = performance.now();
const log = (message: string): void =>
  console.log(`[ingest ${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s] ${message}`);

interface Sample {
  variant: string;
  round: number;
  oneInFlight: number;
  twoInFlight: number;
  limit: number;
  /** The service process's CPU time per product with 2 in flight: what contention cannot hide. */
  cpuMsPerProduct: number;
}

async function main(): Promise<void> {
  const models = await prepareBenchModels(
    join(PROJECT_ROOT, 'bench', '.cache'),
    join(PROJECT_ROOT, 'models'),
  );
  const photos = await productPhotos(100, join(PROJECT_ROOT, 'bench', '.cache'));
  log(`catalogue of ${size} into ${database}`);
  const { url } = await prepareServerCatalogue(baseUrl, database, new CatalogueGenerator(size), {
    cnnModelId: CNN_MODEL_ID,
    clipModelId: CLIP_MODEL_ID,
  });
  const env = modelEnv(models);
  const variants = [...compared, { name: 'this checkout', root: PROJECT_ROOT }];
  const samples: Sample[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const variant of variants) {
        // The model limit next to each run: the machine is shared, so both move together.
        const limitDatabase = await openDatabase({ kind: 'server', url, poolSize: 2 });
        const limit = await modelLimit(
          limitDatabase,
          env,
          { cnn: CNN_MODEL_ID, clip: CLIP_MODEL_ID },
          photos,
          LIMIT_IMAGES,
        ).finally(() => limitDatabase.close());
        const service = await startService({
          port,
          databaseUrl: url,
          modelsDir: models.modelsDir,
          manifestPath: models.manifestPath,
          imageModel: CNN_MODEL_ID,
          clipModel: CLIP_MODEL_ID,
          root: variant.root,
          // Other sessions may load the machine: a slow request is a measurement, not an error.
          extraEnv: { REQUEST_TIMEOUT_MS: '0' },
        });
        try {
          const axes = await attributeAxes(service.url);
          const tag = `${variant.name.replace(/\W/g, '')}-${round}`;
          await warmIngest(service.url, photos, axes, `warm-${tag}`);
          const perSecond: number[] = [];
          let cpuMsPerProduct = 0;
          for (const inFlight of [1, 2]) {
            const run = await ingestOverHttp(service.url, service.pid, photos, axes, {
              prefix: `ingest-${tag}-${inFlight}`,
              batchSize: BATCH_SIZE,
              batches,
              inFlight,
            });
            perSecond.push(run.itemsPerSec);
            cpuMsPerProduct = (run.usage.processCores * run.seconds * 1000) / run.products;
          }
          const sample: Sample = {
            variant: variant.name,
            round,
            oneInFlight: perSecond[0]!,
            twoInFlight: perSecond[1]!,
            limit: limit.itemsPerSec,
            cpuMsPerProduct,
          };
          samples.push(sample);
          log(
            `round ${round} ${variant.name}: ${sample.oneInFlight.toFixed(2)} / ${sample.twoInFlight.toFixed(2)} products/s ` +
              `(1 / 2 in flight), model limit ${sample.limit.toFixed(2)} (CNN ${limit.cnnMsPerImage.toFixed(1)} + CLIP ${limit.clipMsPerImage.toFixed(1)} ms), ` +
              `ratio ${(Math.max(sample.oneInFlight, sample.twoInFlight) / sample.limit).toFixed(3)}, ` +
              `service CPU ${sample.cpuMsPerProduct.toFixed(0)} ms per product`,
          );
        } catch (error) {
          console.error(`the ${variant.name} service failed; its stderr:\n${service.stderr()}`);
          throw error;
        } finally {
          await service.stop();
        }
      }
    }
  } finally {
    if (!argv.includes('--keep')) await dropBenchDatabase(baseUrl, database);
  }
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  };
  console.log(
    '\n| variant | 1 in flight products/s | 2 in flight products/s | model limit products/s | ratio (best of 1/2 ÷ limit) | service CPU ms per product |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const variant of variants) {
    const own = samples.filter((sample) => sample.variant === variant.name);
    console.log(
      `| ${variant.name} (median of ${own.length}) | ${median(own.map((s) => s.oneInFlight)).toFixed(2)} | ` +
        `${median(own.map((s) => s.twoInFlight)).toFixed(2)} | ${median(own.map((s) => s.limit)).toFixed(2)} | ` +
        `${median(own.map((s) => Math.max(s.oneInFlight, s.twoInFlight) / s.limit)).toFixed(3)} | ` +
        `${median(own.map((s) => s.cpuMsPerProduct)).toFixed(0)} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
