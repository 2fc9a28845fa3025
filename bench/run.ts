// `npm run bench` — the benchmark suite. Writes BENCHMARKS.md and bench/results.json.
//
//   npm run bench                 full run: 10k and 100k catalogues on the Postgres server, PGlite at 10k
//   npm run bench -- --quick      every case, smaller: 10k only, shorter runs, fewer samples
//   npm run bench -- --1m         also a 1M-product catalogue (long: an hour or more of index builds)
//   npm run bench:diversity       the diversity + explanations case alone (bench/diversity-run.ts)
//   npm run bench:1m              only the CLIP and attribute spaces at 1M (bench/million.ts; its section of
//                                 BENCHMARKS.md comes from bench/million-results.json)
//
// Needs: the Postgres server with pgvector (BENCH_DATABASE_URL, default
// postgresql://postgres@127.0.0.1:5432/postgres; `bench_*` databases are created and dropped),
// `npm run build` (prebench does it), and ../shared/models/clip-tokenizer for the classification case.
import 'reflect-metadata';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { CatalogueGenerator, type CatalogueInfo, catalogueInfo } from './catalogue.js';
import { classificationBench, classificationPrototype } from './classification.js';
import { summariseCpuProfile } from './cpu-profile.js';
import {
  dropBenchDatabase,
  prepareEmbeddedCatalogue,
  prepareServerCatalogue,
  adminQuery,
  type IndexTimings,
} from './databases.js';
import { runDiversityCase } from './diversity.js';
import { productPhotos } from './images.js';
import {
  NO_SPINNING,
  attributeAxes,
  ingestOverHttp,
  modelLimit,
  profilePipeline,
  warmIngest,
  writeSessionVariantPreload,
} from './ingest.js';
import {
  type LatencySummary,
  type UsageWindow,
  closedLoop,
  combineRounds,
  machineFacts,
  preparedFloor,
  queryConfig,
  rssBytes,
  sampleUsage,
} from './measure.js';
import { CLIP_MODEL_ID, CNN_MODEL_ID, type BenchModels, prepareBenchModels } from './onnx-models.js';
import {
  type PreparedCase,
  type SqlConnector,
  efSearchSweep,
  graphqlLoad,
  pickSamples,
  poolConnector,
  prepareCase,
  serverConnector,
  sqlLoad,
  verifySamples,
} from './query-bench.js';
import { FLOOR_SQL, QUERY_CASES, ROOT_FIELDS_QUERY, rootFieldNames } from './query-cases.js';
import { renderReport } from './report.js';
import { type BenchResults, type DatabaseKindName, type QueryCaseResult } from './results.js';
import { modelEnv, type ServiceProcess, startService } from './service-process.js';
import {
  capturingView,
  inProcessApp,
  openCapturingDatabase,
  sessionVectorOptions,
} from './statement-capture.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const million = args.has('--1m');
const baseUrl = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const PORT = Number(process.env['BENCH_PORT'] ?? 4719);

const settings = quick
  ? {
      sizes: [10_000],
      // PGlite builds its HNSW indexes in WebAssembly on one core: minutes at 10k.
      embeddedSize: 1_000,
      samples: 32,
      recallSamples: 20,
      seconds: 3,
      warmup: 1,
      rounds: 2,
      concurrency: [1, 16],
      verify: 5,
      crossChecks: 1,
      efSweep: [40, 100],
      ingest: { batchSize: 16, batches: 2, inFlight: [1, 2] },
      modelLimitImages: 32,
      profile: { batchSize: 16, batches: 1 },
      classificationRepetitions: 0,
      profileSeconds: 3,
      diversitySeconds: 6,
    }
  : {
      sizes: million ? [10_000, 100_000, 1_000_000] : [10_000, 100_000],
      embeddedSize: 10_000,
      samples: 64,
      recallSamples: 50,
      seconds: 8,
      warmup: 2,
      rounds: 4,
      concurrency: [1, 16],
      verify: 10,
      crossChecks: 2,
      efSweep: [40, 64, 100, 200],
      ingest: { batchSize: 32, batches: 5, inFlight: [1, 2] },
      modelLimitImages: 96,
      profile: { batchSize: 32, batches: 2 },
      classificationRepetitions: 0,
      profileSeconds: 6,
      diversitySeconds: 20,
    };

/** One measurement window of a round: the run's window and warm-up shared among the rounds. */
const ROUND = {
  seconds: settings.seconds / settings.rounds,
  warmup: settings.warmup / settings.rounds,
};

const runStarted = performance.now();
const log = (message: string): void => {
  const elapsed = ((performance.now() - runStarted) / 1000).toFixed(0).padStart(5);
  console.log(`[bench ${elapsed}s] ${message}`);
};

/** One line with a catalogue's load and index-build times. */
function logLoad(timings: IndexTimings): void {
  const attributes = Object.values(timings.attributeIndexSeconds)
    .map((seconds) => seconds.toFixed(1))
    .join(' + ');
  log(
    `  loaded in ${timings.loadSeconds.toFixed(1)} s; HNSW builds: attributes ${attributes} s, CLIP ${timings.clipIndexSeconds.toFixed(1)} s, CNN (halfvec) ${timings.cnnIndexSeconds?.toFixed(1) ?? '—'} s`,
  );
}

const sizeName = (size: number): string => (size >= 1_000_000 ? `${size / 1_000_000}m` : `${size / 1000}k`);

/** The service builds missing vector indexes in the background at start; measure only once none is being built. */
async function waitForIndexBuilds(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let quiet = 0;
    const started = performance.now();
    while (quiet < 3) {
      const building = await client.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM pg_stat_progress_create_index WHERE datname = current_database()',
      );
      quiet = (building.rows[0]?.count ?? 0) === 0 ? quiet + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const waited = (performance.now() - started) / 1000;
    if (waited > 3) log(`  waited ${waited.toFixed(0)} s for the service's background index builds`);
  } finally {
    await client.end();
  }
}

/** Captures every available case's SQL and exact answers on `database`, in-process. */
async function prepareCases(
  database: Database,
  models: BenchModels,
  info: CatalogueInfo,
  explainConnector: SqlConnector,
  crossChecks: number,
): Promise<{ prepared: PreparedCase[]; unavailable: Array<{ id: string; title: string; reason: string }> }> {
  const app = await inProcessApp(database, modelEnv(models));
  const { use, close } = await explainConnector.open(1);
  try {
    const fields = rootFieldNames(await app.execute(ROOT_FIELDS_QUERY, {}));
    const samples = pickSamples(info, settings.samples, info.size);
    const prepared: PreparedCase[] = [];
    const unavailable: Array<{ id: string; title: string; reason: string }> = [];
    for (const definition of QUERY_CASES) {
      const missing = definition.requiresFields.filter((field) => !fields.has(field));
      if (missing.length > 0) {
        const reason = `not available yet: the schema has no field ${missing.join(', ')}`;
        log(`  ${definition.id}: ${reason}`);
        unavailable.push({ id: definition.id, title: definition.title, reason });
        continue;
      }
      const started = performance.now();
      const recallSamples =
        info.size >= 100_000 ? Math.min(40, settings.recallSamples) : settings.recallSamples;
      const result = await prepareCase(
        app,
        definition,
        samples,
        recallSamples,
        (work) => use(0, work),
        { cnnModelId: CNN_MODEL_ID, clipModelId: CLIP_MODEL_ID },
        crossChecks,
      );
      log(
        `  ${definition.id}: captured ${result.samples.length} samples, ${result.transactionStatements} statements in the vector transaction, ` +
          `recall@10 ${result.recallAt10.toFixed(3)} (min ${result.recallAt10Min.toFixed(2)}), fewest results ${result.returnedKMin}, ` +
          `exact SQL ${result.exactMs.toFixed(0)} ms${result.repositoryExactMs === null ? '' : `, repository exact path ${result.repositoryExactMs.toFixed(0)} ms`} ` +
          `(${((performance.now() - started) / 1000).toFixed(1)} s)`,
      );
      prepared.push(result);
    }
    return { prepared, unavailable };
  } finally {
    await close();
    await app.close();
  }
}

const floorWarnings: string[] = [];

async function activeIndexBuilds(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = await client.query<{ query: string }>(
      `SELECT left(query, 120) AS query FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query ILIKE 'CREATE INDEX%'`,
    );
    return rows.rows.map((row) => row.query).join('; ') || 'none';
  } finally {
    await client.end();
  }
}

/** Measures every prepared case against a running service and the SQL floor. */
async function measureCases(
  service: ServiceProcess,
  prepared: readonly PreparedCase[],
  unavailable: ReadonlyArray<{ id: string; title: string; reason: string }>,
  connector: SqlConnector,
  database: 'server' | 'embedded',
  size: number,
  usageOut: { peak: number },
  url: string,
): Promise<QueryCaseResult[]> {
  const results: QueryCaseResult[] = [];
  for (const entry of unavailable) {
    results.push({
      case: entry.id,
      title: entry.title,
      database,
      catalogueSize: size,
      available: false,
      unavailableReason: entry.reason,
      requestedK: 10,
      returnedK: null,
      recallAt10: null,
      recallAt10Min: null,
      recallSamples: 0,
      graphqlP50Ms: null,
      sqlP50Ms: null,
      sqlAllP50Ms: null,
      targetP50Ms: null,
      targetMet: null,
      concurrency: {},
      statementsPerRequest: null,
      transactionStatements: null,
      sqlBreakdownMs: null,
      verifiedSamples: 0,
      efSearchSweep: null,
      plan: null,
    });
  }
  for (const item of prepared) {
    const { use, close } = await connector.open(1);
    let verified: number;
    let sweep = null;
    try {
      verified = await use(0, (client) => verifySamples(service.url, item, client, settings.verify));
      if (item.recallAt10 < 0.999) {
        sweep = await use(0, (client) => efSearchSweep(client, item, settings.efSweep, [40, 100]));
      }
    } finally {
      await close();
    }
    const bodies = item.samples.map((sample) => sample.body);
    const concurrency: QueryCaseResult['concurrency'] = {};
    let usage: UsageWindow | undefined;
    for (const connections of settings.concurrency) {
      // GraphQL, the service's statements and the floor take turns in rounds (ROUND), each
      // figure the median of its rounds: measured one after the other for the whole window, the
      // same statement measured twice came out up to 30 % apart as the shared host's speed drifted
      // (2026-12-07 05:18 run), which the comparisons between them then carried.
      const rounds: { graphql: LatencySummary[]; sql: LatencySummary[]; sqlAll: LatencySummary[] } = {
        graphql: [],
        sql: [],
        sqlAll: [],
      };
      const floorRounds: FloorRound[] = [];
      for (let round = 0; round < settings.rounds; round++) {
        const sampler = sampleUsage(service.pid);
        const graphql = await graphqlLoad(service.url, bodies, connections, ROUND.seconds, ROUND.warmup);
        const window = sampler.stop();
        if (round === 0 && connections === Math.max(...settings.concurrency)) usage = window;
        usageOut.peak = Math.max(usageOut.peak, window.peakRssBytes);
        if (graphql.errors > 0)
          throw new Error(`${item.definition.id}: ${graphql.errors} GraphQL requests failed under load`);
        rounds.graphql.push(graphql);
        rounds.sql.push(
          await sqlLoad(
            connector,
            item.samples,
            (s) => s.transaction,
            connections,
            ROUND.seconds,
            ROUND.warmup,
          ),
        );
        rounds.sqlAll.push(
          await sqlLoad(connector, item.samples, (s) => s.all, connections, ROUND.seconds, ROUND.warmup),
        );
        if (database === 'server') floorRounds.push(await floorRound(connector, item, connections));
      }
      const graphql = combineRounds(rounds.graphql);
      const sql = combineRounds(rounds.sql);
      const sqlAll = combineRounds(rounds.sqlAll);
      const floor = floorRounds.length > 0 ? combineFloor(item, floorRounds) : null;
      concurrency[String(connections)] = {
        graphql,
        sql,
        sqlAll,
        ...(floor
          ? {
              floor: floor.combined,
              throughputRatio: Number(
                (graphql.throughputPerSec / floor.combined.throughputPerSec).toFixed(3),
              ),
            }
          : {}),
      };
      if (floor && connections === 1) floorParts.set(item.definition.id, floor.parts);
      if (connections === 1 && !(sql.p50Ms <= 3 * graphql.p50Ms)) {
        const note = `${item.definition.id} (${sizeName(size)}): the SQL floor (${sql.p50Ms} ms) is far slower than GraphQL (${graphql.p50Ms} ms); running indexes: ${await activeIndexBuilds(url)}`;
        log(`  WARNING ${note}`);
        floorWarnings.push(note);
      }
      log(
        `  ${item.definition.id} c=${connections}: GraphQL p50 ${graphql.p50Ms.toFixed(2)} ms (${graphql.throughputPerSec.toFixed(0)}/s), ` +
          `SQL p50 ${sql.p50Ms.toFixed(2)} ms (${sql.throughputPerSec.toFixed(0)}/s), all statements p50 ${sqlAll.p50Ms.toFixed(2)} ms`,
      );
    }
    const parts = floorParts.get(item.definition.id);
    results.push({
      ...measuredCase(item, database, size, concurrency),
      ...(parts ? { floorP50Ms: concurrency['1']?.floor?.p50Ms ?? null, floorParts: parts } : {}),
      repositoryExactMs: item.repositoryExactMs,
      verifiedSamples: verified,
      efSearchSweep: sweep,
      ...(usage ? { serverUsage: usage } : {}),
    });
  }
  return results;
}

/**
 * `{ __typename }` through the running service at each concurrency: HTTP, express and Apollo with
 * no resolver and no database — the ceiling under every case's GraphQL figures on this machine.
 */
async function transportCeiling(url: string): Promise<Record<string, LatencySummary>> {
  const bodies = [JSON.stringify({ query: '{ __typename }' })];
  const levels: Record<string, LatencySummary> = {};
  for (const connections of settings.concurrency) {
    const summary = await graphqlLoad(url, bodies, connections, settings.seconds, settings.warmup);
    levels[String(connections)] = summary;
    log(
      `  transport ceiling ({ __typename }) c=${connections}: p50 ${summary.p50Ms.toFixed(2)} ms, ${summary.throughputPerSec.toFixed(0)}/s`,
    );
  }
  return levels;
}

const floorParts = new Map<string, Record<string, number>>();

/** One round of a case's floor: per part, unnamed and named. */
type FloorRound = Record<string, { unnamed: LatencySummary; named: LatencySummary }>;

/**
 * One round of the case's floor (query-cases.ts FLOOR_SQL) through plain `pg` at `connections`:
 * each part in a closed loop over the samples' products, sent unnamed and as a named (prepared)
 * statement. A named statement skips parsing, and planning once Postgres settles on its generic
 * plan — which is not always the better one (the filtered iterative scan's generic plan is many
 * times slower than its custom one).
 */
async function floorRound(
  connector: SqlConnector,
  item: PreparedCase,
  connections: number,
): Promise<FloorRound> {
  const models = { cnnModelId: CNN_MODEL_ID, clipModelId: CLIP_MODEL_ID };
  const round: FloorRound = {};
  for (const name of item.definition.floor.parts) {
    const measured: LatencySummary[] = [];
    for (const named of [false, true]) {
      const { use, close } = await connector.open(connections);
      try {
        measured.push(
          await closedLoop(connections, ROUND.seconds, ROUND.warmup, async (worker, i) => {
            const statement = FLOOR_SQL[name](item.samples[i % item.samples.length]!.productId, models);
            await use(worker, (client) =>
              client.query(queryConfig(named ? preparedFloor(statement) : statement)),
            );
          }),
        );
      } finally {
        await close();
      }
    }
    round[name] = { unnamed: measured[0]!, named: measured[1]! };
  }
  return round;
}

/**
 * The case's floor over its rounds: per part the faster of unnamed and named (each the median of
 * its rounds), the parts combined as the case says (several spaces: p50s summed, q/s as one
 * request running every part; a filter's two plans: the faster one).
 */
function combineFloor(
  item: PreparedCase,
  rounds: readonly FloorRound[],
): { combined: { p50Ms: number; throughputPerSec: number }; parts: Record<string, number> } {
  const measured = item.definition.floor.parts.map((name): [string, LatencySummary] => {
    const unnamed = combineRounds(rounds.map((round) => round[name]!.unnamed));
    const named = combineRounds(rounds.map((round) => round[name]!.named));
    return [name, named.p50Ms < unnamed.p50Ms ? named : unnamed];
  });
  const parts = Object.fromEntries(measured.map(([name, summary]) => [name, summary.p50Ms]));
  const round = (value: number): number => Number(value.toFixed(3));
  if (item.definition.floor.combine === 'min') {
    const [, best] = measured.reduce((a, b) => (b[1].p50Ms < a[1].p50Ms ? b : a));
    return { combined: { p50Ms: best.p50Ms, throughputPerSec: best.throughputPerSec }, parts };
  }
  return {
    combined: {
      p50Ms: round(measured.reduce((sum, [, summary]) => sum + summary.p50Ms, 0)),
      throughputPerSec: round(
        1 / measured.reduce((sum, [, summary]) => sum + 1 / summary.throughputPerSec, 0),
      ),
    },
    parts,
  };
}

/** A measured case's result; the target compares GraphQL and SQL p50 at concurrency 1. */
function measuredCase(
  item: PreparedCase,
  database: DatabaseKindName,
  size: number,
  concurrency: QueryCaseResult['concurrency'],
): QueryCaseResult {
  const one = concurrency['1']!;
  const target = 1.5 * one.sql.p50Ms + 1;
  return {
    case: item.definition.id,
    title: item.definition.title,
    database,
    catalogueSize: size,
    available: true,
    requestedK: item.definition.k,
    returnedK: item.returnedKMin,
    recallAt10: item.recallAt10,
    recallAt10Min: item.recallAt10Min,
    recallSamples: item.recallSamples,
    exactSqlMs: item.exactMs,
    graphqlP50Ms: one.graphql?.p50Ms ?? null,
    sqlP50Ms: one.sql.p50Ms,
    sqlAllP50Ms: database === 'server' ? one.sqlAll.p50Ms : null,
    targetP50Ms: target,
    targetMet: one.graphql ? one.graphql.p50Ms <= target : null,
    concurrency,
    statementsPerRequest: item.statementsPerRequest,
    transactionStatements: item.transactionStatements,
    sqlBreakdownMs: item.sqlBreakdownMs,
    verifiedSamples: 0,
    efSearchSweep: null,
    plan: item.plan,
  };
}

async function main(): Promise<void> {
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  log(`${command} (${quick ? 'quick' : 'full'})`);
  const temporary = await mkdtemp(join(tmpdir(), 'recommender-bench-'));
  const databases: string[] = [];
  try {
    await adminQuery(baseUrl, 'SELECT 1').catch((error: unknown) => {
      throw new Error(
        `cannot reach the Postgres server at ${baseUrl} (set BENCH_DATABASE_URL): ${String(error)}`,
      );
    });
    const machine = await machineFacts(baseUrl);
    log(
      `machine: ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.postgres}, pgvector ${machine.pgvector}`,
    );
    const models = await prepareBenchModels(
      join(PROJECT_ROOT, 'bench', '.cache'),
      join(PROJECT_ROOT, 'models'),
    );
    log(
      models.generated
        ? `models: generated random-weight ResNet-50 / ViT-B/32 graphs in ${models.modelsDir}${models.generationSeconds ? ` (written in ${models.generationSeconds.toFixed(0)} s)` : ' (cached)'}`
        : 'models: the real ones from models/',
    );
    const photos = await productPhotos(100, join(PROJECT_ROOT, 'bench', '.cache'));
    log(
      `photos: 100 distinct ${photos.length ? '640×480' : ''} JPEGs, ${(photos.reduce((a, p) => a + p.length, 0) / photos.length / 1024).toFixed(0)} KiB on average`,
    );

    const results: BenchResults = {
      command,
      mode: quick ? 'quick' : 'full',
      queryRounds: { rounds: settings.rounds, seconds: ROUND.seconds, warmupSeconds: ROUND.warmup },
      startedAt: new Date().toISOString(),
      durationSeconds: 0,
      machine,
      models: {
        generated: models.generated,
        note: models.generated
          ? 'The real model files are not installed: ResNet-50 v1- and CLIP ViT-B/32-shaped ONNX graphs with RANDOM weights were generated (bench/onnx-models.ts). They have the real layer structure and cost; their embeddings mean nothing. The CLIP text tower is the small generated test tower (only the classification labels go through it).'
          : 'The real models from models/.',
        files: models.files,
        generationSeconds: models.generationSeconds,
      },
      catalogues: [],
      queries: [],
      ingest: null,
      classification: null,
      classificationPrototype: null,
      memory: null,
      queryProfiles: [],
      notes: [],
    };
    const env = modelEnv(models);

    for (const size of settings.sizes) {
      const name = `bench_q${sizeName(size)}`;
      databases.push(name);
      log(`catalogue ${sizeName(size)}: generating and loading into ${name}`);
      const generator = new CatalogueGenerator(size);
      const { url, timings } = await prepareServerCatalogue(baseUrl, name, generator, {
        cnnModelId: CNN_MODEL_ID,
        clipModelId: CLIP_MODEL_ID,
      });
      results.catalogues.push({ size, database: 'server', timings });
      logLoad(timings);
      const info = catalogueInfo(generator);

      log(`queries ${sizeName(size)}: capturing the service's SQL and exact answers in-process`);
      // The service's Database over a recording pool, its sessions with the service's pgvector settings.
      const captureDatabase = openCapturingDatabase(url, 4, loadConfig(env).search);
      let cases;
      let connector: SqlConnector;
      try {
        const options = await sessionVectorOptions(captureDatabase.pool);
        log(
          `  the service's session settings, applied to the SQL floor's connections too: ${options || '(none)'}`,
        );
        connector = serverConnector(url, options);
        cases = await prepareCases(
          captureDatabase,
          models,
          info,
          connector,
          size === settings.sizes[0] ? settings.crossChecks : 0,
        );
      } finally {
        await captureDatabase.close();
      }

      if (size === settings.sizes[0] && models.sharedTokenizer) {
        log(
          'classification: the service statement against its earlier form and a rewrite (in-process capture, pg replay)',
        );
        const prototypeDatabase = openCapturingDatabase(url, 4, loadConfig(env).search);
        const app = await inProcessApp(prototypeDatabase, env);
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          const prototype = await classificationPrototype(app, client, CLIP_MODEL_ID);
          results.classificationPrototype = { ...prototype, catalogueSize: size };
          log(
            `  service statement ${prototype.serviceStatementSeconds.toFixed(2)} s; with the labels CTE inlined (before) ${prototype.inlinedSeconds.toFixed(2)} s; nearest-label rewrite ${prototype.prototypeSeconds.toFixed(2)} s; same counts: ${prototype.sameCounts}`,
          );
        } finally {
          await client.end();
          await app.close();
          await prototypeDatabase.close();
        }
      }

      const service = await startService({
        port: PORT,
        databaseUrl: url,
        modelsDir: models.modelsDir,
        manifestPath: models.manifestPath,
        imageModel: CNN_MODEL_ID,
        clipModel: CLIP_MODEL_ID,
      });
      log(
        `service started in ${service.startSeconds.toFixed(1)} s, RSS ${(service.startRssBytes / 2 ** 20).toFixed(0)} MiB`,
      );
      await waitForIndexBuilds(url);
      try {
        const usage = { peak: 0 };
        results.queries.push(
          ...(await measureCases(
            service,
            cases.prepared,
            cases.unavailable,
            connector,
            'server',
            size,
            usage,
            url,
          )),
        );
        (results.transportCeilings ??= []).push({
          catalogueSize: size,
          concurrency: await transportCeiling(service.url),
        });
        if (size === settings.sizes[0]) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          const idleStart = rssBytes(service.pid)?.rss ?? service.startRssBytes;
          log(`ingest on the ${sizeName(size)} catalogue`);
          const axes = await attributeAxes(service.url);
          const firstRequestSeconds = await warmIngest(service.url, photos, axes, 'bench-warm');
          await new Promise((resolve) => setTimeout(resolve, 1000));
          const idleLoaded = rssBytes(service.pid)?.rss ?? null;
          log(
            `  first request (loads both models) ${firstRequestSeconds.toFixed(1)} s; RSS with both models ${((idleLoaded ?? 0) / 2 ** 20).toFixed(0)} MiB`,
          );
          const runs = [];
          for (const inFlight of settings.ingest.inFlight) {
            const run = await ingestOverHttp(service.url, service.pid, photos, axes, {
              prefix: `bench-ingest-${inFlight}`,
              batchSize: settings.ingest.batchSize,
              batches: settings.ingest.batches,
              inFlight,
            });
            runs.push(run);
            log(
              `  ${run.products} products, ${inFlight} request(s) in flight: ${run.itemsPerSec.toFixed(2)} products/s, ` +
                `server ${run.usage.processCores.toFixed(2)} cores, machine ${run.usage.machineCores.toFixed(2)} cores`,
            );
          }
          results.memory = {
            idleStartRssBytes: idleStart,
            idleModelsLoadedRssBytes: idleLoaded,
            queryLoadPeakRssBytes: usage.peak,
            ingestPeakRssBytes: Math.max(...runs.map((run) => run.usage.peakRssBytes)),
            catalogueSize: size,
          };
          results.ingest = {
            pipelineItemsPerSec: Math.max(...runs.map((run) => run.itemsPerSec)),
            modelItemsPerSec: 0,
            ratio: 0,
            targetMet: false,
            firstRequestSeconds,
            runs,
            modelLimit: null as never,
            profile: null,
            catalogueSize: size,
            variants: [],
          };
        }
        const classifyHere = quick ? size === settings.sizes[0] : size === 100_000;
        if (classifyHere) {
          if (!models.sharedTokenizer) {
            const reason = 'skipped: ../shared/models/clip-tokenizer is missing (the CLIP tokenizer files)';
            log(`classification ${reason}`);
            results.classification = { skipped: reason };
          } else {
            log(`zero-shot classification of ${sizeName(size)} stored CLIP embeddings into 20 labels`);
            const classification = await classificationBench(service.url, settings.classificationRepetitions);
            results.classification = { ...classification, catalogueSize: size };
            log(
              `  ${classification.products} products: ${classification.warmMedianSeconds.toFixed(2)} s warm (${classification.itemsPerSec.toFixed(0)} products/s), ${classification.coldSeconds.toFixed(2)} s cold`,
            );
          }
        }
      } catch (error) {
        console.error(service.stderr());
        throw error;
      } finally {
        await service.stop();
      }

      if (size === settings.sizes[0]) {
        for (const [caseId, connections] of [
          ['similar-clip', 16],
          ['weighted-3-space', 1],
        ] as const) {
          const item = cases.prepared.find((prepared) => prepared.definition.id === caseId);
          if (!item) continue;
          const directory = join(temporary, `cpu-${caseId}`);
          const profiled = await startService({
            port: PORT,
            databaseUrl: url,
            modelsDir: models.modelsDir,
            manifestPath: models.manifestPath,
            imageModel: CNN_MODEL_ID,
            clipModel: CLIP_MODEL_ID,
            nodeArgs: ['--cpu-prof', '--cpu-prof-dir', directory],
          });
          let load;
          let sinceMs = 0;
          try {
            await waitForIndexBuilds(url);
            sinceMs = performance.now() - profiled.spawnedAt;
            load = await graphqlLoad(
              profiled.url,
              item.samples.map((sample) => sample.body),
              connections,
              settings.profileSeconds,
              1,
            );
          } finally {
            await profiled.stop();
          }
          // Start-up is left out; the 1 s warm-up is in, so it counts towards the requests served.
          const summary = await summariseCpuProfile(directory, sinceMs);
          const served = load.requests * (1 + 1 / settings.profileSeconds);
          results.queryProfiles.push({
            case: caseId,
            connections,
            catalogueSize: size,
            requests: load.requests,
            seconds: load.seconds,
            cpuMsPerRequest: summary.busyMs / served,
            top: summary.top,
          });
          log(
            `  CPU profile ${caseId} c=${connections}: ~${(summary.busyMs / served).toFixed(1)} ms of server CPU per request; ` +
              summary.top
                .slice(0, 5)
                .map((entry) => `${entry.category} ${(entry.share * 100).toFixed(0)} %`)
                .join(', '),
          );
        }
      }

      if (size === settings.sizes[0] && results.ingest) {
        log(`prototype of a service change: ${NO_SPINNING.name}`);
        const preload = await writeSessionVariantPreload(temporary, NO_SPINNING);
        const variantService = await startService({
          port: PORT,
          databaseUrl: url,
          modelsDir: models.modelsDir,
          manifestPath: models.manifestPath,
          imageModel: CNN_MODEL_ID,
          clipModel: CLIP_MODEL_ID,
          nodeArgs: ['--import', preload],
        });
        const variantRuns = [];
        try {
          await waitForIndexBuilds(url);
          const axes = await attributeAxes(variantService.url);
          await warmIngest(variantService.url, photos, axes, 'bench-variant-warm');
          for (const inFlight of settings.ingest.inFlight) {
            const run = await ingestOverHttp(variantService.url, variantService.pid, photos, axes, {
              prefix: `bench-variant-${inFlight}`,
              batchSize: settings.ingest.batchSize,
              batches: settings.ingest.batches,
              inFlight,
            });
            variantRuns.push(run);
            log(
              `  ${run.products} products, ${inFlight} in flight: ${run.itemsPerSec.toFixed(2)} products/s, server ${run.usage.processCores.toFixed(2)} cores`,
            );
          }
        } finally {
          await variantService.stop();
        }
        results.ingest.variants.push({ name: NO_SPINNING.name, runs: variantRuns, profile: null });
        log(
          "model limit: the service's model sessions, onnxruntime run time on preprocessed tensors (service stopped)",
        );
        const limitDatabase = await openDatabase({ kind: 'server', url, poolSize: 2 });
        let limit;
        try {
          limit = await modelLimit(
            limitDatabase,
            env,
            { cnn: CNN_MODEL_ID, clip: CLIP_MODEL_ID },
            photos,
            settings.modelLimitImages,
          );
        } finally {
          await limitDatabase.close();
        }
        log(
          `  ${limit.itemsPerSec.toFixed(2)} products/s (CNN ${limit.cnnMsPerImage.toFixed(0)} ms + CLIP ${limit.clipMsPerImage.toFixed(0)} ms per image, ${limit.cores.toFixed(2)} cores)`,
        );
        log('pipeline profile: the service code in-process, timed by stage');
        const profileDatabase = openCapturingDatabase(url, 4, loadConfig(env).search);
        try {
          results.ingest.profile = await profilePipeline(profileDatabase, env, photos, {
            prefix: 'bench-profile',
            ...settings.profile,
          });
        } finally {
          await profileDatabase.close();
        }
        log(`  ${results.ingest.profile.itemsPerSec.toFixed(2)} products/s in-process`);
        const variantDatabase = openCapturingDatabase(url, 4, loadConfig(env).search);
        try {
          results.ingest.variants[0]!.profile = await profilePipeline(variantDatabase, env, photos, {
            prefix: 'bench-profile-variant',
            ...settings.profile,
            variant: NO_SPINNING,
          });
        } finally {
          await variantDatabase.close();
        }
        log(
          `  with the prototype: ${results.ingest.variants[0]!.profile.itemsPerSec.toFixed(2)} products/s in-process`,
        );
        results.ingest.modelLimit = limit;
        results.ingest.modelItemsPerSec = limit.itemsPerSec;
        results.ingest.ratio = results.ingest.pipelineItemsPerSec / limit.itemsPerSec;
        results.ingest.targetMet = results.ingest.ratio >= 0.9;
      }
      if (size >= 100_000) {
        await dropBenchDatabase(baseUrl, name);
        databases.splice(databases.indexOf(name), 1);
      }
    }

    // Embedded PGlite against the server on the same cases.
    {
      const size = settings.embeddedSize;
      const dataDir = join(temporary, 'pglite');
      log(`embedded PGlite ${sizeName(size)}: loading through the service's database module into ${dataDir}`);
      const generator = new CatalogueGenerator(size);
      const { database, timings } = await prepareEmbeddedCatalogue(
        dataDir,
        generator,
        { cnnModelId: CNN_MODEL_ID, clipModelId: CLIP_MODEL_ID },
        (done) => {
          if (done % 2000 === 0) log(`  ${done} products loaded`);
        },
      );
      results.catalogues.push({ size, database: 'embedded', timings });
      logLoad(timings);
      const info = catalogueInfo(generator);
      let cases;
      try {
        const captureDatabase = capturingView(database);
        try {
          cases = await prepareCases(captureDatabase, models, info, poolConnector(database.pool), 0);
        } finally {
          await captureDatabase.close();
        }
        // The SQL floor inside PGlite, in this process, before the service opens the same directory.
        const floors = new Map<string, Record<string, { sql: LatencySummary }>>();
        for (const item of cases.prepared) {
          const perConcurrency: Record<string, { sql: LatencySummary }> = {};
          for (const connections of settings.concurrency) {
            perConcurrency[String(connections)] = {
              sql: await sqlLoad(
                poolConnector(database.pool),
                item.samples,
                (s) => s.transaction,
                connections,
                settings.seconds,
                settings.warmup,
              ),
            };
          }
          floors.set(item.definition.id, perConcurrency);
          log(
            `  ${item.definition.id}: PGlite SQL p50 ${perConcurrency['1']!.sql.p50Ms.toFixed(2)} ms (in-process)`,
          );
        }
        await database.close();
        const service = await startService({
          port: PORT,
          dataDir,
          modelsDir: models.modelsDir,
          manifestPath: models.manifestPath,
          imageModel: CNN_MODEL_ID,
          clipModel: CLIP_MODEL_ID,
        });
        try {
          log(`  service on PGlite started in ${service.startSeconds.toFixed(1)} s`);
          for (const item of cases.prepared) {
            const concurrency: QueryCaseResult['concurrency'] = {};
            const bodies = item.samples.map((sample) => sample.body);
            for (const connections of settings.concurrency) {
              const graphql = await graphqlLoad(
                service.url,
                bodies,
                connections,
                settings.seconds,
                settings.warmup,
              );
              if (graphql.errors > 0)
                throw new Error(`${item.definition.id} on PGlite: ${graphql.errors} requests failed`);
              const floor = floors.get(item.definition.id)![String(connections)]!.sql;
              concurrency[String(connections)] = { graphql, sql: floor, sqlAll: floor };
              log(
                `  ${item.definition.id} c=${connections} on PGlite: GraphQL p50 ${graphql.p50Ms.toFixed(2)} ms (${graphql.throughputPerSec.toFixed(0)}/s)`,
              );
            }
            results.queries.push(measuredCase(item, 'embedded', size, concurrency));
          }
        } catch (error) {
          console.error(service.stderr());
          throw error;
        } finally {
          await service.stop();
        }
      } catch (error) {
        await database.close().catch(() => undefined);
        throw error;
      }
    }

    results.diversity = await runDiversityCase({
      baseUrl,
      models,
      port: PORT,
      seconds: settings.diversitySeconds,
      warmupSeconds: settings.warmup,
      command,
      log,
    });

    results.notes.push(...floorWarnings);
    results.durationSeconds = (performance.now() - runStarted) / 1000;
    await writeFile(join(PROJECT_ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(join(PROJECT_ROOT, 'BENCHMARKS.md'), renderReport(results));
    log(`wrote BENCHMARKS.md and bench/results.json (${(results.durationSeconds / 60).toFixed(1)} min)`);
  } finally {
    for (const name of databases) await dropBenchDatabase(baseUrl, name).catch(() => undefined);
    await rm(temporary, { recursive: true, force: true });
  }
}

/** `--report-only`: renders BENCHMARKS.md again from bench/results.json (after changing report.ts). */
async function reportOnly(): Promise<void> {
  const results = JSON.parse(
    await readFile(join(PROJECT_ROOT, 'bench', 'results.json'), 'utf8'),
  ) as BenchResults;
  await writeFile(join(PROJECT_ROOT, 'BENCHMARKS.md'), renderReport(results));
  log('rendered BENCHMARKS.md from bench/results.json');
}

(args.has('--report-only') ? reportOnly() : main()).catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
