// The scaled-out shape of scripts/local-cluster.sh: a primary, a streaming replica, two API
// processes (ROLE=api, reads on the replica) and a worker. A BEHAVIOR model trained because one
// API process was asked is served by the other within 1 s of its activation (LISTEN/NOTIFY; the
// cache's own re-read would take up to 5 s), and while the replica restarts, storefront queries on
// both API processes fall back to the primary with 0 errors.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';
import { addProducts, errorCodes, gql, type HttpResult } from './support/http.js';
import { recordFigures } from './support/results.js';
import { ADMIN_KEY } from './support/service.js';

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

/** The options the script starts the replica with (its port, our socket directory). */
function replicaOptions(cluster: Record<string, string>): string {
  return `-p ${cluster['REPLICA_PORT']} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${cluster['CLUSTER_DIR']} -c max_connections=200`;
}
