// The design's worked example through the public API, on every available database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_PRODUCTS } from '../src/demo/demo-catalogue.js';
import { testDatabaseKinds } from './support/databases.js';
import { createTestApp, errorCodes, type TestApp } from './support/test-app.js';

const ADD = `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id sku } }`;
const SIMILAR = `query ($id: ID!, $k: Int) {
  similarProducts(productId: $id, k: $k) { score distance product { sku attributes { axis value } } }
}`;

function cosine(a: number[], b: number[]): number {
  const dot = a.reduce((sum, value, index) => sum + value * b[index]!, 0);
  return dot / (Math.hypot(...a) * Math.hypot(...b));
}

describe.each(testDatabaseKinds())('similarProducts on %s Postgres', (kind) => {
  let t: TestApp;
  let ids: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp(kind);
    const added = await t.gql<{ addProducts: Array<{ id: string; sku: string }> }>(ADD, {
      inputs: EXAMPLE_PRODUCTS,
    });
    expect(added.errors).toBeUndefined();
    ids = Object.fromEntries(added.data!.addProducts.map((p) => [p.sku, p.id]));
  });
  afterAll(() => t.close());

  it("reproduces the design's example: product2 (0.9993) ranks above product3 (0.7383) for product1", async () => {
    const result = await t.gql<{
      similarProducts: Array<{ score: number; distance: number; product: { sku: string } }>;
    }>(SIMILAR, { id: ids['product1'] }, { key: null });
    expect(result.errors).toBeUndefined();
    const rows = result.data!.similarProducts;
    expect(rows.map((row) => row.product.sku)).toEqual(['product2', 'product3']);
    expect(rows[0]!.score).toBeCloseTo(0.9993, 4);
    expect(rows[1]!.score).toBeCloseTo(0.7383, 4);
    expect(rows[0]!.score).toBeCloseTo(cosine([20, 30, 40], [21, 29, 42]), 5);
    for (const row of rows) expect(row.distance).toBeCloseTo(1 - row.score, 10);
  });

  it('excludes the product itself and honours k', async () => {
    const result = await t.gql<{ similarProducts: Array<{ product: { sku: string } }> }>(SIMILAR, {
      id: ids['product3'],
      k: 1,
    });
    expect(result.data!.similarProducts.map((row) => row.product.sku)).toEqual(['product1']);
  });

  it.each([0, 101, -5])('refuses k = %i with BAD_USER_INPUT naming k', async (k) => {
    const result = await t.gql(SIMILAR, { id: ids['product1'], k });
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.extensions!['field']).toBe('k');
  });

  it('answers NOT_FOUND for an unknown product and BAD_USER_INPUT for a malformed id', async () => {
    const unknown = await t.gql(SIMILAR, { id: '00000000-0000-4000-8000-000000000000' });
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    expect(unknown.errors![0]!.extensions!['field']).toBe('productId');
    const malformed = await t.gql(SIMILAR, { id: 'not-a-uuid' });
    expect(errorCodes(malformed)).toEqual(['BAD_USER_INPUT']);
  });

  it('ranks by vector norm (the squared sum of the scores) and by a weighted sum of axes', async () => {
    const byNorm = await t.gql<{
      rankProducts: Array<{ rank: number; score: number; product: { sku: string } }>;
    }>(`{ rankProducts(k: 3) { rank score product { sku } } }`);
    expect(byNorm.data!.rankProducts.map((row) => row.product.sku)).toEqual([
      'product3',
      'product2',
      'product1',
    ]);
    expect(byNorm.data!.rankProducts[0]!.score).toBeCloseTo(Math.hypot(72, 99, 12), 3);

    const byEco = await t.gql<{ rankProducts: Array<{ score: number; product: { sku: string } }> }>(
      `{ rankProducts(by: WEIGHTED_SUM, weights: [{ axis: "environmental_friendliness", weight: 1 }, { axis: "value_for_money", weight: 0.5 }], k: 3) { score product { sku } } }`,
    );
    // eco + 0.5 × value: product2 42 + 10.5, product1 40 + 10, product3 12 + 36.
    expect(byEco.data!.rankProducts.map((row) => row.product.sku)).toEqual([
      'product2',
      'product1',
      'product3',
    ]);
    expect(byEco.data!.rankProducts.map((row) => row.score)).toEqual([52.5, 50, 48]);
  });
});
