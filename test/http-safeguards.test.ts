// The HTTP safeguards over real sockets: security headers (with Apollo's landing page still
// working), header/body read timeouts for slow clients, aborted bodies as one warn line, the
// request timeout, the bounded /readyz and the budget on request-body bytes read at once.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { type HttpApp, startHttpApp, timed } from './support/http-app.js';

const HEADERS_TIMEOUT_MS = 300;
const BODY_TIMEOUT_MS = 600;
const REQUEST_TIMEOUT_MS = 400;
const MAX_BODY_BYTES = 64 * 1024;

/** A raw connection: what it has received, and when it was closed. */
function rawClient(port: number): { socket: Socket; received: () => string; closed: Promise<number> } {
  const started = performance.now();
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) =>
    socket.on('close', () => resolve(performance.now() - started)),
  );
  return { socket, received: () => text, closed };
}

const postHead = (length: number) =>
  `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe('HTTP safeguards', () => {
  let db: TestDatabase;
  let http: HttpApp;

  beforeAll(async () => {
    db = await createTestDatabase('embedded');
    http = await startHttpApp(db.database, {
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      MAX_INFLIGHT_BODY_BYTES: String(2 * MAX_BODY_BYTES),
    });
  });
  afterAll(async () => {
    await http?.close();
    await db?.dispose();
  });

  it('sends security headers, a deny-all policy on the API, and leaves the landing page its own', async () => {
    const health = await fetch(`${http.base}/healthz`);
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(health.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(health.headers.get('x-powered-by')).toBeNull();
    const landing = await fetch(http.url, { headers: { accept: 'text/html' } });
    expect(landing.status).toBe(200);
    const html = await landing.text();
    // Apollo's page carries its policy (nonce + its CDN) in a meta tag; a header policy would block it.
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="script-src 'self' 'nonce-/);
    expect(landing.headers.get('content-security-policy')).toBeNull();
    expect(landing.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('cuts off a client that sends half its body (408, HTTP_BODY_TIMEOUT_MS) and logs one warn line', async () => {
    const client = rawClient(http.port);
    client.socket.write(postHead(1000) + '{"query": "{ attributeAxes');
    const closedAfter = await client.closed;
    expect(closedAfter).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 50);
    expect(closedAfter).toBeLessThan(BODY_TIMEOUT_MS + 1_500);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const aborted = http.logLines.filter(
      (line) => line['msg'] === 'client aborted the request while sending its body',
    );
    expect(aborted).toHaveLength(1);
    expect(aborted[0]).toMatchObject({ level: 40, expectedBytes: 1000 });
    expect(aborted[0]).not.toHaveProperty('err');
  });

  it('cuts off a client that never finishes its headers (HTTP_HEADERS_TIMEOUT_MS)', async () => {
    const client = rawClient(http.port);
    client.socket.write('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const closedAfter = await client.closed;
    expect(closedAfter).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(closedAfter).toBeLessThan(HEADERS_TIMEOUT_MS + 1_500);
  });

  it('answers a request that runs past REQUEST_TIMEOUT_MS with 504, and /readyz within 1 s', async () => {
    // The embedded database's one session is taken: queries wait for it for ever.
    const held = await db.database.pool.connect();
    try {
      const stuck = await timed(() => http.post({ query: '{ productBySku(sku: "SLOW-1") { id } }' }));
      expect(stuck.result.status).toBe(504);
      const body = (await stuck.result.json()) as { errors: Array<{ extensions: { code: string } }> };
      expect(body.errors[0]!.extensions.code).toBe('REQUEST_TIMEOUT');
      expect(stuck.ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
      expect(stuck.ms).toBeLessThan(REQUEST_TIMEOUT_MS + 1_000);
      const ready = await timed(() => fetch(`${http.base}/readyz`));
      expect(ready.result.status).toBe(503);
      expect(ready.ms).toBeLessThan(1_000);
      const report = (await ready.result.json()) as { status: string; error: string };
      expect(report.status).toBe('not ready');
      expect(report.error).toMatch(/did not answer within/);
    } finally {
      held.release();
    }
    // The abandoned operation finishes now; its late answer is dropped and the service goes on.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await http.post({ query: '{ attributeAxes { name } }' });
    expect(after.status).toBe(200);
    expect((await fetch(`${http.base}/readyz`)).status).toBe(200);
  });

  it('refuses a body with 503 and Retry-After while MAX_INFLIGHT_BODY_BYTES are being read', async () => {
    // Two clients each declare a body of MAX_BODY_BYTES and send only part of it: the budget is full.
    const slow = [rawClient(http.port), rawClient(http.port)];
    for (const client of slow) client.socket.write(postHead(MAX_BODY_BYTES) + '{"query": "');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const query = { query: `{ attributeAxes { name } } # ${'x'.repeat(1000)}` };
    const refused = await http.post(query);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(
      ((await refused.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions
        .code,
    ).toBe('SERVICE_UNAVAILABLE');
    for (const client of slow) client.socket.destroy();
    await Promise.all(slow.map((client) => client.closed));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await http.post(query)).status).toBe(200);
  });
});

describe('a server without ADMIN_API_KEYS', () => {
  it('says no admin keys are configured, instead of "The API key is not valid"', async () => {
    const db = await createTestDatabase('embedded');
    const http = await startHttpApp(db.database, { ADMIN_API_KEYS: '' });
    try {
      const response = await http.post(
        { query: 'mutation { deleteProduct(id: "x") }' },
        { authorization: 'Bearer some-key' },
      );
      const body = (await response.json()) as {
        errors: Array<{ message: string; extensions: { code: string } }>;
      };
      expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
      expect(body.errors[0]!.message).toMatch(
        /no such API keys are configured on this server \(set ADMIN_API_KEYS\)/,
      );
    } finally {
      await http.close();
      await db.dispose();
    }
  });
});
