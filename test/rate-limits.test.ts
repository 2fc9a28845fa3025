// Per-client rate limits over real HTTP: wrong API keys (brute force) and expensive operations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, rowCounts, type TestDatabase } from './support/databases.js';
import { type HttpApp, startHttpApp } from './support/http-app.js';
import { ADMIN_KEY, ANALYST_KEY } from './support/test-app.js';

interface Body {
  errors?: Array<{ extensions: { code: string; retryAfterSeconds?: number } }>;
}

const axes = { query: '{ attributeAxes { name } }' };
const addProduct = (sku: string) => ({
  query: `mutation { addProduct(input: { sku: "${sku}", name: "n", category: "c", price: 1, attributes: [
    { axis: "value_for_money", value: 1 }, { axis: "customer_satisfaction", value: 2 }, { axis: "environmental_friendliness", value: 3 }] }) { sku } }`,
});

describe('rate limits', () => {
  let db: TestDatabase;
  let http: HttpApp;

  beforeAll(async () => {
    db = await createTestDatabase('embedded');
    http = await startHttpApp(db.database, {
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_AUTH_FAILURES: '10',
      RATE_LIMIT_EXPENSIVE_OPERATIONS: '3',
      TRUST_PROXY: 'loopback',
    });
  });
  afterAll(async () => {
    await http?.close();
    await db?.dispose();
  });

  it('answers 10 wrong keys, then 429 with Retry-After for every key from that client, right ones too', async () => {
    const client = { 'x-forwarded-for': '203.0.113.7' };
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 300; attempt += 1) {
      const response = await http.post(axes, { ...client, authorization: `Bearer guess-${attempt}` });
      statuses.push(response.status);
      if (response.status === 429) {
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(((await response.json()) as Body).errors?.[0]?.extensions.code).toBe('RATE_LIMITED');
      } else await response.arrayBuffer();
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.slice(10).every((status) => status === 429)).toBe(true);
    // A guess that happens to be right learns nothing while the block lasts.
    const right = await http.post(axes, { ...client, authorization: `Bearer ${ADMIN_KEY}` });
    expect(right.status).toBe(429);
    // The same client without a key, and other clients, are served.
    expect((await http.post(axes, client)).status).toBe(200);
    expect(
      (await http.post(axes, { 'x-forwarded-for': '203.0.113.8', authorization: `Bearer ${ADMIN_KEY}` }))
        .status,
    ).toBe(200);
    expect(
      http.logLines.some((line) => line['msg']?.toString().startsWith('too many failed authentications')),
    ).toBe(true);
  });

  it('limits expensive operations per API key: 429 RATE_LIMITED before anything runs', async () => {
    const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'x-forwarded-for': '198.51.100.1' };
    for (const sku of ['RL-1', 'RL-2', 'RL-3'])
      expect((await http.post(addProduct(sku), admin)).status).toBe(200);
    const before = await rowCounts(db.database);
    const refused = await http.post(addProduct('RL-4'), admin);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await refused.json()) as Body;
    expect(body.errors?.[0]?.extensions.code).toBe('RATE_LIMITED');
    expect(await rowCounts(db.database)).toEqual(before);
    // Cheap queries of the same key are not counted; another key has its own budget.
    expect((await http.post(axes, admin)).status).toBe(200);
    const analyst = { authorization: `Bearer ${ANALYST_KEY}`, 'x-forwarded-for': '198.51.100.1' };
    const similar = { query: '{ a: similarProducts(productId: "x", k: 1) { product { id } } }' };
    const analystAnswer = await http.post(similar, analyst);
    expect(analystAnswer.status).not.toBe(429);
  });

  it('counts each aliased vector query of one operation', async () => {
    const anonymous = { 'x-forwarded-for': '192.0.2.50' };
    const four = {
      query: `{ ${[1, 2, 3, 4].map((i) => `a${i}: similarProducts(productId: "x", k: 1) { product { id } }`).join(' ')} }`,
    };
    const response = await http.post(four, anonymous);
    expect(response.status).toBe(429);
    expect(((await response.json()) as Body).errors?.[0]?.extensions.code).toBe('RATE_LIMITED');
  });
});
