// `npx tsx bench/near-floor.ts` — the service's query cases against their SQL floors on one
// prepared catalogue, for before/after comparisons inside one run: each `--root` is a built
// checkout of the service (its dist/), started in turn on the same database and measured with the
// same samples, next to the floors (the best raw SQL for the same answer, through plain `pg`).
//
//   npx tsx bench/near-floor.ts --url postgresql://…/bench_q10k [--root /path/a --root /path/b?KEY=VALUE&…]
//        [--seconds 3] [--rounds 3] [--concurrency 1,16] [--cases similar-attributes,weighted-3-space]
//
// Each figure is the median over the rounds; the checkouts take turns within every round. A root
// may carry settings after `?` (e.g. `.?VECTOR_SEARCH_PARALLEL_SCANS=1`): the same checkout can then
// be measured with a setting on and off.
//
// The catalogue comes from `npm run bench` (it keeps none) or bench/databases.ts's
// prepareServerCatalogue; the models from bench/.cache (prepareBenchModels).
import 'reflect-metadata';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { serverPoolConfig } from '../src/db/database.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { type LatencySummary, closedLoop, preparedFloor, queryConfig } from './measure.js';
import { CLIP_MODEL_ID, CNN_MODEL_ID, prepareBenchModels } from './onnx-models.js';
import { graphqlLoad } from './query-bench.js';
import { FLOOR_SQL, type FloorName, QUERY_CASES, type QueryCase, recallAtK } from './query-cases.js';
import { startService } from './service-process.js';

const { values: options } = parseArgs({
  options: {
    url: { type: 'string' },
    root: { type: 'string', multiple: true },
    seconds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1' },
    cases: { type: 'string' },
    samples: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
  },
});
if (!options.url) throw new Error('--url of a prepared bench catalogue is required');
const url = options.url;
const roots = (options.root ?? [PROJECT_ROOT]).map((spec) => {
  const [path, query] = spec.split('?') as [string, string | undefined];
  return { spec, path, env: Object.fromEntries(new URLSearchParams(query ?? '')) };
});
const seconds = Number(options.seconds);
const levels = options.concurrency.split(',').map(Number);
const wanted = options.cases?.split(',');
const cases = QUERY_CASES.filter((c) => !wanted || wanted.includes(c.id));

const MODELS = { cnnModelId: CNN_MODEL_ID, clipModelId: CLIP_MODEL_ID };

/** The floor part's p50, unnamed or as a named (prepared) statement, whichever is faster (as bench/run.ts). */
async function sqlP50(clients: pg.Client[], name: FloorName, ids: string[]): Promise<LatencySummary> {
  const runs: LatencySummary[] = [];
  for (const named of [false, true]) {
    runs.push(
      await closedLoop(clients.length, seconds, 1, async (worker, iteration) => {
        const statement = FLOOR_SQL[name](ids[iteration % ids.length]!, MODELS);
        await clients[worker]!.query(queryConfig(named ? preparedFloor(statement) : statement));
      }),
    );
  }
  return runs.reduce((a, b) => (b.p50Ms < a.p50Ms ? b : a));
}

async function main(): Promise<void> {
  const search = loadConfig({}).search;
  const timeouts = loadConfig({}).timeouts;
  const session = serverPoolConfig({ kind: 'server', url, poolSize: 1 }, search, timeouts).options!;
  const max = Math.max(...levels);
  const clients = await Promise.all(
    Array.from({ length: max }, async () => {
      const client = new pg.Client({ connectionString: url, options: session });
      await client.connect();
      return client;
    }),
  );
  const ids = (
    await clients[0]!.query<{ id: string }>(
      `SELECT id::text FROM product ORDER BY md5(id::text) LIMIT ${Number(options.samples)}`,
    )
  ).rows.map((row) => row.id);
  const report: Array<Record<string, unknown>> = [];
  const print = (entry: Record<string, unknown>): void => {
    report.push(entry);
    console.log(JSON.stringify(entry));
  };

  // Floors at each concurrency.
  for (const c of levels) {
    const use = clients.slice(0, c);
    for (const name of Object.keys(FLOOR_SQL) as FloorName[]) {
      const result = await sqlP50(use, name, ids);
      print({ floor: name, c, p50: result.p50Ms, qps: result.throughputPerSec });
    }
  }

  const models = await prepareBenchModels(
    join(PROJECT_ROOT, 'bench', '.cache'),
    join(PROJECT_ROOT, 'models'),
  );
  const exact = new Map<string, Map<string, Awaited<ReturnType<typeof exactAnswer>>>>();
  const exactAnswer = async (item: QueryCase, id: string) =>
    (await clients[0]!.query<{ id: string; score: number }>(item.exactSql(id, MODELS))).rows.map((row) => ({
      id: row.id,
      score: Number(row.score),
    }));
  for (const item of cases) {
    const answers = new Map<string, Awaited<ReturnType<typeof exactAnswer>>>();
    for (const id of ids.slice(0, 16)) answers.set(id, await exactAnswer(item, id));
    exact.set(item.id, answers);
  }

  // Every checkout's service runs at once (idle ones cost nothing), and the measurements alternate
  // between them round by round, so a neighbour's load on this shared machine falls on all alike.
  const services = [];
  for (const [index, root] of roots.entries()) {
    services.push(
      await startService({
        root: root.path,
        extraEnv: root.env,
        port: 4731 + index,
        databaseUrl: url,
        modelsDir: models.modelsDir,
        manifestPath: models.manifestPath,
        imageModel: CNN_MODEL_ID,
        clipModel: CLIP_MODEL_ID,
      }),
    );
  }
  try {
    const recalls = new Map<string, { recall: number; worst: number }>();
    for (const [index, service] of services.entries()) {
      for (const item of cases) {
        let recall = 0;
        let worst = 1;
        for (const [id, answer] of exact.get(item.id)!) {
          const response = await fetch(service.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: item.query, variables: item.variables(id) }),
          });
          const body = (await response.json()) as { data: unknown };
          const value = recallAtK(item.results(body.data), answer, item.k);
          recall += value / exact.get(item.id)!.size;
          worst = Math.min(worst, value);
        }
        recalls.set(`${index}|${item.id}`, { recall: Number(recall.toFixed(3)), worst });
      }
    }
    const latencies = new Map<string, number[]>();
    for (let round = 0; round < Number(options.rounds); round++) {
      for (const item of cases) {
        const bodies = ids.map((id) => JSON.stringify({ query: item.query, variables: item.variables(id) }));
        for (const c of levels) {
          for (const [index, service] of services.entries()) {
            const result = await graphqlLoad(service.url, bodies, c, seconds, 1);
            const key = `${index}|${item.id}|${c}`;
            latencies.set(key, [...(latencies.get(key) ?? []), result.p50Ms, result.throughputPerSec]);
          }
        }
      }
    }
    const median = (values: number[]): number => values.sort((a, b) => a - b)[values.length >> 1]!;
    for (const item of cases) {
      for (const c of levels) {
        for (const [index, root] of roots.entries()) {
          const values = latencies.get(`${index}|${item.id}|${c}`)!;
          print({
            root: root.spec,
            case: item.id,
            c,
            p50: median(values.filter((_, i) => i % 2 === 0)),
            reqs: median(values.filter((_, i) => i % 2 === 1)),
            ...recalls.get(`${index}|${item.id}`),
          });
        }
      }
    }
  } finally {
    for (const service of services) await service.stop();
  }
  await Promise.all(clients.map((client) => client.end()));
}

await main();
