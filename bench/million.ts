// `npm run bench:1m` — the 1M-product benchmark of the CLIP (512-d) and attribute spaces on the
// Postgres server, written to bench/million-results.json (BENCHMARKS.md's "1M products" section,
// rendered by report.ts). `npm run bench -- --1m` also builds the 2048-d CNN space at 1M, which
// takes hours on a small machine; this leaves that space out.
//
//   npm run bench:1m                        1M products; drops bench_million at the end
//   npm run bench:1m -- --size 20000        a dry run (bench_million_20k, results in bench/.cache/)
//   npm run bench:1m -- --keep              keeps the database
//   npm run bench:1m -- --all-attribute-indexes   also rebuilds the migrations' L2, inner-product and
//                                           L1 attribute indexes (ATTRIBUTES queries use the cosine one)
//
// Needs: the Postgres server with pgvector (BENCH_DATABASE_URL, default
// postgresql://postgres@127.0.0.1:5432/postgres), `npm run build` (prebench:1m does it). The
// service listens on BENCH_PORT (default 4791).
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { CLIP_DIMENSION, CatalogueGenerator, catalogueInfo } from './catalogue.js';
import { dropBenchDatabase, prepareServerCatalogue, serverUrl } from './databases.js';
import { type LatencySummary, closedLoop, machineFacts, rssBytes, sampleUsage } from './measure.js';
import {
  MILLION_RESULTS_FILE,
  type MillionCase,
  type MillionIndex,
  type MillionLoad,
  type MillionResults,
  type PostgresMemory,
} from './million-report.js';
import { CLIP_MODEL_ID, CNN_MODEL_ID, prepareBenchModels } from './onnx-models.js';
import {
  type PreparedCase,
  type SqlConnector,
  efSearchSweep,
  graphqlLoad,
  pickSamples,
  prepareCase,
  serverConnector,
  sqlLoad,
  verifySamples,
} from './query-bench.js';
import { FLOOR_SQL, QUERY_CASES } from './query-cases.js';
import { ADMIN_KEY, ANALYST_KEY, startService } from './service-process.js';
import { inProcessApp, openCapturingDatabase, sessionVectorOptions } from './statement-capture.js';

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
const option = (name: string): string | undefined => {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
};
const SIZE = Number(option('--size') ?? 1_000_000);
const KEEP = flag('--keep');
const SECONDS = Number(option('--seconds') ?? 10);
const WARMUP = Number(option('--warmup') ?? 3);
const SAMPLES = 64;
const RECALL_SAMPLES = Number(option('--recall-samples') ?? 30);
const CONCURRENCY = [1, 16];
const EF_SWEEP = [40, 100, 200, 400];
const MAINTENANCE_WORK_MEM = '4GB';
const baseUrl = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const PORT = Number(process.env['BENCH_PORT'] ?? 4791);
const sizeName = (size: number): string =>
  size >= 1_000_000 && size % 1_000_000 === 0 ? `${size / 1_000_000}m` : `${size / 1000}k`;
const DATABASE = SIZE === 1_000_000 ? 'bench_million' : `bench_million_${sizeName(SIZE)}`;
const OUT =
  option('--out') ??
  (SIZE === 1_000_000
    ? MILLION_RESULTS_FILE
    : join(PROJECT_ROOT, 'bench', '.cache', `million-results-${sizeName(SIZE)}.json`));
/** The cases measured here: `similarProducts` in the two spaces a 1M catalogue has. */
const CASES = [
  { id: 'similar-clip', space: 'CLIP', floor: 'CLIP index' },
  { id: 'similar-attributes', space: 'ATTRIBUTES', floor: 'attributes index' },
] as const;

const started = performance.now();
const log = (message: string): void => {
  const elapsed = ((performance.now() - started) / 1000).toFixed(0).padStart(5);
  console.log(`[bench:1m ${elapsed}s] ${message}`);
};
const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

interface ProgressRow {
  index: string;
  table: string;
  phase: string;
  done: number;
  total: number;
}

/**
 * Polls pg_stat_progress_create_index each second: when each index build was first and last seen
 * (ensureIndex builds two indexes in one transaction; this splits its time), and a progress line.
 */
function watchIndexBuilds(url: string): { stop(): Promise<Map<string, { first: number; last: number }>> } {
  const seen = new Map<string, { first: number; last: number }>();
  const client = new pg.Client({ connectionString: url });
  let running = true;
  let lastLog = 0;
  const loop = (async () => {
    try {
      await client.connect();
      while (running) {
        // index_relid is 0 while a plain CREATE INDEX runs: the name comes from the statement text.
        const rows = await client.query<ProgressRow>(
          `SELECT coalesce(substring(a.query from 'INDEX (?:IF NOT EXISTS )?"?([A-Za-z0-9_]+)"? ON'), '?') AS index,
                  p.relid::regclass::text AS table, p.phase, p.blocks_done::float8 AS done, p.blocks_total::float8 AS total
             FROM pg_stat_progress_create_index p JOIN pg_stat_activity a ON a.pid = p.pid
            WHERE p.datname = current_database()`,
        );
        const now = performance.now();
        for (const row of rows.rows) {
          const entry = seen.get(row.index);
          if (entry) entry.last = now;
          else seen.set(row.index, { first: now, last: now });
          if (now - lastLog > 60_000) {
            lastLog = now;
            log(
              `  building ${row.index} on ${row.table}: ${row.phase}${row.total > 0 ? ` ${((100 * row.done) / row.total).toFixed(0)} % of the heap` : ''} (load ${loadAverage()})`,
            );
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    } catch (error) {
      log(`  (index build progress unavailable: ${String(error)})`);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end().catch(() => undefined);
      return seen;
    },
  };
}

async function relationSizes(
  url: string,
): Promise<{ indexes: Omit<MillionIndex, 'seconds'>[]; tables: MillionResults['catalogue']['tables'] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const indexes = await client.query<{ name: string; table: string; bytes: string; definition: string }>(
      `SELECT c.relname AS name, t.relname AS table, pg_relation_size(c.oid) AS bytes, pg_get_indexdef(c.oid) AS definition
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname IN ('product', 'product_embedding') ORDER BY t.relname, c.relname`,
    );
    const tables = await client.query<{ name: string; heap: string; toast: string; indexes: string }>(
      `SELECT relname AS name, pg_relation_size(oid) AS heap,
              coalesce(pg_total_relation_size(nullif(reltoastrelid, 0)), 0) AS toast, pg_indexes_size(oid) AS indexes
         FROM pg_class WHERE relname IN ('product', 'product_embedding') AND relkind = 'r'`,
    );
    return {
      indexes: indexes.rows.map((row) => ({
        name: row.name,
        table: row.table,
        bytes: Number(row.bytes),
        definition: row.definition,
      })),
      tables: Object.fromEntries(
        tables.rows.map((row) => [
          row.name,
          { heapBytes: Number(row.heap), toastBytes: Number(row.toast), indexesBytes: Number(row.indexes) },
        ]),
      ),
    };
  } finally {
    await client.end();
  }
}

/** Private (RssAnon) and resident memory of Postgres processes, from /proc. */
async function postgresMemory(url: string): Promise<PostgresMemory | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = await client.query<{ pid: number; mine: boolean }>(
      `SELECT pid, datname = current_database() AS mine FROM pg_stat_activity WHERE pid <> pg_backend_pid()`,
    );
    const shared = await client.query<{ value: string }>(`SELECT current_setting('shared_buffers') AS value`);
    const status = (pid: number): { anon: number; rss: number } | null => {
      try {
        const text = readFileSync(`/proc/${pid}/status`, 'utf8');
        const field = (name: string): number =>
          Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0) * 1024;
        return { anon: field('RssAnon'), rss: field('VmRSS') };
      } catch {
        return null;
      }
    };
    const all = rows.rows.map((row) => ({ ...row, memory: status(row.pid) }));
    if (all.every((row) => row.memory === null)) return null;
    const mine = all.filter((row) => row.mine && row.memory);
    return {
      backends: mine.length,
      backendPrivateBytes: mine.reduce((sum, row) => sum + row.memory!.anon, 0),
      backendMaxRssBytes: Math.max(0, ...mine.map((row) => row.memory!.rss)),
      clusterPrivateBytes: all.reduce((sum, row) => sum + (row.memory?.anon ?? 0), 0),
      clusterProcesses: all.filter((row) => row.memory).length,
      sharedBuffers: shared.rows[0]?.value ?? 'unknown',
    };
  } finally {
    await client.end();
  }
}

/** The service builds missing vector indexes in the background at start; measure only once none is being built. */
async function waitForIndexBuilds(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let quiet = 0;
    while (quiet < 3) {
      const building = await client.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM pg_stat_progress_create_index WHERE datname = current_database()',
      );
      quiet = (building.rows[0]?.count ?? 0) === 0 ? quiet + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  } finally {
    await client.end();
  }
}

async function floorLoad(
  connector: SqlConnector,
  item: PreparedCase,
  name: keyof typeof FLOOR_SQL,
  connections: number,
): Promise<LatencySummary> {
  const models = { cnnModelId: CNN_MODEL_ID, clipModelId: CLIP_MODEL_ID };
  const { use, close } = await connector.open(connections);
  try {
    return await closedLoop(connections, SECONDS, WARMUP, async (worker, i) => {
      const statement = FLOOR_SQL[name](item.samples[i % item.samples.length]!.productId, models);
      await use(worker, (client) => client.query(statement.text, statement.values));
    });
  } finally {
    await close();
  }
}

async function main(): Promise<void> {
  if (!Number.isInteger(SIZE) || SIZE < 1000)
    throw new Error(`--size must be an integer ≥ 1000 (got ${SIZE})`);
  const command = `npm run bench:1m${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const startedAt = new Date().toISOString();
  const loads: Record<string, string> = { start: loadAverage() };
  log(`${command}: ${SIZE.toLocaleString('en')} products into ${DATABASE}, results to ${OUT}`);
  const machine = await machineFacts(serverUrl(baseUrl, 'postgres'));
  const cores = availableParallelism();
  log(`machine: ${cores} cores, ${machine.memoryGiB} GiB, ${machine.postgres}, pgvector ${machine.pgvector}`);
  const models = await prepareBenchModels(
    join(PROJECT_ROOT, 'bench', '.cache'),
    join(PROJECT_ROOT, 'models'),
  );
  // No CNN vectors in this catalogue: the IMAGE space is off (an empty IMAGE_MODEL disables it).
  const env: Record<string, string> = {
    MODELS_DIR: models.modelsDir,
    MODELS_MANIFEST: models.manifestPath,
    IMAGE_MODEL: '',
    CLIP_MODEL: CLIP_MODEL_ID,
    ADMIN_API_KEYS: ADMIN_KEY,
    ANALYST_API_KEYS: ANALYST_KEY,
  };
  const config = loadConfig(env);

  try {
    log(
      `generating and loading ${SIZE.toLocaleString('en')} products (CLIP ${CLIP_DIMENSION}-d + attributes)`,
    );
    const generator = new CatalogueGenerator(SIZE, undefined, { cnn: false });
    let reported = 0;
    const watcher: { current: ReturnType<typeof watchIndexBuilds> | null } = { current: null };
    const { url, timings, leftOut } = await prepareServerCatalogue(
      baseUrl,
      DATABASE,
      generator,
      { cnnModelId: CNN_MODEL_ID, clipModelId: CLIP_MODEL_ID },
      (done) => {
        if (done - reported >= SIZE / 10 || done === SIZE) {
          reported = done;
          log(`  ${done.toLocaleString('en')} products loaded (load ${loadAverage()})`);
        }
        if (done === SIZE) {
          log('building the indexes');
          watcher.current = watchIndexBuilds(serverUrl(baseUrl, DATABASE));
        }
      },
      {
        maintenanceWorkMem: MAINTENANCE_WORK_MEM,
        ...(flag('--all-attribute-indexes') ? {} : { attributeIndexes: ['product_attribute_vector_idx'] }),
      },
    );
    const seen = watcher.current
      ? await watcher.current.stop()
      : new Map<string, { first: number; last: number }>();
    loads['after builds'] = loadAverage();
    log(
      `loaded in ${timings.loadSeconds.toFixed(1)} s; attribute HNSW ${Object.values(
        timings.attributeIndexSeconds,
      )
        .map((s) => s.toFixed(1))
        .join(
          ' + ',
        )} s; CLIP ensureIndex ${timings.clipIndexSeconds.toFixed(1)} s; VACUUM ANALYZE ${timings.analyzeSeconds.toFixed(1)} s`,
    );
    const sizes = await relationSizes(url);
    const indexes: MillionIndex[] = sizes.indexes.map((index) => {
      const measured = timings.attributeIndexSeconds[index.name];
      const watched = seen.get(index.name);
      return {
        ...index,
        seconds: measured ?? (watched ? Math.round(watched.last - watched.first) / 1000 : null),
      };
    });
    for (const index of indexes)
      log(
        `  ${index.name}: ${index.seconds === null ? '—' : `${index.seconds.toFixed(1)} s`}, ${(index.bytes / 2 ** 20).toFixed(0)} MiB`,
      );

    log('capturing the service SQL and exact answers in-process');
    const info = catalogueInfo(generator);
    const captureDatabase = openCapturingDatabase(url, 4, config.search);
    const prepared: Array<{
      item: PreparedCase;
      space: 'CLIP' | 'ATTRIBUTES';
      floor: keyof typeof FLOOR_SQL;
    }> = [];
    let sessionOptions: string;
    let connector: SqlConnector;
    try {
      sessionOptions = await sessionVectorOptions(captureDatabase.pool);
      connector = serverConnector(url, sessionOptions);
      const app = await inProcessApp(captureDatabase, env);
      const { use, close } = await connector.open(1);
      try {
        const samples = pickSamples(info, SAMPLES, SIZE);
        for (const entry of CASES) {
          const definition = QUERY_CASES.find((candidate) => candidate.id === entry.id)!;
          const caseStarted = performance.now();
          const item = await prepareCase(
            app,
            definition,
            samples,
            RECALL_SAMPLES,
            (work) => use(0, work),
            { cnnModelId: CNN_MODEL_ID, clipModelId: CLIP_MODEL_ID },
            // The repository's exact path scores every product through the service's pool, whose
            // statement timeout (DB_STATEMENT_TIMEOUT_MS, 15 s) a 1M scan exceeds: the bench's exact
            // SQL is checked against it on the smaller catalogues (here and in `npm run bench`).
            SIZE > 100_000 ? 0 : 1,
          );
          log(
            `  ${entry.id}: recall@10 ${item.recallAt10.toFixed(3)} (worst ${item.recallAt10Min.toFixed(2)}, ${item.recallSamples} queries), ` +
              `exact SQL ${item.exactMs.toFixed(0)} ms, repository exact path ${item.repositoryExactMs?.toFixed(0) ?? '—'} ms ` +
              `(${((performance.now() - caseStarted) / 1000).toFixed(0)} s)`,
          );
          prepared.push({ item, space: entry.space, floor: entry.floor });
        }
      } finally {
        await close();
        await app.close();
      }
    } finally {
      await captureDatabase.close();
    }

    const service = await startService({
      port: PORT,
      databaseUrl: url,
      modelsDir: models.modelsDir,
      manifestPath: models.manifestPath,
      imageModel: '',
      clipModel: CLIP_MODEL_ID,
    });
    log(
      `service started in ${service.startSeconds.toFixed(1)} s, RSS ${(service.startRssBytes / 2 ** 20).toFixed(0)} MiB`,
    );
    await waitForIndexBuilds(url);
    let peakRss = service.startRssBytes;
    const cases: MillionCase[] = [];
    try {
      for (const { item, space, floor } of prepared) {
        const { use, close } = await connector.open(1);
        let verified: number;
        let sweep = null;
        try {
          verified = await use(0, (client) => verifySamples(service.url, item, client, 10));
          if (item.recallAt10 < 0.999)
            sweep = await use(0, (client) => efSearchSweep(client, item, EF_SWEEP));
        } finally {
          await close();
        }
        if (sweep)
          log(
            `  ${item.definition.id} ef_search sweep: ${sweep.map((p) => `${p.efSearch} → ${p.recallAt10.toFixed(3)} @ ${p.p50Ms.toFixed(1)} ms`).join(', ')}`,
          );
        const bodies = item.samples.map((sample) => sample.body);
        const measured: MillionLoad[] = [];
        for (const connections of CONCURRENCY) {
          const sampler = sampleUsage(service.pid);
          const graphql = await graphqlLoad(service.url, bodies, connections, SECONDS, WARMUP);
          const usage = sampler.stop();
          if (graphql.errors > 0)
            throw new Error(`${item.definition.id}: ${graphql.errors} GraphQL requests failed under load`);
          const postgres = connections > 1 ? await postgresMemory(url) : null;
          peakRss = Math.max(peakRss, usage.peakRssBytes);
          const average = loadAverage();
          const sql = await sqlLoad(
            connector,
            item.samples,
            (s) => s.transaction,
            connections,
            SECONDS,
            WARMUP,
          );
          const floorSummary = await floorLoad(connector, item, floor, connections);
          measured.push({
            connections,
            graphql,
            sql,
            floor: floorSummary,
            graphqlPerCore: Math.round((graphql.throughputPerSec / cores) * 10) / 10,
            serviceCores: Math.round(usage.processCores * 100) / 100,
            machineCores: Math.round(usage.machineCores * 100) / 100,
            servicePeakRssBytes: usage.peakRssBytes,
            postgres,
            loadAverage: average,
          });
          log(
            `  ${item.definition.id} c=${connections}: GraphQL p50/p95/p99 ${graphql.p50Ms.toFixed(2)}/${graphql.p95Ms.toFixed(2)}/${graphql.p99Ms.toFixed(2)} ms, ` +
              `${graphql.throughputPerSec.toFixed(0)} req/s; SQL p50 ${sql.p50Ms.toFixed(2)} ms ${sql.throughputPerSec.toFixed(0)}/s; ` +
              `floor p50 ${floorSummary.p50Ms.toFixed(2)} ms ${floorSummary.throughputPerSec.toFixed(0)}/s (load ${average})`,
          );
        }
        cases.push({
          case: item.definition.id,
          title: item.definition.title,
          space,
          recallAt10: item.recallAt10,
          recallAt10Min: item.recallAt10Min,
          recallSamples: item.recallSamples,
          exactSqlMs: item.exactMs,
          repositoryExactMs: item.repositoryExactMs,
          returnedKMin: item.returnedKMin,
          verifiedSamples: verified,
          efSearchSweep: sweep,
          plan: item.plan,
          loads: measured,
        });
      }
      peakRss = Math.max(peakRss, rssBytes(service.pid)?.peak ?? 0);
    } catch (error) {
      console.error(service.stderr());
      throw error;
    } finally {
      await service.stop();
    }
    loads['end'] = loadAverage();

    const results: MillionResults = {
      command,
      startedAt,
      finishedAt: new Date().toISOString(),
      durationSeconds: Math.round((performance.now() - started) / 1000),
      machine,
      cores,
      loadAverage: loads,
      catalogue: {
        products: timings.productRows,
        embeddings: timings.embeddingRows,
        clipDimension: CLIP_DIMENSION,
        spaces: ['CLIP', 'ATTRIBUTES'],
        loadSeconds: timings.loadSeconds,
        analyzeSeconds: timings.analyzeSeconds,
        maintenanceWorkMem: MAINTENANCE_WORK_MEM,
        maxParallelMaintenanceWorkers: 1,
        hnsw: config.index,
        attributeIndexSeconds: timings.attributeIndexSeconds,
        attributeIndexesLeftOut: leftOut,
        clipEnsureIndexSeconds: timings.clipIndexSeconds,
        indexes,
        tables: sizes.tables,
      },
      efSearch: config.search.efSearch,
      sessionOptions,
      service: {
        startSeconds: service.startSeconds,
        startRssBytes: service.startRssBytes,
        peakRssBytes: peakRss,
      },
      loadSeconds: SECONDS,
      warmupSeconds: WARMUP,
      samples: SAMPLES,
      cases,
    };
    await mkdir(dirname(OUT), { recursive: true });
    await writeFile(OUT, `${JSON.stringify(results, null, 2)}\n`);
    log(`wrote ${OUT} (${(results.durationSeconds / 60).toFixed(1)} min)`);
  } finally {
    if (!KEEP) await dropBenchDatabase(baseUrl, DATABASE).catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
