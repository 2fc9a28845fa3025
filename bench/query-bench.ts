// Runs the query cases: captures each sample's SQL and exact answer in-process, then measures
// GraphQL over HTTP (autocannon, the service in its own process) against the same SQL through `pg`.
import autocannon from 'autocannon';
import pg from 'pg';
import { seededRandom } from '../test/support/onnx-fixtures.js';
import { type CatalogueInfo } from './catalogue.js';
import { type LatencySummary, closedLoop, queryConfig, runStatements, summarise } from './measure.js';
import { type CaseModels, type QueryCase, type Scored, recallAtK } from './query-cases.js';
import {
  type CapturedStatement,
  type InProcessApp,
  capture,
  isHnswSetting,
  isVectorQuery,
  vectorUnits,
} from './statement-capture.js';

export interface Statement {
  readonly text: string;
  readonly values: unknown[];
  /** Replayed under this name, as the service sent it (a named, prepared statement). */
  readonly name?: string;
  /**
   * Sent while the statement before it was still running, on another connection: the parts of a
   * recommendation split over several connections (VECTOR_SEARCH_PARALLEL_SCANS), replayed so too.
   */
  readonly alongside?: boolean;
}

export interface PreparedSample {
  readonly productId: string;
  readonly body: string;
  readonly results: Scored[];
  /** The vector query statements the repository ran (with their transaction, if any): the SQL floor. */
  readonly transaction: Statement[];
  /** Every statement the service sent for the request, in order. */
  readonly all: Statement[];
}

export interface PreparedCase {
  readonly definition: QueryCase;
  readonly samples: PreparedSample[];
  readonly recallAt10: number;
  readonly recallAt10Min: number;
  readonly recallSamples: number;
  /** The exact answers of the first `recallSamples` samples. */
  readonly exact: Scored[][];
  /** Mean time of the bench's exact SQL, and of the repository's exact path (its fallback when a filtered scan comes back short). */
  readonly exactMs: number;
  readonly repositoryExactMs: number | null;
  readonly returnedKMin: number;
  readonly statementsPerRequest: number;
  readonly transactionStatements: number;
  /** In-process: time the service spent in SQL per request, by statement kind (mean ms). */
  readonly sqlBreakdownMs: Record<string, number>;
  readonly plan: string;
}

export interface LoadResult {
  readonly graphql: LatencySummary | null;
  readonly sql: LatencySummary;
  readonly sqlAll: LatencySummary;
}

const toStatement = (
  statement: CapturedStatement,
  index: number,
  list: readonly CapturedStatement[],
): Statement => {
  const before = list[index - 1];
  const alongside =
    before !== undefined &&
    before.connection !== statement.connection &&
    statement.started < before.started + before.ms;
  return {
    text: statement.text,
    values: statement.values,
    ...(statement.name ? { name: statement.name } : {}),
    ...(alongside ? { alongside } : {}),
  };
};

function kindOf(statement: Statement): string {
  const normalised = statement.text.trim().replace(/\s+/g, ' ');
  if (/^(BEGIN|COMMIT|ROLLBACK)$/i.test(normalised)) return normalised.toUpperCase();
  if (isHnswSetting(statement)) return 'set_config';
  if (/^SELECT .*FROM "public"\."product"/i.test(normalised)) return 'product lookup (Prisma)';
  if (/product_embedding/.test(normalised) && /EXISTS/i.test(normalised) && !/ORDER BY/i.test(normalised))
    return 'embedding/space lookups';
  if (isVectorQuery(normalised)) return 'vector query';
  return 'other';
}

/** Picks `count` distinct sample products, seeded. */
export function pickSamples(info: CatalogueInfo, count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const chosen = new Set<string>();
  while (chosen.size < Math.min(count, info.ids.length))
    chosen.add(info.ids[Math.floor(random() * info.ids.length)]!);
  return [...chosen];
}

async function explain(
  client: pg.Client | pg.PoolClient,
  transaction: readonly Statement[],
): Promise<string> {
  const vector = transaction.find((s) => kindOf(s) === 'vector query');
  if (!vector) return '(no vector statement)';
  const before = transaction.filter(isHnswSetting);
  if (before.length === 0) {
    const result = await client.query<{ 'QUERY PLAN': string }>({
      text: `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${vector.text}`,
      values: vector.values,
    });
    return result.rows.map((row) => row['QUERY PLAN']).join('\n');
  }
  await client.query('BEGIN');
  try {
    for (const statement of before) await client.query(queryConfig(statement));
    const result = await client.query<{ 'QUERY PLAN': string }>({
      text: `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${vector.text}`,
      values: vector.values,
    });
    return result.rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    await client.query('ROLLBACK');
  }
}

/**
 * Runs each sample in-process, capturing its statements; the first `recallSamples` also get the
 * repository's exact answer for recall@10.
 */
export async function prepareCase(
  inProcess: InProcessApp,
  definition: QueryCase,
  productIds: readonly string[],
  recallSamples: number,
  explainWith: <T>(work: (client: pg.Client | pg.PoolClient) => Promise<T>) => Promise<T>,
  models: CaseModels,
  crossChecks: number,
): Promise<PreparedCase> {
  const samples: PreparedSample[] = [];
  const breakdown = new Map<string, number>();
  // Warm the service's caches (active models, attribute axes) before capturing.
  await inProcess.execute(definition.query, definition.variables(productIds[0]!));
  for (const productId of productIds) {
    const variables = definition.variables(productId);
    const { value, statements } = await capture(() => inProcess.execute(definition.query, variables));
    const transaction = vectorUnits(statements);
    if (transaction.length === 0)
      throw new Error(`${definition.id}: the service ran no vector query for ${productId}`);
    for (const statement of statements) {
      const kind = kindOf(statement);
      breakdown.set(kind, (breakdown.get(kind) ?? 0) + statement.ms);
    }
    samples.push({
      productId,
      body: JSON.stringify({ query: definition.query, variables }),
      results: definition.results(value),
      transaction: transaction.map(toStatement),
      all: statements.map(toStatement),
    });
  }
  const recallQueue = samples.slice(0, recallSamples);
  const exactOf = (sample: PreparedSample): Promise<Scored[]> =>
    explainWith(async (client) => {
      const statement = definition.exactSql(sample.productId, models);
      const result = await client.query(queryConfig(statement));
      return (result.rows as Array<{ id: string; score: number }>).map((row) => ({
        id: row.id,
        score: Number(row.score),
      }));
    });
  const exact: Scored[][] = [];
  let exactMs = 0;
  for (const sample of recallQueue) {
    const started = performance.now();
    exact.push(await exactOf(sample));
    exactMs += performance.now() - started;
  }
  // The hand-written exact SQL must agree with the repository's own exact path.
  let repositoryExactMs = 0;
  for (const [index, sample] of recallQueue.slice(0, crossChecks).entries()) {
    const started = performance.now();
    const answer = await inProcess.executeExact(definition.query, definition.variables(sample.productId));
    repositoryExactMs += performance.now() - started;
    const agreement = recallAtK(exact[index]!, definition.results(answer), definition.k);
    if (agreement < 1) {
      throw new Error(
        `${definition.id}: the bench's exact SQL and the repository's exact path disagree for ${sample.productId} (overlap ${agreement})`,
      );
    }
  }
  const recalls = recallQueue.map((sample, index) => recallAtK(sample.results, exact[index]!, definition.k));
  const plan = await explainWith((client) => explain(client, samples[0]!.transaction));
  return {
    definition,
    samples,
    recallAt10: recalls.reduce((a, b) => a + b, 0) / Math.max(1, recalls.length),
    recallAt10Min: recalls.length ? Math.min(...recalls) : Number.NaN,
    recallSamples: recalls.length,
    exact,
    exactMs: exactMs / Math.max(1, recallQueue.length),
    repositoryExactMs: crossChecks > 0 ? repositoryExactMs / Math.min(crossChecks, recallQueue.length) : null,
    returnedKMin: Math.min(...samples.map((sample) => sample.results.length)),
    statementsPerRequest: samples.reduce((a, s) => a + s.all.length, 0) / samples.length,
    transactionStatements: samples[0]!.transaction.length,
    sqlBreakdownMs: Object.fromEntries(
      [...breakdown].map(([kind, ms]) => [kind, Math.round((ms / samples.length) * 1000) / 1000]),
    ),
    plan,
  };
}

/** The SQL floor's answer for a sample: ids in order (and categories, to check filters). */
async function sqlAnswer(
  client: pg.Client | pg.PoolClient,
  sample: PreparedSample,
): Promise<Array<{ id: string; category: string }>> {
  const rows = await runStatements(client, sample.transaction);
  return rows.map((row) => ({ id: String(row['id']), category: String(row['category']) }));
}

/**
 * Fails loudly unless GraphQL over HTTP and the captured SQL through `pg` return the same products
 * in the same order (and, for a filtered case, only products that pass the filter).
 */
export async function verifySamples(
  url: string,
  prepared: PreparedCase,
  client: pg.Client | pg.PoolClient,
  count: number,
): Promise<number> {
  const samples = prepared.samples.slice(0, count);
  for (const sample of samples) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: sample.body,
    });
    const body = (await response.json()) as { data?: unknown; errors?: unknown };
    if (!body.data || body.errors)
      throw new Error(`${prepared.definition.id}: GraphQL error ${JSON.stringify(body.errors)}`);
    const graphqlIds = prepared.definition.results(body.data).map((entry) => entry.id);
    const sql = await sqlAnswer(client, sample);
    const sqlIds = sql.map((row) => row.id);
    if (graphqlIds.join(',') !== sqlIds.join(',')) {
      throw new Error(
        `${prepared.definition.id}: GraphQL and SQL disagree for product ${sample.productId}:\n  GraphQL ${graphqlIds.join(', ')}\n  SQL     ${sqlIds.join(', ')}`,
      );
    }
    const category = prepared.definition.filterCategory;
    if (category && sql.some((row) => row.category !== category)) {
      throw new Error(`${prepared.definition.id}: a result does not pass the filter (category ${category})`);
    }
  }
  return samples.length;
}

/** GraphQL over HTTP with autocannon: a closed loop of `connections`, bodies cycling through the samples. */
export async function graphqlLoad(
  url: string,
  bodies: readonly string[],
  connections: number,
  seconds: number,
  warmupSeconds: number,
  headers: Record<string, string> = {},
): Promise<LatencySummary> {
  const run = async (
    duration: number,
    amount?: number,
  ): Promise<{ latencies: number[]; errors: number; seconds: number }> => {
    let next = 0;
    const latencies: number[] = [];
    const instance = autocannon({
      url,
      connections,
      pipelining: 1,
      ...(amount ? { amount } : { duration }),
      timeout: 60,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length]! }),
        },
      ],
      verifyBody: (body) => !body.includes('"errors"'),
    });
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
    });
    const started = performance.now();
    const result = await instance;
    return {
      latencies,
      errors: result.errors + result.timeouts + result.mismatches + result.non2xx,
      seconds: (performance.now() - started) / 1000,
    };
  };
  if (warmupSeconds > 0) await run(warmupSeconds);
  let measured = await run(seconds);
  // Slow requests under many connections (PGlite serialises them) may not finish inside the
  // window; then measure a fixed number of requests instead, so every connection completes some.
  if (measured.latencies.length < connections * 2) measured = await run(0, connections * 3);
  return summarise(measured.latencies, measured.seconds, measured.errors);
}

type Client = pg.Client | pg.PoolClient;
/** Runs `work` on the worker's connection, with its `side` connections for statements sent alongside. */
type ClientUser = <T>(
  worker: number,
  work: (client: Client, side: readonly Client[]) => Promise<T>,
) => Promise<T>;

export interface SqlConnector {
  /** `side`: connections per worker beyond its own, for statements replayed side by side. */
  open(concurrency: number, side?: number): Promise<{ use: ClientUser; close: () => Promise<void> }>;
}

/** The captured statements replayed through `pg` by `concurrency` workers in a closed loop. */
export async function sqlLoad(
  connector: SqlConnector,
  samples: readonly PreparedSample[],
  pick: (sample: PreparedSample) => readonly Statement[],
  concurrency: number,
  seconds: number,
  warmupSeconds: number,
): Promise<LatencySummary> {
  // The widest group of statements the service sent side by side, less the worker's own connection.
  const side = Math.max(
    0,
    ...samples.map((sample) => {
      let widest = 0;
      let width = 0;
      for (const statement of pick(sample)) {
        width = statement.alongside ? width + 1 : 1;
        widest = Math.max(widest, width);
      }
      return widest - 1;
    }),
  );
  const { use, close } = await connector.open(concurrency, side);
  try {
    return await closedLoop(concurrency, seconds, warmupSeconds, async (worker, iteration) => {
      await use(worker, (client, extra) =>
        runStatements(client, pick(samples[iteration % samples.length]!), extra),
      );
    });
  } finally {
    await close();
  }
}

/**
 * One `pg.Client` per worker on the server, as a connection pool of that size would give, with the
 * session options the service's own pool sets (`options`, e.g. `-c hnsw.ef_search=100`).
 */
export const serverConnector = (url: string, options = ''): SqlConnector => ({
  async open(concurrency, side = 0) {
    const clients = await Promise.all(
      Array.from({ length: concurrency * (1 + side) }, async () => {
        const client = new pg.Client({ connectionString: url, ...(options ? { options } : {}) });
        await client.connect();
        return client;
      }),
    );
    return {
      use: (worker, work) =>
        work(clients[worker]!, clients.slice(concurrency + worker * side, concurrency + (worker + 1) * side)),
      close: async () => {
        await Promise.all(clients.map((client) => client.end()));
      },
    };
  },
});

/** An existing pool (the embedded PGlite's single connection): each operation takes a client in turn. */
export const poolConnector = (pool: pg.Pool): SqlConnector => ({
  // eslint-disable-next-line @typescript-eslint/require-await
  async open() {
    return {
      use: async (_worker, work) => {
        const client = await pool.connect();
        try {
          return await work(client, []);
        } finally {
          client.release();
        }
      },
      close: () => Promise.resolve(),
    };
  },
});

export interface EfSearchPoint {
  readonly efSearch: number;
  /** The candidates the index scan hands to the exact re-scoring (the statement's inner LIMIT), when changed. */
  readonly candidates?: number;
  readonly recallAt10: number;
  readonly p50Ms: number;
}

/** Recall@10 and sequential p50 of the captured SQL with hnsw.ef_search set to each value. */
export async function efSearchSweep(
  client: pg.Client | pg.PoolClient,
  prepared: PreparedCase,
  values: readonly number[],
  candidateLimits: readonly number[] = [],
): Promise<EfSearchPoint[]> {
  const points: EfSearchPoint[] = [];
  const settings = [
    ...values.map((efSearch) => ({ efSearch, candidates: undefined as number | undefined })),
    ...candidateLimits.map((candidates) => ({ efSearch: values[0] ?? 40, candidates })),
  ];
  for (const { efSearch, candidates } of settings) {
    await client.query(`SET hnsw.ef_search = ${Number(efSearch)}`);
    const recalls: number[] = [];
    const latencies: number[] = [];
    for (const [index, exact] of prepared.exact.entries()) {
      const transaction = prepared.samples[index]!.transaction.map((statement) =>
        withCandidateLimit(withEfSearch(statement, efSearch), candidates),
      );
      const started = performance.now();
      const rows = await runStatements(client, transaction);
      latencies.push(performance.now() - started);
      const returned = rows.map((row) => ({ id: String(row['id']), score: Number(row['score']) }));
      recalls.push(recallAtK(returned, exact, prepared.definition.k));
    }
    points.push({
      efSearch,
      ...(candidates === undefined ? {} : { candidates }),
      recallAt10: recalls.reduce((a, b) => a + b, 0) / Math.max(1, recalls.length),
      p50Ms: summarise(latencies, 1).p50Ms,
    });
  }
  await client.query('RESET hnsw.ef_search');
  return points;
}

/** The statement with its hnsw.ef_search value replaced (inlined name: value is $1; bound name: $2). */
function withEfSearch(statement: Statement, efSearch: number): Statement {
  if (!isHnswSetting(statement)) return statement;
  const values = [...statement.values];
  const nameIndex = values.findIndex((value) => value === 'hnsw.ef_search');
  if (nameIndex >= 0) values[nameIndex + 1] = String(efSearch);
  else if (/'hnsw\.ef_search'/.test(statement.text)) values[0] = String(efSearch);
  else return statement;
  return { ...statement, values };
}

/**
 * The vector statement with its inner LIMITs (the candidates each index scan hands on; every
 * `LIMIT $n` but the last) bound to `candidates`. Unchanged when there are none or no value is given.
 */
function withCandidateLimit(statement: Statement, candidates: number | undefined): Statement {
  if (candidates === undefined || !isVectorQuery(statement.text)) return statement;
  // Row counts are literals in the service's statements (a generic plan needs them); the changed
  // text is no longer the service's named statement, so it runs unnamed.
  const last = [...statement.text.matchAll(/LIMIT \d+/g)].length - 1;
  if (last < 1) return statement;
  let index = 0;
  const text = statement.text.replace(/LIMIT \d+/g, (limit) =>
    index++ < last ? `LIMIT ${candidates}` : limit,
  );
  return { text, values: statement.values };
}
