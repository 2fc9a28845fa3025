// The scaled-out shape of scripts/local-cluster.sh: a primary, a streaming replica, two API
// processes (ROLE=api, reads on the replica) and a worker. A BEHAVIOR model trained because one
// API process was asked is served by the other within 1 s of its activation (LISTEN/NOTIFY; the
// cache's own re-read would take up to 5 s); a re-embedding that two workers start at once runs
// in one job at a time, and when the workers are killed mid-job another completes it with every product's vector
// there once; while the replica restarts, storefront queries on both API processes fall back to
// the primary with 0 errors.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';
import { addProducts, errorCodes, gql, type HttpResult } from './support/http.js';
import { recordFigures } from './support/results.js';
import { ADMIN_KEY } from './support/service.js';
import { freePort } from './support/private-postgres.js';
import { type ClipModelSpec } from '../src/inference/model-manifest.js';
import { productPhoto } from '../test/support/images.js';
import {
  testClipVisionWeights,
  writeTestClipVisionModel,
  writeTestModels,
} from '../test/support/onnx-fixtures.js';

const EVENTS_KEY = 'faults-events-key';
const PG_BIN = process.env['FAULTS_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });
}

/** pg_ctl on the cluster's replica, as the postgres OS user when we are root (as the script does). */
function replicaCtl(dir: string, ...args: string[]): Promise<string> {
  const argv = ['-D', join(dir, 'replica'), ...args];
  return process.getuid?.() === 0
    ? run('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), ...argv])
    : run(join(PG_BIN, 'pg_ctl'), argv);
}

describe('scaled out: two API processes, a worker, a primary and a streaming replica', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scale-out-'));
  const clusterDir = join(dir, 'cluster');
  // As root the clusters run as the postgres OS user, who must reach them.
  chmodSync(dir, 0o755);
  let cluster: Record<string, string>;
  let primary: pg.Client;
  /** The worker processes the re-embedding scenario starts. */
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    await run('bash', ['scripts/local-cluster.sh', 'start'], {
      LOCAL_CLUSTER_DIR: clusterDir,
      LOCAL_CLUSTER_PG_BIN: PG_BIN,
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'false',
      MODELS_AUTO_DOWNLOAD: 'false',
      IMAGE_MODEL: '',
      CLIP_MODEL: '',
      ADMIN_API_KEYS: ADMIN_KEY,
      EVENTS_API_KEYS: EVENTS_KEY,
      RATE_LIMIT_ENABLED: 'false',
      BEHAVIOR_FACTORS: '8',
      BEHAVIOR_ITERATIONS: '5',
    });
    cluster = Object.fromEntries(
      readFileSync(join(clusterDir, 'cluster.env'), 'utf8')
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    primary = new pg.Client({ connectionString: cluster['PRIMARY_URL'] });
    await primary.connect();
  }, 600_000);
  afterAll(async () => {
    // Workers a failed scenario left running: they would retry the gone cluster for ever.
    for (const worker of workers) if (worker.pid) await stopProcess(worker.pid, 'SIGKILL');
    await primary?.end().catch(() => undefined);
    await run('bash', ['scripts/local-cluster.sh', 'stop'], { LOCAL_CLUSTER_DIR: clusterDir }).catch(
      () => undefined,
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a BEHAVIOR model trained through one API process from the other within 1 s', async () => {
    const [api1, api2] = [cluster['API1_URL']!, cluster['API2_URL']!];
    const ids = await addProducts(api1, 'beh', 40);
    const skus = Array.from({ length: 40 }, (_, index) => `beh-${index}`);
    // Two taste groups: shoppers of the first half, shoppers of the second.
    const events = Array.from({ length: 80 }, (_, user) =>
      Array.from({ length: 8 }, (_, step) => ({
        userToken: `shopper-${user}`,
        sku: skus[(user % 2) * 20 + ((user * 7 + step * 3) % 20)],
        type: step % 4 === 0 ? 'PURCHASE' : 'VIEW',
        occurredAt: new Date(Date.now() - (8 - step) * 60_000).toISOString(),
      })),
    ).flat();
    const recorded = await gql(
      api1,
      `mutation ($events: [InteractionInput!]!) { recordInteractions(events: $events) { accepted } }`,
      { events },
      { key: EVENTS_KEY },
    );
    expect(recorded.body?.errors).toBeUndefined();

    const similar = () =>
      gql(
        api2,
        `query ($id: ID!) { similarProducts(productId: $id, space: BEHAVIOR, k: 3) { product { sku } } }`,
        {
          id: ids[0],
        },
      );
    expect(errorCodes(await similar())).toEqual(['MODEL_UNAVAILABLE']);
    // API 2 keeps asking (and so keeps its cached "no model" fresh) while API 1 queues a training.
    let servedAt: number | null = null;
    let stop = false;
    const polling = (async () => {
      while (!stop && servedAt === null) {
        const result = await similar();
        if (result.status === 200 && !result.body?.errors) servedAt = performance.now();
        else await sleep(20);
      }
    })();
    const trained = await gql(api1, `mutation { trainBehaviorModel { state version } }`);
    expect(trained.body?.errors).toBeUndefined();
    let activeAt: number | null = null;
    const deadline = Date.now() + 120_000;
    while (activeAt === null && Date.now() < deadline) {
      const rows = await primary.query(
        `SELECT 1 FROM embedding_space WHERE space = 'BEHAVIOR' AND active_model_id IS NOT NULL`,
      );
      if (rows.rowCount) activeAt = performance.now();
      else await sleep(10);
    }
    expect(activeAt).not.toBeNull();
    const until = Date.now() + 5_000;
    while (servedAt === null && Date.now() < until) await sleep(10);
    stop = true;
    await polling;
    expect(servedAt).not.toBeNull();
    const lagMs = Math.max(0, servedAt! - activeAt!);
    recordFigures('scale-out: model switch seen by the other API process', { ms: Math.round(lagMs) });
    expect(lagMs).toBeLessThan(1_000);
  });

  it('runs a re-embedding two workers start at once one job at a time, and another worker finishes it after they are killed', async () => {
    const modelsDir = join(dir, 'models');
    const models = await writeTestModels(modelsDir);
    const vision = await writeTestClipVisionModel(join(modelsDir, 'test-clip'), {
      fileName: 'vision-v2.onnx',
      weights: testClipVisionWeights(5),
    });
    const v2: ClipModelSpec = {
      ...models.clip,
      id: 'test-clip-v2',
      vision: {
        ...models.clip.vision,
        file: { path: 'test-clip/vision-v2.onnx', sha256: vision.sha256, bytes: vision.bytes },
      },
    };
    const manifest = join(modelsDir, 'manifest-v2.json');
    await writeFile(manifest, JSON.stringify({ models: [...models.manifest.models, v2] }));
    chmodSync(modelsDir, 0o755);

    // The cluster's worker has no CLIP model; these workers do.
    await stopProcess(Number(readFileSync(join(clusterDir, 'worker.pid'), 'utf8')), 'SIGTERM');
    const startWorker = async (clip: string) => {
      const child = spawn('node', [join(PROJECT_ROOT, 'dist/src/worker.js')], {
        cwd: PROJECT_ROOT,
        detached: true,
        stdio: 'ignore',
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: process.env['HOME'] ?? '/tmp',
          DATABASE_URL: cluster['PRIMARY_URL']!,
          HOST: '127.0.0.1',
          PORT: String(await freePort()),
          LOG_LEVEL: 'warn',
          SEED_DEMO: 'false',
          MODELS_AUTO_DOWNLOAD: 'false',
          MODELS_DIR: modelsDir,
          MODELS_MANIFEST: manifest,
          IMAGE_MODEL: '',
          CLIP_MODEL: clip,
          JOB_TIMEOUT_SECONDS: '6',
        },
      });
      workers.push(child);
      return child;
    };
    const count = async (model: string) =>
      Number(
        (
          await primary.query<{ n: string }>(
            `SELECT count(*) AS n FROM product_embedding WHERE model_id = $1`,
            [model],
          )
        ).rows[0]!.n,
      );
    const PRODUCTS = 300;
    const photos = await Promise.all(
      Array.from({ length: 6 }, async (_, index) =>
        (await productPhoto([40 * index, 200 - 30 * index, 90], [250, 250, 250])).toString('base64'),
      ),
    );
    for (let start = 0; start < PRODUCTS; start += 100) {
      const inputs = Array.from({ length: 100 }, (_, index) => ({
        sku: `photo-${start + index}`,
        name: `photo ${start + index}`,
        category: 'c',
        price: 1,
        attributes: ['value_for_money', 'customer_satisfaction', 'environmental_friendliness'].map(
          (axis) => ({
            axis,
            value: 50,
          }),
        ),
        image: { base64: photos[(start + index) % photos.length] },
      }));
      const added = await gql(
        cluster['API1_URL']!,
        `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id } }`,
        {
          inputs,
        },
      );
      expect(added.body?.errors).toBeUndefined();
    }
    // First the catalogue gets test-clip vectors (a backfill job), then CLIP_MODEL changes to v2.
    const first = await startWorker('test-clip');
    const deadline = Date.now() + 120_000;
    while ((await count('test-clip')) < PRODUCTS && Date.now() < deadline) await sleep(100);
    expect(await count('test-clip')).toBe(PRODUCTS);
    await stopProcess(first.pid!, 'SIGTERM');

    // Two workers start at once with the new model: both queue the re-embedding; it is one job.
    const [a, b] = await Promise.all([startWorker('test-clip-v2'), startWorker('test-clip-v2')]);
    while ((await count('test-clip-v2')) === 0 && Date.now() < deadline) await sleep(20);
    const jobs = await primary.query<{ state: string }>(
      `SELECT state FROM pgboss.job WHERE name = 'embeddings-clip' AND singleton_key = 'test-clip-v2'`,
    );
    // One runs; a second may wait behind it (the queue is stately: one waiting and one running per
    // model), and finds the work done or continues it: never two at once, never a product twice.
    const states = jobs.rows.map((row) => row.state).sort();
    expect(states.filter((state) => state === 'active')).toEqual(['active']);
    expect(states.every((state) => state === 'active' || state === 'created')).toBe(true);
    // Killed mid-job (kill -9: no shutdown, the job stays active until it expires).
    const doneAtKill = await count('test-clip-v2');
    await Promise.all([stopProcess(a.pid!, 'SIGKILL'), stopProcess(b.pid!, 'SIGKILL')]);
    expect(doneAtKill).toBeLessThan(PRODUCTS);

    const killedAt = performance.now();
    const third = await startWorker('test-clip-v2');
    let active: string | null = null;
    while (active !== 'test-clip-v2' && Date.now() < deadline) {
      active =
        (
          await primary.query<{ model: string | null }>(
            `SELECT active_model_id AS model FROM embedding_space WHERE space = 'CLIP'`,
          )
        ).rows[0]?.model ?? null;
      await sleep(100);
    }
    expect(active).toBe('test-clip-v2');
    recordFigures('scale-out: re-embedding resumed after its workers were killed', {
      products: PRODUCTS,
      doneAtKill,
      resumedWithinMs: Math.round(performance.now() - killedAt),
    });
    // Nothing lost: every product has its v2 vector, once; the old model's vectors are gone.
    expect(await count('test-clip-v2')).toBe(PRODUCTS);
    const duplicates = await primary.query(
      `SELECT product_id FROM product_embedding WHERE model_id = 'test-clip-v2' GROUP BY product_id HAVING count(*) > 1`,
    );
    expect(duplicates.rowCount).toBe(0);
    expect(await count('test-clip')).toBe(0);
    await stopProcess(third.pid!, 'SIGTERM');
  });

  it('answers storefront queries with 0 errors while the replica restarts', async () => {
    const apis = [cluster['API1_URL']!, cluster['API2_URL']!];
    const answers: Array<HttpResult<unknown>> = [];
    let stop = false;
    const readers = Array.from({ length: 4 }, async (_, reader) => {
      while (!stop) {
        answers.push(
          await gql(apis[reader % 2]!, `{ trendingProducts(k: 5) { product { sku } } }`, undefined, {
            key: null,
          }),
        );
      }
    });
    await sleep(1_000);
    await replicaCtl(clusterDir, '-m', 'fast', '-w', 'stop');
    await sleep(3_000);
    await replicaCtl(
      clusterDir,
      '-l',
      join(clusterDir, 'replica.log'),
      '-w',
      'start',
      '-o',
      replicaOptions(cluster),
    );
    await sleep(3_000);
    stop = true;
    await Promise.all(readers);
    const failed = answers.filter((answer) => answer.status !== 200 || answer.body?.errors);
    recordFigures('scale-out: replica restart under reads', {
      answers: answers.length,
      errors: failed.length,
    });
    expect(answers.length).toBeGreaterThan(50);
    expect(failed.map((answer) => answer.text.slice(0, 300))).toEqual([]);
    // Back on the replica afterwards (the script's status query names its lag).
    const status = await run('bash', ['scripts/local-cluster.sh', 'status'], {
      LOCAL_CLUSTER_DIR: clusterDir,
    });
    expect(status).toMatch(/replica\s+running/);
  });
});

/** Signals a process (group) and waits until it is gone. */
async function stopProcess(pid: number, signal: NodeJS.Signals): Promise<void> {
  try {
    process.kill(-pid, signal);
  } catch {
    return;
  }
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(50);
  }
  process.kill(-pid, 'SIGKILL');
}

/** The options the script starts the replica with (its port, our socket directory). */
function replicaOptions(cluster: Record<string, string>): string {
  return `-p ${cluster['REPLICA_PORT']} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${cluster['CLUSTER_DIR']} -c max_connections=200`;
}
