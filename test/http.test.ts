// The service over real HTTP: health and readiness, request ids in structured logs, API keys in
// headers, and the request-size bounds.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { type App, createApp } from '../src/server.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { ADMIN_KEY, testConfig } from './support/test-app.js';

/** A log destination keeping every JSON line written to it, parsed, in `lines`. */
function lineSink(lines: Array<Record<string, unknown>>): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
}

/** A POST of `body` (a string as it is, anything else as JSON) to the GraphQL endpoint. */
function postJson(url: string, body: unknown, headers: Record<string, string>): Promise<globalThis.Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('HTTP service (embedded Postgres)', () => {
  let db: TestDatabase;
  let app: App;
  let url: string;
  let base: string;
  const logLines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    db = await createTestDatabase('embedded');
    const sink = lineSink(logLines);
    const config = testConfig({ MAX_BODY_BYTES: '4096', MAX_QUERY_DEPTH: '3' });
    app = await createApp({ config, database: db.database, logger: createLogger('info', sink) });
    ({ url } = await app.listen(0, '127.0.0.1'));
    base = url.replace(/\/graphql$/, '');
  });
  afterAll(async () => {
    await app.stop();
    await db.dispose();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) => postJson(url, body, headers);

  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      database: 'embedded',
      pendingMigrations: [],
    });
  });

  it('reports not ready (503) while a migration is pending', async () => {
    const saved = await db.database.pool.query(`DELETE FROM "_prisma_migrations" RETURNING *`);
    try {
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { pendingMigrations: string[] };
      expect(body.pendingMigrations.length).toBeGreaterThan(0);
    } finally {
      for (const row of saved.rows as Array<Record<string, unknown>>) {
        const columns = Object.keys(row);
        await db.database.pool.query(
          `INSERT INTO "_prisma_migrations" (${columns.map((c) => `"${c}"`).join(',')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(',')})`,
          Object.values(row),
        );
      }
    }
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('serves GraphQL over POST, echoes the request id and logs it in JSON', async () => {
    const response = await post({ query: '{ attributeAxes { name } }' }, { 'x-request-id': 'req-test-123' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-test-123');
    expect(
      ((await response.json()) as { data: { attributeAxes: unknown[] } }).data.attributeAxes,
    ).toHaveLength(3);
    const logged = logLines.find(
      (line) => (line['req'] as { id?: string } | undefined)?.id === 'req-test-123',
    );
    expect(logged).toMatchObject({ msg: 'request completed', res: { statusCode: 200 } });
  });

  it('takes the API key from the Authorization header', async () => {
    const mutation = {
      query: `mutation { addProduct(input: { sku: "HTTP-1", name: "n", category: "c", price: 1, attributes: [
        { axis: "value_for_money", value: 1 }, { axis: "customer_satisfaction", value: 2 }, { axis: "environmental_friendliness", value: 3 }] }) { sku } }`,
    };
    const anonymous = (await (await post(mutation)).json()) as {
      errors: Array<{ extensions: { code: string } }>;
    };
    expect(anonymous.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    const wrongScheme = (await (await post(mutation, { authorization: `Basic ${ADMIN_KEY}` })).json()) as {
      errors: Array<{ extensions: { code: string } }>;
    };
    expect(wrongScheme.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    const admin = (await (await post(mutation, { authorization: `Bearer ${ADMIN_KEY}` })).json()) as {
      data: { addProduct: { sku: string } };
    };
    expect(admin.data.addProduct.sku).toBe('HTTP-1');
  });

  it('never writes API keys or cookies to the log', async () => {
    const secret = `Bearer ${ADMIN_KEY}`;
    const response = await post(
      { query: '{ attributeAxes { name } }' },
      {
        authorization: secret,
        cookie: 'session=cookie-secret',
        'x-api-key': 'header-secret',
        'x-request-id': 'req-redaction',
      },
    );
    expect(response.status).toBe(200);
    const logged = logLines.filter((line) => JSON.stringify(line).includes('req-redaction'));
    expect(logged.length).toBeGreaterThan(0);
    const text = logLines.map((line) => JSON.stringify(line)).join('\n');
    for (const leaked of [ADMIN_KEY, 'cookie-secret', 'header-secret']) expect(text).not.toContain(leaked);
    expect(
      logged.find((line) => (line['req'] as { id?: string } | undefined)?.id === 'req-redaction'),
    ).toMatchObject({
      req: { headers: { authorization: '[REDACTED]', cookie: '[REDACTED]', 'x-api-key': '[REDACTED]' } },
    });
  });

  it('refuses an oversized body with 413 before parsing it', async () => {
    const response = await post({ query: `{ attributeAxes { name } } # ${'x'.repeat(5000)}` });
    expect(response.status).toBe(413);
    expect(
      ((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions
        .code,
    ).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses malformed JSON with 400', async () => {
    const response = await post('{"query": ');
    expect(response.status).toBe(400);
  });

  it('refuses queries nested deeper than the limit', async () => {
    const response = await post({ query: '{ products { edges { node { attributes { axis } } } } }' });
    const body = (await response.json()) as {
      errors: Array<{ message: string; extensions: { code: string } }>;
    };
    expect(body.errors[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors[0]!.message).toMatch(/Query depth limit of 3 exceeded/);
  });

  it('hides unexpected errors behind INTERNAL_SERVER_ERROR and logs them with the request id', async () => {
    await db.database.pool.query(`ALTER TABLE product RENAME TO product_hidden`);
    try {
      const response = await post(
        { query: '{ productBySku(sku: "x") { id } }' },
        { 'x-request-id': 'req-broken' },
      );
      const body = (await response.json()) as {
        errors: Array<{ message: string; extensions: { code: string } }>;
      };
      expect(body.errors[0]).toMatchObject({
        message: 'Internal server error',
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      });
      expect(JSON.stringify(body)).not.toMatch(/product_hidden|does not exist|prisma/i);
      expect(logLines.some((line) => line['reqId'] === 'req-broken' && line['level'] === 50)).toBe(true);
    } finally {
      await db.database.pool.query(`ALTER TABLE product_hidden RENAME TO product`);
    }
  });
});

describe('HTTP service above LOG_LEVEL info (embedded Postgres)', () => {
  let db: TestDatabase;
  let app: App;
  let url: string;
  const logLines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    db = await createTestDatabase('embedded');
    const sink = lineSink(logLines);
    app = await createApp({
      config: testConfig(),
      database: db.database,
      logger: createLogger('warn', sink),
    });
    ({ url } = await app.listen(0, '127.0.0.1'));
  });
  afterAll(async () => {
    await app.stop();
    await db.dispose();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) => postJson(url, body, headers);

  it('still echoes the request id, says no-store, sends no ETag and logs nothing for a good request', async () => {
    const response = await post({ query: '{ attributeAxes { name } }' }, { 'x-request-id': 'req-quiet' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-quiet');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('etag')).toBeNull();
    const generated = await post({ query: '{ __typename }' }, { 'x-request-id': 'not a token!' });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(logLines).toEqual([]);
  });

  it('logs an unexpected error with the request id and its request', async () => {
    await db.database.pool.query(`ALTER TABLE product RENAME TO product_hidden`);
    try {
      const response = await post(
        { query: '{ productBySku(sku: "x") { id } }' },
        { 'x-request-id': 'req-quiet-broken', authorization: `Bearer ${ADMIN_KEY}` },
      );
      expect(((await response.json()) as { errors: unknown[] }).errors).toHaveLength(1);
      const line = logLines.find((entry) => entry['reqId'] === 'req-quiet-broken');
      expect(line).toMatchObject({ level: 50, req: { id: 'req-quiet-broken', method: 'POST' } });
      expect(JSON.stringify(logLines)).not.toContain(ADMIN_KEY);
    } finally {
      await db.database.pool.query(`ALTER TABLE product_hidden RENAME TO product`);
    }
  });

  it('starts no field once the request deadline has passed', async () => {
    const query = '{ attributeAxes { name } }';
    const run = (deadline: AbortSignal) =>
      app.apollo.executeOperation({ query }, { contextValue: { ...app.contextFor(), deadline } });
    const late = await run(AbortSignal.abort());
    expect(late.body.kind === 'single' && late.body.singleResult.errors?.[0]?.extensions?.['code']).toBe(
      'REQUEST_TIMEOUT',
    );
    expect(late.body.kind === 'single' && late.body.singleResult.data).toBeNull();
    const inTime = await run(new AbortController().signal);
    expect(inTime.body.kind === 'single' && inTime.body.singleResult.errors).toBeUndefined();
  });
});
