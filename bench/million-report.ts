// The "1M products" section of BENCHMARKS.md and its rows of the Targets table, from the last
// `npm run bench:1m` (bench/million-results.json): load, index builds and sizes, latency and
// throughput over HTTP and as raw SQL, recall@10, memory, beside the published anchors.
// Missing on a machine that has not run it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/paths.js';
import { type LatencySummary, type MachineFacts } from './measure.js';
import { type EfSearchPoint } from './query-bench.js';

export const MILLION_RESULTS_FILE = join(PROJECT_ROOT, 'bench', 'million-results.json');

/** Memory of Postgres processes, from /proc (private = RssAnon, shared = RssShmem). */
export interface PostgresMemory {
  readonly backends: number;
  readonly backendPrivateBytes: number;
  readonly backendMaxRssBytes: number;
  readonly clusterPrivateBytes: number;
  readonly clusterProcesses: number;
  readonly sharedBuffers: string;
}

export interface MillionLoad {
  readonly connections: number;
  readonly graphql: LatencySummary;
  /** The statements the service sent for the vector query, replayed through `pg` (same session settings). */
  readonly sql: LatencySummary;
  /** The hand-written best SQL for the same answer (query-cases.ts FLOOR_SQL). */
  readonly floor: LatencySummary;
  readonly graphqlPerCore: number;
  readonly serviceCores: number;
  readonly machineCores: number;
  readonly servicePeakRssBytes: number;
  readonly postgres: PostgresMemory | null;
  readonly loadAverage: string;
}

export interface MillionCase {
  readonly case: string;
  readonly title: string;
  readonly space: 'CLIP' | 'ATTRIBUTES';
  readonly recallAt10: number;
  readonly recallAt10Min: number;
  readonly recallSamples: number;
  readonly exactSqlMs: number;
  readonly repositoryExactMs: number | null;
  readonly returnedKMin: number;
  readonly verifiedSamples: number;
  readonly efSearchSweep: EfSearchPoint[] | null;
  readonly plan: string;
  readonly loads: MillionLoad[];
}

export interface MillionIndex {
  readonly name: string;
  readonly table: string;
  readonly seconds: number | null;
  readonly bytes: number;
  readonly definition: string;
}

export interface MillionResults {
  readonly command: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  readonly machine: MachineFacts;
  readonly cores: number;
  readonly loadAverage: Record<string, string>;
  readonly catalogue: {
    readonly products: number;
    readonly embeddings: number;
    readonly clipDimension: number;
    readonly spaces: string[];
    readonly loadSeconds: number;
    readonly analyzeSeconds: number;
    readonly maintenanceWorkMem: string;
    readonly maxParallelMaintenanceWorkers: number;
    readonly hnsw: { readonly m: number; readonly efConstruction: number };
    readonly attributeIndexSeconds: Record<string, number>;
    /** The migrations' attribute indexes not rebuilt after the load (not used by the cosine ATTRIBUTES queries). */
    readonly attributeIndexesLeftOut: string[];
    readonly clipEnsureIndexSeconds: number;
    readonly indexes: MillionIndex[];
    readonly tables: Record<string, { heapBytes: number; toastBytes: number; indexesBytes: number }>;
  };
  readonly efSearch: number;
  readonly sessionOptions: string;
  readonly service: {
    readonly startSeconds: number;
    readonly startRssBytes: number;
    readonly peakRssBytes: number;
  };
  readonly loadSeconds: number;
  readonly warmupSeconds: number;
  readonly samples: number;
  readonly cases: MillionCase[];
}

export function readMillionResults(): MillionResults | null {
  if (!existsSync(MILLION_RESULTS_FILE)) return null;
  return JSON.parse(readFileSync(MILLION_RESULTS_FILE, 'utf8')) as MillionResults;
}

/** Published anchors: what they measured, on what, and QPS per core where the hardware is stated. */
const ANCHORS = [
  {
    who: 'pgvector on Supabase',
    what: '1M × 384-d (HNSW), accuracy 0.99',
    qps: 1650,
    hardware: '64 GB, 16-core ARM (Supabase 4XL)',
    cores: 16,
  },
  {
    who: 'Weaviate',
    what: '1M × 1536-d (HNSW), recall 0.97',
    qps: 5639,
    hardware: '16 vCPU',
    cores: 16,
  },
] as const;

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const size = (bytes: number): string =>
  bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : mib(bytes);
const f = (value: number, digits = 1): string => value.toFixed(digits);
const met = (ok: boolean): string => (ok ? 'met' : '**missed**');
const RECALL_TARGET = 0.95;

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`]
    .concat(rows.map((row) => `| ${row.join(' | ')} |`))
    .join('\n');
}

/** [target, measured, met] rows for the Targets table. */
export function millionTargetRows(): string[][] {
  const results = readMillionResults();
  if (!results) return [];
  const rows: string[][] = [];
  const scale = `${(results.catalogue.products / 1e6).toFixed(results.catalogue.products % 1e6 ? 2 : 0)}M`;
  for (const item of results.cases) {
    rows.push([
      `${scale} products, \`similarProducts\` ${item.space}: recall@10 ≥ ${RECALL_TARGET} (mean; worst query shown)`,
      `${f(item.recallAt10, 3)} (worst ${f(item.recallAt10Min, 2)}, ${item.recallSamples} queries)`,
      met(item.recallAt10 >= RECALL_TARGET),
    ]);
    const one = item.loads.find((load) => load.connections === 1);
    const many = item.loads.find((load) => load.connections > 1);
    if (one) {
      rows.push([
        `${scale} products, \`similarProducts\` ${item.space} over HTTP: p50 ≤ 1.5 × SQL p50 + 1 ms (c=1)`,
        `${f(one.graphql.p50Ms, 2)} vs ${f(one.sql.p50Ms, 2)} ms SQL (p99 ${f(one.graphql.p99Ms)} ms${many ? `; c=${many.connections}: ${f(many.graphql.throughputPerSec, 0)} req/s, p99 ${f(many.graphql.p99Ms)} ms` : ''})`,
        met(one.graphql.p50Ms <= 1.5 * one.sql.p50Ms + 1),
      ]);
    }
  }
  return rows;
}

export function renderMillionSection(): string | null {
  const results = readMillionResults();
  if (!results) return null;
  const c = results.catalogue;
  const vectorIndexes = c.indexes.filter((index) => /USING hnsw/i.test(index.definition));
  const others = c.indexes.filter((index) => !vectorIndexes.includes(index));
  const builds = table(
    ['HNSW index', 'on', 'build s', 'size'],
    [
      ...vectorIndexes.map((index) => [
        `\`${index.name}\``,
        index.table,
        index.seconds === null ? '—' : f(index.seconds),
        size(index.bytes),
      ]),
      [
        `${others.length} B-tree/GIN indexes (built during the load)`,
        'both',
        '—',
        size(others.reduce((sum, index) => sum + index.bytes, 0)),
      ],
    ],
  );
  const tables = table(
    ['table', 'heap', 'TOAST', 'all its indexes'],
    Object.entries(c.tables).map(([name, t]) => [
      name,
      size(t.heapBytes),
      size(t.toastBytes),
      size(t.indexesBytes),
    ]),
  );
  const loadRows = results.cases.flatMap((item) =>
    item.loads.map((load) => [
      `${item.space}`,
      String(load.connections),
      `${f(load.graphql.p50Ms, 2)} / ${f(load.graphql.p95Ms, 2)} / ${f(load.graphql.p99Ms, 2)}`,
      f(load.graphql.throughputPerSec, 0),
      f(load.graphqlPerCore, 0),
      `${f(load.sql.p50Ms, 2)} / ${f(load.sql.p99Ms, 2)}`,
      f(load.sql.throughputPerSec, 0),
      `${f(load.floor.p50Ms, 2)} / ${f(load.floor.p99Ms, 2)}`,
      f(load.floor.throughputPerSec, 0),
      `${f(load.serviceCores, 2)} / ${f(load.machineCores, 2)}`,
      load.loadAverage,
    ]),
  );
  const recallRows = results.cases.map((item) => [
    item.space,
    f(item.recallAt10, 3),
    f(item.recallAt10Min, 2),
    String(item.recallSamples),
    String(item.returnedKMin),
    f(item.exactSqlMs, 0),
    item.efSearchSweep
      ? item.efSearchSweep
          .filter((point) => point.candidates === undefined)
          .map((point) => `${point.efSearch}: ${f(point.recallAt10, 3)} @ ${f(point.p50Ms, 1)} ms`)
          .join('; ')
      : '— (recall ≥ 0.999)',
  ]);
  const clip = results.cases.find((item) => item.space === 'CLIP');
  const best = clip ? Math.max(...clip.loads.map((load) => load.graphql.throughputPerSec)) : null;
  const bestSql = clip ? Math.max(...clip.loads.map((load) => load.sql.throughputPerSec)) : null;
  const anchorRows = [
    ...(clip && best !== null && bestSql !== null
      ? [
          [
            'this service, `similarProducts` CLIP over HTTP',
            `${c.products.toLocaleString('en')} × ${c.clipDimension}-d, recall@10 ${f(clip.recallAt10, 3)}`,
            f(best, 0),
            `${results.cores} cores (shared)`,
            f(best / results.cores, 0),
          ],
          [
            'the same query as raw SQL through `pg`',
            `${c.products.toLocaleString('en')} × ${c.clipDimension}-d, same recall`,
            f(bestSql, 0),
            `${results.cores} cores (shared)`,
            f(bestSql / results.cores, 0),
          ],
        ]
      : []),
    ...ANCHORS.map((anchor) => [
      anchor.who,
      anchor.what,
      String(anchor.qps),
      anchor.hardware,
      f(anchor.qps / anchor.cores, 0),
    ]),
  ];
  const postgres = results.cases.flatMap((item) => item.loads).find((load) => load.postgres)?.postgres;
  const load = results.loadAverage;
  const scale =
    c.products >= 1e6 ? `${f(c.products / 1e6, c.products % 1e6 ? 1 : 0)}M` : `${c.products / 1000}k`;
  return `## ${scale} products: CLIP and attribute spaces on the Postgres server

From \`${results.command}\` on ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC (${(results.durationSeconds / 60).toFixed(0)} min; raw numbers in
[\`bench/million-results.json\`](bench/million-results.json)). ${c.products.toLocaleString('en')} synthetic products with clustered
${c.clipDimension}-d CLIP vectors and 3-d attribute vectors (bench/catalogue.ts; no 2048-d CNN space: \`npm run bench -- --1m\`
does that one too, and takes hours here). Indexes built as the service builds them (the migrations' attribute HNSW
indexes; \`EmbeddingRepository.ensureIndex\` for the CLIP model: HNSW m = ${c.hnsw.m}, ef_construction = ${c.hnsw.efConstruction})
with \`maintenance_work_mem = ${c.maintenanceWorkMem}\` and \`max_parallel_maintenance_workers = ${c.maxParallelMaintenanceWorkers}\`. Queries run with the
service's session settings (\`${results.sessionOptions || 'defaults'}\`; ef_search ${results.efSearch}), ${results.samples} distinct sample
products, ${results.loadSeconds} s per measurement after ${results.warmupSeconds} s of warm-up. The machine (${results.cores} cores,
${results.machine.memoryGiB} GiB, ${results.machine.postgres}, pgvector ${results.machine.pgvector}) was shared with other benchmark sessions:
load average ${Object.entries(load)
    .map(([when, value]) => `${value} (${when})`)
    .join(', ')}.

**Load and builds.** Generate + binary \`COPY\`: ${f(c.loadSeconds)} s (${c.products.toLocaleString('en')} products,
${c.embeddings.toLocaleString('en')} embeddings); \`ensureIndex\` for CLIP (both indexes): ${f(c.clipEnsureIndexSeconds)} s;
\`VACUUM ANALYZE\`: ${f(c.analyzeSeconds)} s. Per-index build times of the two CLIP indexes (one \`ensureIndex\` transaction) are
from \`pg_stat_progress_create_index\`, polled each second; sizes are \`pg_relation_size\`.${
    c.attributeIndexesLeftOut.length
      ? ` Not rebuilt after the load (each takes many minutes at this size, and the cosine ATTRIBUTES queries do not use
them; \`--all-attribute-indexes\` builds them): ${c.attributeIndexesLeftOut.map((name) => `\`${name}\``).join(', ')}.`
      : ''
  }

${builds}

${tables}

**Recall@10** against the exact answer (every product scored), ${clip?.recallSamples ?? 0} queries per space; the sweep replays
the captured SQL with other \`hnsw.ef_search\` values:

${table(['space', 'recall@10 mean', 'worst query', 'queries', 'fewest results', 'exact scan ms', 'ef_search sweep (recall @ p50)'], recallRows)}

**Latency and throughput** (ms; GraphQL over HTTP to the service in its own process, autocannon closed loop; SQL =
the service's captured statements replayed through \`pg\`; floor = the hand-written best SQL; per core = req/s ÷ ${results.cores}, though the
load generator and the other sessions' benchmarks ran on the same cores):

${table(['space', 'c', 'GraphQL p50 / p95 / p99', 'req/s', 'req/s per core', 'SQL p50 / p99', 'SQL q/s', 'floor p50 / p99', 'floor q/s', 'service / machine cores busy', 'load avg'], loadRows)}

**Memory.** Service RSS ${mib(results.service.startRssBytes)} after start, peak ${mib(results.service.peakRssBytes)} under load.${
    postgres
      ? ` Postgres under the c=16 load: ${postgres.backends} backends of this database, ${mib(postgres.backendPrivateBytes)} private memory in all (largest backend RSS ${mib(postgres.backendMaxRssBytes)}, shared buffers included); the whole cluster ${postgres.clusterProcesses} processes, ${mib(postgres.clusterPrivateBytes)} private, plus shared_buffers ${postgres.sharedBuffers}. The indexes are read through the OS page cache (they are larger than shared_buffers).`
      : ''
  }

**Against the published anchors** (their QPS on their hardware; per core = QPS ÷ cores; different vectors, dimensions,
recall and machines, so only the order of magnitude compares):

${table(['system', 'data', 'QPS', 'hardware', 'QPS per core'], anchorRows)}`;
}
