// `npx tsx bench/scale-out.ts`: storefront query latency while a 1,000-photo import runs, with the
// import on the API process (one process, ROLE=all: the photos are embedded in the request) against
// an API process (ROLE=api) with a separate worker (npm run worker: the photos are embedded there).
// Each process is pinned to one core with taskset (the API on core 0, the worker on core 1), as on
// machines of their own; Postgres and this load generator are not pinned. Needs the Postgres server
// (BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres; creates and drops a
// bench_scale_* database) and a build (`npm run build`). Writes bench/scale-out-results.json.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT } from '../src/paths.js';
import { productPhotos } from './images.js';
import { summarise, type LatencySummary } from './measure.js';

const ADMIN_KEY = 'bench-admin-key';
const BASE_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const CATALOGUE = 2_000;
const PHOTOS = 1_000;
const PER_REQUEST = 50;
const READERS = 4;
const BASELINE_SECONDS = 10;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Mode = 'import on the API process (ROLE=all)' | 'import on a separate worker (ROLE=api + worker)';

interface Started {
  readonly child: ChildProcess;
  readonly port: number;
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startProcess(entry: string, core: number, env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const child = spawn('taskset', ['-c', String(core), 'node', join(PROJECT_ROOT, 'dist/src', entry)], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'false',
      MODELS_AUTO_DOWNLOAD: 'false',
      IMAGE_MODEL: 'mobilenetv2-12-int8',
      CLIP_MODEL: '',
      ADMIN_API_KEYS: ADMIN_KEY,
      RATE_LIMIT_ENABLED: 'false',
      MAX_BODY_BYTES: String(64 * 1024 * 1024),
      ...env,
    },
  });
  const path = entry === 'worker.js' ? '/healthz' : '/readyz';
  for (let attempt = 0; attempt < 600; attempt++) {
    const ok = await fetch(`http://127.0.0.1:${port}${path}`)
      .then((response) => response.ok)
      .catch(() => false);
    if (ok) return { child, port };
    await sleep(100);
  }
  throw new Error(`${entry} did not start`);
}

async function stopProcess({ child }: Started): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

async function gql<T>(port: number, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (!response.ok || body.errors) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body.errors)}`);
  return body.data!;
}

const ADD = `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id } }`;
const SIMILAR = `query ($id: ID!) { similarProducts(productId: $id, space: ATTRIBUTES, k: 10) { score product { sku } } }`;
const input = (sku: string, seed: number, photo?: Buffer) => ({
  sku,
  name: sku,
  category: ['shoes', 'bags', 'hats', 'coats'][seed % 4],
  price: 10 + (seed % 90),
  attributes: ['value_for_money', 'customer_satisfaction', 'environmental_friendliness'].map(
    (axis, index) => ({
      axis,
      value: ((seed * 37 + index * 53) % 99) + 0.5,
    }),
  ),
  ...(photo ? { image: { base64: photo.toString('base64') } } : {}),
});

/** Storefront readers, closed loop, until `until()` resolves. */
async function storefront(
  port: number,
  ids: readonly string[],
  until: Promise<unknown>,
): Promise<LatencySummary> {
  const latencies: number[] = [];
  let errors = 0;
  let done = false;
  void until.finally(() => (done = true));
  const started = performance.now();
  await Promise.all(
    Array.from({ length: READERS }, async (_, reader) => {
      for (let iteration = reader; !done; iteration += READERS) {
        const at = performance.now();
        try {
          await gql(port, SIMILAR, { id: ids[(iteration * 7919) % ids.length] });
          latencies.push(performance.now() - at);
        } catch {
          errors += 1;
        }
      }
    }),
  );
  return summarise(latencies, (performance.now() - started) / 1000, errors);
}

async function measure(mode: Mode, photos: readonly Buffer[]) {
  const name = `bench_scale_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const split = mode.startsWith('import on a separate');
  const processes: Started[] = [];
  const db = new pg.Client({ connectionString: databaseUrl });
  try {
    const api = await startProcess('main.js', 0, { DATABASE_URL: databaseUrl, ROLE: split ? 'api' : 'all' });
    processes.push(api);
    if (split) processes.push(await startProcess('worker.js', 1, { DATABASE_URL: databaseUrl }));
    await db.connect();
    const ids: string[] = [];
    for (let start = 0; start < CATALOGUE; start += 500) {
      const inputs = Array.from({ length: 500 }, (_, index) => input(`c-${start + index}`, start + index));
      ids.push(
        ...(await gql<{ addProducts: Array<{ id: string }> }>(api.port, ADD, { inputs })).addProducts.map(
          (p) => p.id,
        ),
      );
    }
    const baseline = await storefront(api.port, ids, sleep(BASELINE_SECONDS * 1000));

    // The import: 1,000 photos in requests of 50, one after another; it has finished when every photo has its vector.
    const importStarted = performance.now();
    let requestsDoneAt = 0;
    const importing = (async () => {
      for (let start = 0; start < PHOTOS; start += PER_REQUEST) {
        const inputs = Array.from({ length: PER_REQUEST }, (_, index) =>
          input(`p-${start + index}`, start + index, photos[(start + index) % photos.length]),
        );
        await gql(api.port, ADD, { inputs });
      }
      requestsDoneAt = performance.now();
      for (;;) {
        const { rows } = await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM product_embedding e JOIN product p ON p.id = e.product_id WHERE p.sku LIKE 'p-%'`,
        );
        if (Number(rows[0]!.n) >= PHOTOS) return;
        await sleep(200);
      }
    })();
    const during = await storefront(api.port, ids, importing);
    await importing;
    const finished = performance.now();
    return {
      mode,
      baseline,
      duringImport: during,
      importRequestsSeconds: Math.round((requestsDoneAt - importStarted) / 100) / 10,
      importEmbeddedSeconds: Math.round((finished - importStarted) / 100) / 10,
    };
  } finally {
    await db.end().catch(() => undefined);
    for (const started of processes.reverse()) await stopProcess(started);
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

const photos = await productPhotos(100, join(PROJECT_ROOT, 'bench', '.cache'));
const results = [];
for (const mode of [
  'import on the API process (ROLE=all)',
  'import on a separate worker (ROLE=api + worker)',
] as const) {
  const result = await measure(mode, photos);
  console.log(JSON.stringify(result));
  results.push(result);
}
// The last runs are kept (the machine is shared: one run says little); BENCHMARKS.md shows them.
const file = join(PROJECT_ROOT, 'bench', 'scale-out-results.json');
const earlier = existsSync(file)
  ? ((JSON.parse(readFileSync(file, 'utf8')) as { runs?: unknown[] }).runs ?? [])
  : [];
const run = {
  measuredAt: new Date().toISOString(),
  readers: READERS,
  catalogue: CATALOGUE,
  photos: PHOTOS,
  results,
};
await writeFile(file, `${JSON.stringify({ runs: [...earlier, run].slice(-3) }, null, 2)}\n`);
console.log(
  '\n| where the import runs | storefront p50 / p99 ms, no import | storefront p50 / p99 ms, during the import | errors | import requests s | import embedded s |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  console.log(
    `| ${r.mode} | ${r.baseline.p50Ms.toFixed(1)} / ${r.baseline.p99Ms.toFixed(1)} | ${r.duringImport.p50Ms.toFixed(1)} / ${r.duringImport.p99Ms.toFixed(1)} | ${r.duringImport.errors} | ${r.importRequestsSeconds} | ${r.importEmbeddedSeconds} |`,
  );
}
