// Database outages over real HTTP: an unreachable server, a table locked by another session, a
// backend terminated mid-query. Each is answered 503 SERVICE_UNAVAILABLE with Retry-After (or 504
// REQUEST_TIMEOUT when the request's own deadline comes first), the detail is logged under the
// request id, and no response, /readyz included, names the host, the port or the driver's message.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { startRelay } from './support/tcp-relay.js';
import { type HttpApp, startHttpApp, timed } from './support/http-app.js';
import { ADMIN_KEY } from './support/test-app.js';

interface Body {
  data?: unknown;
  errors?: Array<{ message: string; extensions: { code: string; retryAfterSeconds?: number } }>;
}

const LEAKS = /127\.0\.0\.1|localhost|ECONNREFUSED|5432|statement timeout|terminating|postgres/i;
const query = { query: '{ productBySku(sku: "OUTAGE-1") { id } }' };

describe.runIf(process.env['TEST_DATABASE_URL'])('a database server that goes away', () => {
  let test: TestDatabase;
  let database: Database;
  let http: HttpApp;
  let relayPort: number;

  beforeAll(async () => {
    test = await createTestDatabase('server');
    const target = new URL(test.url!);
    const relay = await startRelay(target);
    relayPort = relay.port;
    const viaRelay = new URL(test.url!);
    viaRelay.port = String(relay.port);
    database = await openDatabase({ kind: 'server', url: viaRelay.toString(), poolSize: 2 });
    http = await startHttpApp(database);
    expect((await http.post(query)).status).toBe(200);
    expect((await fetch(`${http.base}/readyz`)).status).toBe(200);
    await relay.takeDown();
  });
  afterAll(async () => {
    await http?.close();
    await database?.close();
    await test?.dispose();
  });

  it('answers queries 503 SERVICE_UNAVAILABLE with Retry-After, naming no host', async () => {
    for (const requestId of ['req-outage-1', 'req-outage-2', 'req-outage-3']) {
      const response = await http.post(query, { 'x-request-id': requestId });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      const text = await response.text();
      expect(text).not.toMatch(LEAKS);
      expect(text).not.toContain(String(relayPort));
      const body = JSON.parse(text) as Body;
      expect(body.errors?.map((error) => error.extensions.code)).toEqual(['SERVICE_UNAVAILABLE']);
      expect(body.errors?.[0]?.extensions.retryAfterSeconds).toBe(5);
      const logged = http.logLines.find(
        (line) =>
          line['reqId'] === requestId && line['msg'] === 'database unavailable while resolving a request',
      );
      expect(logged?.['outage']).toMatch(/unreachable|connection-lost/);
    }
    // Once the pooled connections are gone, new ones are refused: the log names the address.
    const refused = http.logLines.find((line) => line['outage'] === 'unreachable');
    expect(String(refused?.['detail'])).toContain(`127.0.0.1:${relayPort}`);
  });

  it('answers /readyz 503 at once, without the driver message', async () => {
    const { result: response, ms } = await timed(() => fetch(`${http.base}/readyz`));
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(text).not.toMatch(LEAKS);
    expect(text).not.toContain(String(relayPort));
    expect(JSON.parse(text)).toMatchObject({
      status: 'not ready',
      database: 'server',
      error: 'database unavailable',
    });
    expect(ms).toBeLessThan(1_000);
  });
});

describe.runIf(process.env['TEST_DATABASE_URL'])('the Postgres server under a table lock', () => {
  const STATEMENT_TIMEOUT_MS = 700;
  let test: TestDatabase;
  let database: Database;
  let http: HttpApp;
  let slowRequests: HttpApp;
  let locker: pg.Client;

  beforeAll(async () => {
    test = await createTestDatabase('server');
    database = await openDatabase({ kind: 'server', url: test.url!, poolSize: 2 }, undefined, {
      dbStatementMs: STATEMENT_TIMEOUT_MS,
      dbConnectMs: 300,
    });
    http = await startHttpApp(database);
    slowRequests = await startHttpApp(database, { REQUEST_TIMEOUT_MS: '250' });
    locker = new pg.Client({ connectionString: test.url! });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await http?.close();
    await slowRequests?.close();
    await database?.close();
    await test?.dispose();
  });

  async function withProductLocked(work: () => Promise<void>): Promise<void> {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE product IN ACCESS EXCLUSIVE MODE');
    try {
      await work();
    } finally {
      await locker.query('ROLLBACK');
    }
  }

  it('keeps /readyz under 1 s and fails a blocked query with SERVICE_UNAVAILABLE', async () => {
    await withProductLocked(async () => {
      const blocked = timed(() => http.post(query));
      const blocked2 = timed(() => http.post(query));
      // Both pool connections now wait on the lock; readiness must not wait with them.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const ready = await timed(() => fetch(`${http.base}/readyz`));
      expect(ready.ms).toBeLessThan(1_000);
      expect(await ready.result.text()).not.toMatch(LEAKS);
      for (const { result: response, ms } of [await blocked, await blocked2]) {
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toBe('5');
        const text = await response.text();
        expect(text).not.toMatch(LEAKS);
        expect((JSON.parse(text) as Body).errors?.[0]?.extensions.code).toBe('SERVICE_UNAVAILABLE');
        expect(ms).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MS - 50);
        expect(ms).toBeLessThan(STATEMENT_TIMEOUT_MS + 2_000);
      }
    });
    const after = await http.post(query);
    expect(after.status).toBe(200);
    expect(((await after.json()) as Body).errors).toBeUndefined();
    expect((await fetch(`${http.base}/readyz`)).status).toBe(200);
  });

  it('answers 504 REQUEST_TIMEOUT when REQUEST_TIMEOUT_MS passes first, and stays healthy', async () => {
    await withProductLocked(async () => {
      const { result: response, ms } = await timed(() => slowRequests.post(query));
      expect(response.status).toBe(504);
      expect(((await response.json()) as Body).errors?.[0]?.extensions.code).toBe('REQUEST_TIMEOUT');
      expect(ms).toBeLessThan(STATEMENT_TIMEOUT_MS);
      // Let the abandoned statement end (statement timeout) while its late answer is dropped.
      await new Promise((resolve) => setTimeout(resolve, STATEMENT_TIMEOUT_MS + 200));
    });
    const after = await slowRequests.post(query);
    expect(after.status).toBe(200);
  });

  it('answers a query whose backend is terminated mid-statement with SERVICE_UNAVAILABLE', async () => {
    await withProductLocked(async () => {
      const pending = http.post(
        { query: '{ productBySku(sku: "OUTAGE-2") { id } }' },
        { 'x-request-id': 'req-killed' },
      );
      let pid: number | undefined;
      for (let attempt = 0; attempt < 40 && pid === undefined; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        const waiting = await locker.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        pid = waiting.rows[0]?.pid;
      }
      expect(pid).toBeDefined();
      await locker.query('SELECT pg_terminate_backend($1)', [pid]);
      const response = await pending;
      expect(response.status).toBe(503);
      const text = await response.text();
      expect(text).not.toMatch(LEAKS);
      expect((JSON.parse(text) as Body).errors?.[0]?.extensions.code).toBe('SERVICE_UNAVAILABLE');
    });
    expect(
      http.logLines.find((line) => line['reqId'] === 'req-killed' && line['outage'] === 'connection-lost'),
    ).toBeDefined();
    // The pool replaces the terminated connection: the next query is answered.
    const after = await http.post(query, { authorization: `Bearer ${ADMIN_KEY}` });
    expect(after.status).toBe(200);
  });
});
