// One test per numbered failure of issue 11, each against the service started as `npm start` runs
// it and spoken to over HTTP (or signalled, or crashed), never in process.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTempModelsDir, writeTestModels } from '../test/support/onnx-fixtures.js';
import {
  ADD_PRODUCT,
  ADD_PRODUCTS,
  addProducts,
  catalogueChecksum,
  errorCodes,
  gql,
  postRaw,
  productInput,
  readCatalogue,
} from './support/http.js';
import { faultsWorkDir, freePort, PrivatePostgres } from './support/private-postgres.js';
import { mib, recordFigures } from './support/results.js';
import { ADMIN_KEY, processMemory, type ServiceProcess, startService } from './support/service.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the exit code, or 'running' if the process has not exited within `ms`. */
async function exitWithin(service: ServiceProcess, ms: number): Promise<number | string> {
  return Promise.race([service.exited, sleep(ms).then(() => 'running')]);
}

/** A raw connection that sends `head` (and optionally part of a body) and then stalls. */
async function stalledRequest(
  port: number,
  head: string,
): Promise<{ socket: Socket; closed: Promise<string> }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  socket.write(head);
  return { socket, closed };
}

async function countNamed(url: string, name: string): Promise<number> {
  const result = await gql<{ products: { totalCount: number } }>(
    url,
    'query ($name: String!) { products(filter: { nameContains: $name }) { totalCount } }',
    { name },
  );
  return result.body!.data!.products.totalCount;
}

const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
};

const dataDirs: string[] = [];
const newDataDir = (label: string): string => {
  const dir = mkdtempSync(join(faultsWorkDir(), `${label}-`));
  dataDirs.push(dir);
  return dir;
};
const services: ServiceProcess[] = [];
const started = async (options: Parameters<typeof startService>[0]): Promise<ServiceProcess> => {
  const service = await startService(options);
  services.push(service);
  return service;
};

afterAll(async () => {
  for (const service of services) await service.kill9();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe('issue 11, one test per failure, against the started service', () => {
  let shared: ServiceProcess;
  let ids: string[];
  let postgres: PrivatePostgres;

  beforeAll(async () => {
    postgres = await PrivatePostgres.attach(inject('postgres'));
    shared = await started({ dataDir: newDataDir('items'), env: { LOG_LEVEL: 'info' } });
    ids = await addProducts(shared.url, 'ITEM', 20);
  });

  it('1. never writes API keys, cookies or key headers to the log', async () => {
    const result = await postRaw(shared.url, JSON.stringify({ query: '{ attributeAxes { name } }' }), {
      authorization: `Bearer ${ADMIN_KEY}`,
      cookie: 'session=faults-cookie-secret',
      'x-api-key': 'faults-header-secret',
      'x-request-id': 'faults-redaction-1',
    });
    expect(result.status).toBe(200);
    await sleep(200);
    const log = shared.output();
    expect(log).toContain('faults-redaction-1');
    for (const secret of [ADMIN_KEY, 'faults-cookie-secret', 'faults-header-secret'])
      expect(log).not.toContain(secret);
  });

  it('2. a second instance on the same DATA_DIR exits at once naming the directory and the holding pid', async () => {
    const dataDir = newDataDir('lock');
    const first = await started({ dataDir });
    await gql(first.url, ADD_PRODUCT, { input: productInput('LOCK-1', 1) });
    const second = await started({ dataDir, waitReady: false });
    const code = await exitWithin(second, 30_000);
    expect(code).not.toBe('running');
    expect(code).not.toBe(0);
    expect(second.output()).toContain(dataDir);
    expect(second.output()).toContain(String(first.pid));
    // The first is unharmed and still writes.
    expect((await fetch(`${first.base}/readyz`)).status).toBe(200);
    const written = await gql(first.url, ADD_PRODUCT, { input: productInput('LOCK-2', 2) });
    expect(written.body?.errors).toBeUndefined();
    await first.stop();
  });

  it(
    '3. exits 0 on SIGTERM and SIGINT after writes on an existing DATA_DIR; a second signal exits at once',
    { timeout: 240_000 },
    async () => {
      const dataDir = newDataDir('shutdown');
      const env = { SHUTDOWN_TIMEOUT_MS: '8000' };
      for (const [index, signal] of (['SIGTERM', 'SIGINT'] as const).entries()) {
        const service = await started({ dataDir, env });
        await gql(service.url, ADD_PRODUCT, { input: productInput(`SHUT-${index}`, index) });
        service.child.kill(signal);
        const { value: code, ms } = await timed(() => exitWithin(service, 15_000));
        expect(code, service.output()).toBe(0);
        expect(ms).toBeLessThan(8_000);
      }
      // An in-flight bulk is drained: answered in full before the exit.
      const BULK = Array.from({ length: 500 }, (_, index) => productInput(`DRAIN-${index}`, index));
      const draining = await started({ dataDir, env });
      const skus = (await readCatalogue(draining.url)).map((product) => product.sku);
      expect(skus).toEqual(expect.arrayContaining(['SHUT-0', 'SHUT-1']));
      const drained = gql(draining.url, ADD_PRODUCTS, { inputs: BULK });
      await sleep(150);
      draining.child.kill('SIGTERM');
      expect((await drained).status).toBe(200);
      expect(await exitWithin(draining, 10_000)).toBe(0);

      // A second signal does not wait for the drain (exit 130). The embedded database runs its
      // statements in the service's own thread, so the signal is handled when the running statement
      // ends: recorded, bounded by the shutdown deadline. The bulk is all or nothing.
      const interrupted = await started({ dataDir, env });
      expect(await countNamed(interrupted.url, 'DRAIN-')).toBe(500);
      const pending = gql(interrupted.url, ADD_PRODUCTS, {
        inputs: BULK.map((input, index) => ({ ...input, sku: `AGAIN-${index}`, name: `again ${index}` })),
      }).catch(() => null);
      await sleep(150);
      interrupted.child.kill('SIGTERM');
      await sleep(50);
      interrupted.child.kill('SIGTERM');
      const embeddedSecond = await timed(() => exitWithin(interrupted, 10_000));
      expect(embeddedSecond.value).toBe(130);
      expect(embeddedSecond.ms).toBeLessThan(8_000);
      await pending;
      const reopened = await started({ dataDir, env });
      expect([0, 500]).toContain(await countNamed(reopened.url, 'again '));
      await reopened.stop();

      // On the server a statement waits in Postgres, not in the service: the second signal exits at
      // once while a write is held by a locked table.
      const databaseUrl = await postgres.createDatabase(`signals_${Date.now()}`);
      const server = await started({ databaseUrl, env });
      const locker = new pg.Client({ connectionString: databaseUrl });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE product IN ACCESS EXCLUSIVE MODE');
        const held = gql(server.url, ADD_PRODUCTS, { inputs: BULK }).catch(() => null);
        await sleep(300);
        server.child.kill('SIGTERM');
        await sleep(300);
        expect(server.alive()).toBe(true); // draining the held write
        server.child.kill('SIGINT');
        const serverSecond = await timed(() => exitWithin(server, 5_000));
        expect(serverSecond.value).toBe(130);
        expect(serverSecond.ms).toBeLessThan(1_000);
        await held;
        recordFigures('second-signal', {
          embeddedExitMs: Math.round(embeddedSecond.ms),
          serverExitMs: Math.round(serverSecond.ms),
        });
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
    },
  );

  it(
    '4. a request held by a locked table times out with 504; /readyz answers within 1 s; stalled clients are cut off',
    { timeout: 120_000 },
    async () => {
      const databaseUrl = await postgres.createDatabase(`timeouts_${Date.now()}`);
      const service = await started({
        databaseUrl,
        env: {
          DATABASE_POOL_SIZE: '4',
          DB_STATEMENT_TIMEOUT_MS: '20000',
          DB_CONNECT_TIMEOUT_MS: '20000',
          REQUEST_TIMEOUT_MS: '1500',
          HTTP_HEADERS_TIMEOUT_MS: '2000',
          HTTP_BODY_TIMEOUT_MS: '2000',
        },
      });
      await addProducts(service.url, 'LOCKED', 5);
      const locker = new pg.Client({ connectionString: databaseUrl });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE product IN ACCESS EXCLUSIVE MODE');
        // More stuck queries than the pool has connections.
        const stuck = Array.from({ length: 8 }, () =>
          timed(() => gql(service.url, '{ products { totalCount } }', undefined, { timeoutMs: 30_000 })),
        );
        await sleep(300);
        const ready = await timed(() =>
          fetch(`${service.base}/readyz`, { signal: AbortSignal.timeout(10_000) }),
        );
        expect(ready.ms).toBeLessThan(1_000);
        for (const { value, ms } of await Promise.all(stuck)) {
          expect(ms).toBeLessThan(5_000);
          expect(value.status).toBe(504);
          expect(errorCodes(value)).toEqual(['REQUEST_TIMEOUT']);
        }
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
      // Headers that never end, and a body that never comes, are cut off.
      const headers = await stalledRequest(service.port, 'POST /graphql HTTP/1.1\r\nHost: x\r\n');
      const body = await stalledRequest(
        service.port,
        'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
      );
      for (const stalled of [headers, body]) {
        const outcome = await Promise.race([
          stalled.closed.then(() => 'closed'),
          sleep(10_000).then(() => 'open'),
        ]);
        stalled.socket.destroy();
        expect(outcome).toBe('closed');
      }
      expect((await gql(service.url, '{ products { totalCount } }')).status).toBe(200);
      await service.stop();
    },
  );

  it('5. 2,400 aliased similarProducts are refused with 400 at once, and /healthz stays responsive', async () => {
    const query = `query ($id: ID!) { ${Array.from(
      { length: 2400 },
      (_, i) => `a${i}: similarProducts(productId: $id, k: 1) { score }`,
    ).join(' ')} }`;
    const health: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        health.push((await timed(() => fetch(`${shared.base}/healthz`))).ms);
        await sleep(10);
      }
    })();
    const flood = await timed(() =>
      postRaw(shared.url, JSON.stringify({ query, variables: { id: ids[0] } })),
    );
    polling = false;
    await poller;
    expect(flood.value.status).toBe(400);
    expect(errorCodes(flood.value)[0]).toMatch(
      /^(BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED|GRAPHQL_PARSE_FAILED)$/,
    );
    expect(flood.ms).toBeLessThan(2_000);
    expect(Math.max(...health)).toBeLessThan(500);
  });

  it('6. wrong variable types, 1e309 and complexity refusals are 400 BAD_USER_INPUT naming the variable', async () => {
    const wrongType = await gql(
      shared.url,
      'query ($k: Int!) { similarProducts(productId: "x", k: $k) { score } }',
      {
        k: 'ten',
      },
    );
    expect(wrongType.status).toBe(400);
    expect(errorCodes(wrongType)).toEqual(['BAD_USER_INPUT']);
    expect(wrongType.body!.errors![0]!.message).toContain('$k');

    const query = 'query ($p: Float) { similarProducts(productId: "x", metric: MINKOWSKI, p: $p) { score } }';
    const infinite = await postRaw(
      shared.url,
      `{"query": ${JSON.stringify(query)}, "variables": {"p": 1e309}}`,
    );
    expect(infinite.status).toBe(400);
    expect(errorCodes(infinite)).toEqual(['BAD_USER_INPUT']);
    expect(infinite.body!.errors![0]!.message).toContain('$p');

    const complex = await gql(
      shared.url,
      `query ($id: ID!) { ${Array.from(
        { length: 20 },
        (_, i) =>
          `a${i}: similarProducts(productId: $id, k: 100) { product { attributes { axis value } tags } }`,
      ).join(' ')} }`,
      { id: ids[0] },
    );
    expect(complex.status).toBe(400);
    expect(errorCodes(complex)[0]).toMatch(/^(BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED)$/);
  });

  it('7. a NUL byte or a lone surrogate is refused with BAD_USER_INPUT naming the field, writing nothing', async () => {
    const before = await catalogueChecksum(shared.url);
    const nul = await gql(shared.url, ADD_PRODUCT, { input: productInput('NUL\u0000SKU', 1) });
    expect(errorCodes(nul)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(nul.body!.errors![0])).toContain('sku');
    const input = JSON.stringify({
      query: ADD_PRODUCT,
      variables: { input: productInput('SURROGATE', 2) },
    }).replace('fault product SURROGATE', 'fault product \\ud800');
    const surrogate = await postRaw(shared.url, input, { authorization: `Bearer ${ADMIN_KEY}` });
    expect(errorCodes(surrogate)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(surrogate.body!.errors![0])).toContain('name');
    expect(await catalogueChecksum(shared.url)).toBe(before);
  });

  it(
    '8. a database outage is HTTP 503 SERVICE_UNAVAILABLE with Retry-After, without hosts; it recovers by itself',
    { timeout: 120_000 },
    async () => {
      const service = await started({ databaseUrl: await postgres.createDatabase(`outage_${Date.now()}`) });
      const [id] = await addProducts(service.url, 'OUTAGE', 3);
      const query = 'query ($id: ID!) { similarProducts(productId: $id, k: 2) { score } }';
      await postgres.stop('fast');
      try {
        const during = await gql(service.url, query, { id });
        expect(during.status).toBe(503);
        expect(errorCodes(during)).toEqual(['SERVICE_UNAVAILABLE']);
        expect(Number(during.headers.get('retry-after'))).toBeGreaterThan(0);
        const ready = await fetch(`${service.base}/readyz`);
        const readyText = await ready.text();
        expect(ready.status).toBe(503);
        for (const text of [during.text, readyText]) {
          expect(text).not.toContain('127.0.0.1');
          expect(text).not.toContain(String(postgres.handle.port));
          expect(text).not.toContain('ECONNREFUSED');
        }
      } finally {
        await postgres.start();
      }
      let after = await gql(service.url, query, { id });
      for (let attempt = 0; attempt < 50 && after.status !== 200; attempt++) {
        await sleep(200);
        after = await gql(service.url, query, { id });
      }
      expect(after.status).toBe(200);
      expect(after.body?.errors).toBeUndefined();
      expect(service.alive()).toBe(true);
      await service.stop();
    },
  );

  it(
    '9. 300 wrong-key attempts in a row are answered 429 with Retry-After once over the limit',
    { timeout: 120_000 },
    async () => {
      const service = await started({
        dataDir: newDataDir('ratelimit'),
        env: { RATE_LIMIT_ENABLED: 'true' },
      });
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let attempt = 0; attempt < 300; attempt++) {
        const result = await gql(
          service.url,
          ADD_PRODUCT,
          { input: productInput(`RL-${attempt}`, attempt) },
          {
            key: `wrong-key-${attempt}`,
          },
        );
        statuses.push(result.status);
        if (result.status === 429) retryAfter ??= result.headers.get('retry-after');
      }
      const first429 = statuses.indexOf(429);
      expect(first429).toBeGreaterThan(0);
      expect(statuses.slice(first429).every((status) => status === 429)).toBe(true);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      // The limit is per client address: the blocked client is refused even with a valid key now.
      expect((await gql(service.url, '{ products { totalCount } }')).status).toBe(429);
      await service.stop();
    },
  );

  it(
    '10. request bodies being read are bounded: 503 when MAX_INFLIGHT_BODY_BYTES is full, bounded RSS at 32 × 15 MB',
    { timeout: 180_000 },
    async () => {
      // Small bound: slow 3 MB uploads, four at once, cannot all be admitted into 4 MB.
      const small = await started({
        dataDir: newDataDir('inflight'),
        env: { MAX_BODY_BYTES: String(4 * 2 ** 20), MAX_INFLIGHT_BODY_BYTES: String(4 * 2 ** 20) },
      });
      const upload = (port: number, bytes: number, slowMs: number): Promise<number> =>
        new Promise((resolve, reject) => {
          const body = Buffer.from(
            JSON.stringify({ query: `{ attributeAxes { name } } #${'x'.repeat(bytes)}` }),
          );
          const request = httpRequest(
            {
              host: '127.0.0.1',
              port,
              path: '/graphql',
              method: 'POST',
              headers: { 'content-type': 'application/json', 'content-length': body.length },
            },
            (response) => {
              response.resume();
              resolve(response.statusCode ?? 0);
            },
          );
          request.on('error', reject);
          const chunks = 10;
          const size = Math.ceil(body.length / chunks);
          void (async () => {
            for (let i = 0; i < chunks; i++) {
              if (request.destroyed) return;
              request.write(body.subarray(i * size, (i + 1) * size));
              await sleep(slowMs / chunks);
            }
            request.end();
          })();
        });
      const statuses = await Promise.all(
        Array.from({ length: 4 }, () => upload(small.port, 3 * 2 ** 20, 2_000).catch(() => 0)),
      );
      expect(statuses).toContain(503);
      expect(statuses.filter((status) => status !== 503 && status !== 200 && status !== 0)).toEqual([]);
      await small.stop();

      // Defaults: 32 concurrent 15 MB bodies.
      const service = await started({ dataDir: newDataDir('bodies') });
      const before = processMemory(service.pid)!.rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, processMemory(service.pid)?.rss ?? 0)), 50);
      const large = await Promise.all(
        Array.from({ length: 32 }, () => upload(service.port, 15 * 2 ** 20, 500).catch(() => 0)),
      );
      clearInterval(sampler);
      recordFigures('large-bodies', {
        concurrent: 32,
        bodyMiB: 15,
        rssBeforeMiB: mib(before),
        rssPeakMiB: mib(peak),
        statuses: Object.fromEntries(
          [...new Set(large)].map((status) => [status, large.filter((s) => s === status).length]),
        ),
      });
      // 0: the connection was reset before the client read the early 503 (the service answers and
      // closes while the client is still sending megabytes) — refused all the same, not a failure.
      expect(large.filter((status) => status !== 503 && status !== 200 && status !== 0)).toEqual([]);
      expect(large.filter((status) => status === 200 || status === 503).length).toBeGreaterThan(0);
      // The README's bound: about 4 × MAX_INFLIGHT_BODY_BYTES (64 MiB by default) above idle.
      expect(peak - before).toBeLessThan(4 * 64 * 2 ** 20);
      expect(service.alive()).toBe(true);
      await service.stop();
    },
  );

  it('11. default recommendations work with the image model installed and CLIP_MODEL empty', async () => {
    const models = await writeTestModels(await createTempModelsDir());
    try {
      const service = await started({
        dataDir: newDataDir('clip-empty'),
        env: {
          MODELS_DIR: models.modelsDir,
          MODELS_MANIFEST: models.manifestPath,
          IMAGE_MODEL: 'test-cnn',
          CLIP_MODEL: '',
        },
      });
      const [first] = await addProducts(service.url, 'CLIPLESS', 5);
      const result = await gql<{ recommendations: Array<{ product: { sku: string } }> }>(
        service.url,
        'query ($input: RecommendationInput!) { recommendations(input: $input) { product { sku } } }',
        { input: { like: [{ productId: first }], k: 3 } },
      );
      expect(result.body?.errors).toBeUndefined();
      expect(result.body!.data!.recommendations).toHaveLength(3);
      await service.stop();
    } finally {
      await rm(models.modelsDir, { recursive: true, force: true });
    }
  });

  describe('12. the minor ones', () => {
    it('sends security headers (helmet)', async () => {
      const response = await fetch(`${shared.base}/healthz`);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).not.toBeNull();
      expect(response.headers.get('strict-transport-security')).not.toBeNull();
      expect(response.headers.get('x-powered-by')).toBeNull();
    });

    it('gives no "Did you mean …" suggestions in production', async () => {
      const result = await gql(shared.url, `query ($id: ID!) { product(id: $id) { nam } }`, { id: ids[0] });
      expect(result.status).toBe(400);
      expect(result.text).toContain('nam');
      expect(result.text).not.toContain('Did you mean');
    });

    it('logs an aborted request body as one structured line, with no stack on stderr', async () => {
      const stderrBefore = shared.stderr().length;
      const outputBefore = shared.output().length;
      const stalled = await stalledRequest(
        shared.port,
        'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\nX-Request-Id: faults-aborted-1\r\n\r\n{"query":',
      );
      await sleep(200);
      stalled.socket.destroy();
      await sleep(1_000);
      const stderr = shared.stderr().slice(stderrBefore);
      expect(stderr).not.toMatch(/^\s+at /m);
      const lines = shared
        .output()
        .slice(outputBefore)
        .split('\n')
        .filter((line) => line.includes('faults-aborted-1'));
      // Structured JSON only: the access-log line of the request, and one warning that says what happened.
      const entries = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
      const warnings = entries.filter((entry) => entry.level >= 40);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.msg).toMatch(/abort/i);
    });

    it(
      'with Postgres down, start-up retries for DB_STARTUP_RETRY_MS and then exits naming DATABASE_URL',
      { timeout: 60_000 },
      async () => {
        const port = await freePort();
        const service = await started({
          databaseUrl: `postgresql://postgres@127.0.0.1:${port}/nowhere`,
          env: { DB_STARTUP_RETRY_MS: '3000' },
          waitReady: false,
        });
        const { value: code, ms } = await timed(() => exitWithin(service, 30_000));
        expect(code).not.toBe('running');
        expect(code).not.toBe(0);
        expect(ms).toBeGreaterThan(2_500);
        expect(service.output()).toContain('DATABASE_URL');
        expect(service.output()).not.toContain('    at ');
      },
    );

    it(
      'a Postgres server without the vector extension is named with scripts/install-pgvector.sh',
      { timeout: 120_000 },
      async () => {
        const bare = await PrivatePostgres.create({ withoutExtensions: ['vector'] });
        try {
          const service = await started({
            databaseUrl: bare.url(),
            env: { DB_STARTUP_RETRY_MS: '0' },
            waitReady: false,
          });
          const code = await exitWithin(service, 60_000);
          expect(code).not.toBe('running');
          expect(code).not.toBe(0);
          expect(service.output()).toContain('scripts/install-pgvector.sh');
          expect(service.output()).not.toMatch(/^\s+at /m);
        } finally {
          await bare.destroy();
        }
      },
    );

    it('a server with no ADMIN_API_KEYS says so instead of "The API key is not valid"', async () => {
      const service = await started({ dataDir: newDataDir('no-admin'), env: { ADMIN_API_KEYS: '' } });
      const result = await gql(
        service.url,
        ADD_PRODUCT,
        { input: productInput('NOADMIN', 1) },
        { key: 'some-key' },
      );
      expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
      expect(result.text).not.toContain('The API key is not valid');
      expect(result.text).toContain('ADMIN_API_KEYS');
      await service.stop();
    });
  });
});
