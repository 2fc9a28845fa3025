// Benchmark databases: `bench_*` databases on the Postgres server (created, loaded, indexed the way
// the service indexes them, dropped at the end) and an embedded PGlite data directory.
import pg from 'pg';
import { type Database, openDatabase, searchesBinaryCandidates } from '../src/db/database.js';
import { Migrator, readMigrations } from '../src/db/migrator.js';
import { ImageSpace, type SpaceModel } from '../src/inference/ports.js';
import { EmbeddingRepository } from '../src/embeddings/embedding.repository.js';
import { MIGRATIONS_DIR } from '../src/paths.js';
import {
  CLIP_DIMENSION,
  CNN_DIMENSION,
  type CatalogueGenerator,
  loadIntoServer,
  loadThroughPool,
} from './catalogue.js';

export const BENCH_DATABASE_PREFIX = 'bench_';

/** The migrations' HNSW indexes on product (attribute vectors), dropped before a bulk load and rebuilt after it. */
interface IndexDefinition {
  readonly name: string;
  readonly sql: string;
}

async function productVectorIndexes(
  query: (sql: string) => Promise<{ rows: unknown[] }>,
): Promise<IndexDefinition[]> {
  const result = await query(
    `SELECT indexname AS name, indexdef AS sql FROM pg_indexes
      WHERE schemaname = 'public' AND tablename = 'product' AND indexdef ILIKE '%USING hnsw%' ORDER BY indexname`,
  );
  return result.rows as IndexDefinition[];
}

async function dropIndexes(
  query: (sql: string) => Promise<unknown>,
  indexes: readonly IndexDefinition[],
): Promise<void> {
  for (const index of indexes) await query(`DROP INDEX "${index.name}"`);
}

export function serverUrl(base: string, database: string, options?: Record<string, string>): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  if (options) {
    url.searchParams.set(
      'options',
      Object.entries(options)
        .map(([key, value]) => `-c ${key}=${value}`)
        .join(' '),
    );
  }
  return url.toString();
}

export async function adminQuery(baseUrl: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: serverUrl(baseUrl, 'postgres') });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function dropBenchDatabase(baseUrl: string, name: string): Promise<void> {
  if (!name.startsWith(BENCH_DATABASE_PREFIX))
    throw new Error(`refusing to drop ${name}: not a bench_ database`);
  await adminQuery(baseUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

export async function createBenchDatabase(baseUrl: string, name: string): Promise<string> {
  await dropBenchDatabase(baseUrl, name);
  await adminQuery(baseUrl, `CREATE DATABASE "${name}"`);
  const url = serverUrl(baseUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await new Migrator(pool, readMigrations(MIGRATIONS_DIR)).migrate();
  } finally {
    await pool.end();
  }
  return url;
}

export interface IndexTimings {
  loadSeconds: number;
  /** All HNSW indexes of the migrations on product.attribute_vector, by name. */
  attributeIndexSeconds: Record<string, number>;
  clipIndexSeconds: number;
  /** Null when the catalogue has no CNN (IMAGE) vectors (CatalogueGenerator's `cnn: false`). */
  cnnIndexSeconds: number | null;
  analyzeSeconds: number;
  productRows: number;
  embeddingRows: number;
  tableBytes: Record<string, number>;
}

export const spaceModels = (ids: {
  cnnModelId: string;
  clipModelId: string;
}): { cnn: SpaceModel; clip: SpaceModel } => ({
  cnn: { space: ImageSpace.IMAGE, modelId: ids.cnnModelId, dimension: CNN_DIMENSION },
  clip: { space: ImageSpace.CLIP, modelId: ids.clipModelId, dimension: CLIP_DIMENSION },
});

/** The models a catalogue has vectors of: no CNN model when the generator left that space out. */
function catalogueModels(
  ids: { cnnModelId: string; clipModelId: string },
  generator: CatalogueGenerator,
): { cnn: SpaceModel | null; clip: SpaceModel } {
  const models = spaceModels(ids);
  return { cnn: generator.withCnn ? models.cnn : null, clip: models.clip };
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await run();
  return [value, (performance.now() - started) / 1000];
}

/**
 * Builds the indexes the way the service does: the migration's attribute index, and
 * `EmbeddingRepository.ensureIndex` for each active model, then marks the models active.
 */
async function buildIndexes(
  database: Database,
  models: { cnn: SpaceModel | null; clip: SpaceModel },
  attributeIndexes: readonly IndexDefinition[],
): Promise<
  Pick<IndexTimings, 'attributeIndexSeconds' | 'clipIndexSeconds' | 'cnnIndexSeconds' | 'analyzeSeconds'>
> {
  // As services.ts: with the default VECTOR_SEARCH_BINARY_CANDIDATES, halfvec models get no cosine
  // index on the embedded database.
  const repository = new EmbeddingRepository(database.prisma, undefined, {
    halfvecCosineIndex: !searchesBinaryCandidates('auto', database.kind),
  });
  const attributeIndexSeconds: Record<string, number> = {};
  const log = (what: string): void =>
    console.log(`[bench] ${new Date().toISOString().slice(11, 19)} building ${what}`);
  for (const index of attributeIndexes) {
    log(index.name);
    [, attributeIndexSeconds[index.name]] = await timed(() => database.prisma.$executeRawUnsafe(index.sql));
  }
  log(`the ${models.clip.modelId} indexes (EmbeddingRepository.ensureIndex)`);
  const [, clipIndexSeconds] = await timed(() => repository.ensureIndex(models.clip));
  let cnnIndexSeconds: number | null = null;
  const cnn = models.cnn;
  if (cnn) {
    log(`the ${cnn.modelId} indexes (EmbeddingRepository.ensureIndex)`);
    [, cnnIndexSeconds] = await timed(() => repository.ensureIndex(cnn));
  }
  const active: Array<[string, string]> = [
    ...(cnn ? [['IMAGE', cnn.modelId] as [string, string]] : []),
    ['CLIP', models.clip.modelId],
  ];
  for (const [space, modelId] of active) {
    await database.prisma.$executeRawUnsafe(
      `INSERT INTO embedding_space (space, active_model_id, target_model_id, updated_at)
       VALUES ($1, $2, NULL, now())
       ON CONFLICT (space) DO UPDATE SET active_model_id = EXCLUDED.active_model_id, target_model_id = NULL`,
      space,
      modelId,
    );
  }
  const [, analyzeSeconds] = await timed(() => database.prisma.$executeRawUnsafe('VACUUM ANALYZE'));
  return { attributeIndexSeconds, clipIndexSeconds, cnnIndexSeconds, analyzeSeconds };
}

async function tableBytes(database: Database): Promise<Record<string, number>> {
  const rows = await database.prisma.$queryRawUnsafe<Array<{ name: string; bytes: bigint }>>(
    `SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')
        AND (c.relname IN ('product', 'product_embedding') OR c.relname LIKE '%hnsw' OR c.relname LIKE '%vector_idx')`,
  );
  return Object.fromEntries(rows.map((row) => [row.name, Number(row.bytes)]));
}

export interface BuildOptions {
  /** maintenance_work_mem of the index builds (default 2GB). */
  readonly maintenanceWorkMem?: string;
  /**
   * Which of the migrations' attribute HNSW indexes to rebuild after the load (default: all). The
   * others stay dropped: at 1M each takes many minutes, and only the cosine one serves ATTRIBUTES.
   */
  readonly attributeIndexes?: readonly string[];
}

/** Creates `bench_<name>`, loads the catalogue and builds its indexes; returns the plain URL. */
export async function prepareServerCatalogue(
  baseUrl: string,
  name: string,
  generator: CatalogueGenerator,
  ids: { cnnModelId: string; clipModelId: string },
  onProgress?: (done: number) => void,
  options: BuildOptions = {},
): Promise<{ url: string; timings: IndexTimings; leftOut: string[] }> {
  const url = await createBenchDatabase(baseUrl, name);
  let attributeIndexes: IndexDefinition[];
  {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    attributeIndexes = await productVectorIndexes((sql) => client.query(sql));
    await dropIndexes((sql) => client.query(sql), attributeIndexes);
    await client.end();
  }
  const load = await loadIntoServer(url, generator, ids, onProgress);
  // As measured on this machine: an HNSW build over 100k × 512-d takes minutes at the default
  // maintenance_work_mem and well under one with 2 GB (the graph fits in memory).
  const database = await openDatabase({
    kind: 'server',
    url: serverUrl(baseUrl, name, {
      maintenance_work_mem: options.maintenanceWorkMem ?? '2GB',
      max_parallel_maintenance_workers: '1',
    }),
    poolSize: 1,
  });
  try {
    const wanted = options.attributeIndexes;
    const rebuilt = attributeIndexes.filter((index) => !wanted || wanted.includes(index.name));
    const indexes = await buildIndexes(database, catalogueModels(ids, generator), rebuilt);
    return {
      leftOut: attributeIndexes.filter((index) => !rebuilt.includes(index)).map((index) => index.name),
      url,
      timings: {
        loadSeconds: load.generateAndCopySeconds,
        productRows: load.productRows,
        embeddingRows: load.embeddingRows,
        ...indexes,
        tableBytes: await tableBytes(database),
      },
    };
  } finally {
    await database.close();
  }
}

/** Loads the catalogue into an embedded PGlite at `dataDir` through the service's database module. */
export async function prepareEmbeddedCatalogue(
  dataDir: string,
  generator: CatalogueGenerator,
  ids: { cnnModelId: string; clipModelId: string },
  onProgress?: (done: number) => void,
): Promise<{ database: Database; timings: IndexTimings }> {
  const database = await openDatabase({ kind: 'embedded', dataDir });
  try {
    await new Migrator(database.pool, readMigrations(MIGRATIONS_DIR)).migrate();
    const attributeIndexes = await productVectorIndexes((sql) => database.pool.query(sql));
    await dropIndexes((sql) => database.pool.query(sql), attributeIndexes);
    const load = await loadThroughPool(database.pool, generator, ids, onProgress);
    // PGlite is one WebAssembly process with a bounded heap: 2 GB is not available there.
    await database.pool.query(`SET maintenance_work_mem = '512MB'`);
    const indexes = await buildIndexes(database, catalogueModels(ids, generator), attributeIndexes);
    return {
      database,
      timings: {
        loadSeconds: load.generateAndCopySeconds,
        productRows: load.productRows,
        embeddingRows: load.embeddingRows,
        ...indexes,
        tableBytes: await tableBytes(database),
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
