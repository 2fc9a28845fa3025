// productRecommendations on a planted basket log: COMPLEMENTARY ranks co-purchases by confidence
// (support and lift as computed here), leaves out near-duplicates, merely popular products,
// pairs below the minimum support and non-purchase events, honours the filter and fills up with
// RELATED products; RELATED is the engine's answer for the product.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from './support/databases.js';
import { createTestApp, errorCodes, type TestApp } from './support/test-app.js';

const EVENTS_KEY = 'test-events-key';
const RECORD = `mutation ($events: [InteractionInput!]!) { recordInteractions(events: $events) { accepted } }`;
const ADD_MANY = `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id sku } }`;
const RECOMMEND = `query ($id: ID!, $intent: RecommendationIntent, $k: Int, $filter: ProductFilter) {
  productRecommendations(productId: $id, intent: $intent, k: $k, filter: $filter) {
    score distance product { sku } explanation { summary }
  }
}`;
const ENGINE = `query ($input: RecommendationInput!) { recommendations(input: $input) { score product { sku } } }`;
const SIMILAR = `query ($id: ID!, $k: Int) { similarProducts(productId: $id, k: $k) { score product { sku } } }`;

const product = (sku: string, category: string, scores: [number, number, number]) => ({
  sku,
  name: `Product ${sku}`,
  category,
  price: 10,
  attributes: [
    { axis: 'value_for_money', value: scores[0] },
    { axis: 'customer_satisfaction', value: scores[1] },
    { axis: 'environmental_friendliness', value: scores[2] },
  ],
});

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** 40 orders; X is in orders 0–9. Which products each order holds. */
const BASKETS: Record<string, number[]> = {
  X: range(0, 10),
  // Strong complement: 8 of X's 10 baskets, 10 baskets in all → confidence 0.8, lift 8·40/(10·10) = 3.2.
  BEANS: [...range(0, 8), 10, 11],
  // Weaker complement in X's own category but far in attributes → confidence 0.4, lift 4·40/(10·7) ≈ 2.29.
  FILTERS: [...range(0, 4), 12, 13, 14],
  // X's near-duplicate (same category, attributes 1 apart): bought with it often, never a complement.
  X_VARIANT: range(0, 6),
  // In half of all baskets, with or without X: lift 5·40/(10·20) = 1.0, below the minimum of 1.5.
  MILK: range(0, 40).filter((order) => order % 2 === 0),
  // Bought with X once: below the minimum support of 2 baskets.
  ONCE: [9],
  // Fills the other baskets.
  SPADE: range(15, 40).filter((order) => order % 2 === 1),
};

describe.each(testDatabaseKinds())('productRecommendations on %s Postgres', (kind) => {
  let t: TestApp;
  let ids: Record<string, string>;

  type Row = {
    score: number;
    distance: number;
    product: { sku: string };
    explanation: { summary: string } | null;
  };
  const recommend = async (variables: Record<string, unknown>) => {
    const result = await t.gql<{ productRecommendations: Row[] }>(RECOMMEND, variables, { key: null });
    expect(result.errors).toBeUndefined();
    return result.data!.productRecommendations;
  };

  beforeAll(async () => {
    t = await createTestApp(kind, { EVENTS_API_KEYS: EVENTS_KEY });
    const added = await t.gql<{ addProducts: Array<{ id: string; sku: string }> }>(ADD_MANY, {
      inputs: [
        product('X', 'kitchen', [50, 50, 50]),
        product('X_VARIANT', 'kitchen', [50, 51, 50]),
        product('BEANS', 'pantry', [20, 80, 30]),
        product('FILTERS', 'kitchen', [30, 60, 70]),
        product('MILK', 'pantry', [60, 40, 20]),
        product('ONCE', 'pantry', [45, 55, 50]),
        product('SPADE', 'garden', [10, 90, 10]),
        product('CART_ONLY', 'garden', [52, 49, 50]),
        product('LONE', 'garden', [70, 20, 40]),
      ],
    });
    expect(added.errors).toBeUndefined();
    ids = Object.fromEntries(added.data!.addProducts.map((p) => [p.sku, p.id]));
    const events = Object.entries(BASKETS).flatMap(([sku, orders]) =>
      orders.map((order) => ({
        userToken: `shopper-${order}`,
        sku,
        type: 'PURCHASE',
        orderId: `order-${order}`,
      })),
    );
    // Put in a cart with X's orders but never bought: carts are not baskets.
    events.push(
      ...range(0, 10).map((order) => ({
        userToken: `shopper-${order}`,
        sku: 'CART_ONLY',
        type: 'ADD_TO_CART',
        orderId: `order-${order}`,
      })),
    );
    const recorded = await t.gql<{ recordInteractions: { accepted: number } }>(
      RECORD,
      { events },
      { key: EVENTS_KEY },
    );
    expect(recorded.data!.recordInteractions.accepted).toBe(events.length);
  });
  afterAll(() => t.close());

  it('ranks co-purchases by confidence, leaving out near-duplicates, the merely popular and rare pairs', async () => {
    const rows = await recommend({ id: ids['X'], intent: 'COMPLEMENTARY', k: 2 });
    expect(rows.map((row) => row.product.sku)).toEqual(['BEANS', 'FILTERS']);
    expect(rows[0]!.score).toBeCloseTo(0.8, 10);
    expect(rows[0]!.distance).toBeCloseTo(0.2, 10);
    expect(rows[1]!.score).toBeCloseTo(0.4, 10);
    expect(rows[0]!.explanation!.summary).toBe(
      'bought together in 8 of 10 baskets holding this product (confidence 0.80, lift 3.2).',
    );
    expect(rows[1]!.explanation!.summary).toContain('lift 2.3');
  });

  it('fills up with RELATED products (the engine, complements excluded) to return k', async () => {
    const rows = await recommend({ id: ids['X'], intent: 'COMPLEMENTARY', k: 5 });
    const engine = await t.gql<{ recommendations: Array<{ score: number; product: { sku: string } }> }>(
      ENGINE,
      {
        input: { like: [{ productId: ids['X'] }], excludeIds: [ids['BEANS'], ids['FILTERS']], k: 3 },
      },
    );
    expect(rows.map((row) => row.product.sku)).toEqual([
      'BEANS',
      'FILTERS',
      ...engine.data!.recommendations.map((row) => row.product.sku),
    ]);
    // The nearest in attributes: the variant, then the cart-only product; both are related, not complements.
    expect(rows[2]!.product.sku).toBe('X_VARIANT');
    expect(rows.slice(2).map((row) => row.score)).toEqual(
      engine.data!.recommendations.map((row) => row.score),
    );
  });

  it('honours the filter', async () => {
    const rows = await recommend({
      id: ids['X'],
      intent: 'COMPLEMENTARY',
      k: 1,
      filter: { category: 'pantry' },
    });
    expect(rows.map((row) => row.product.sku)).toEqual(['BEANS']);
    const kitchen = await recommend({
      id: ids['X'],
      intent: 'COMPLEMENTARY',
      k: 2,
      filter: { category: 'kitchen' },
    });
    // FILTERS is the one kitchen complement; the near-duplicate comes only as a RELATED fill.
    expect(kitchen.map((row) => row.product.sku)).toEqual(['FILTERS', 'X_VARIANT']);
  });

  it('is symmetric in the baskets: X is a complement of BEANS', async () => {
    const rows = await recommend({ id: ids['BEANS'], intent: 'COMPLEMENTARY', k: 1 });
    // 8 of BEANS' 10 baskets hold X: confidence 0.8, lift 3.2.
    expect(rows.map((row) => [row.product.sku, row.score])).toEqual([['X', 0.8]]);
  });

  it('falls back to RELATED for a product never bought in an order', async () => {
    const complementary = await recommend({ id: ids['LONE'], intent: 'COMPLEMENTARY', k: 4 });
    const related = await recommend({ id: ids['LONE'], intent: 'RELATED', k: 4 });
    const similar = await t.gql<{ similarProducts: Array<{ score: number; product: { sku: string } }> }>(
      SIMILAR,
      {
        id: ids['LONE'],
        k: 4,
      },
    );
    expect(complementary).toEqual(related);
    expect(related.map((row) => [row.product.sku, row.score])).toEqual(
      similar.data!.similarProducts.map((row) => [row.product.sku, row.score]),
    );
  });

  it.each([
    [{ id: '00000000-0000-4000-8000-000000000000', intent: 'COMPLEMENTARY' }, 'NOT_FOUND', 'productId'],
    [{ id: '00000000-0000-4000-8000-000000000000', intent: 'RELATED' }, 'NOT_FOUND', 'productId'],
    [{ id: 'not-a-uuid', intent: 'COMPLEMENTARY' }, 'BAD_USER_INPUT', 'productId'],
    [{ id: 'X', intent: 'COMPLEMENTARY', k: 0 }, 'BAD_USER_INPUT', 'k'],
    [{ id: 'X', intent: 'COMPLEMENTARY', filter: { minPrice: -1 } }, 'BAD_USER_INPUT', 'filter.minPrice'],
  ])('refuses %j with %s naming %s', async (variables, code, field) => {
    const id = variables.id === 'X' ? ids['X'] : variables.id;
    const result = await t.gql(RECOMMEND, { ...variables, id }, { key: null });
    expect(errorCodes(result)).toEqual([code]);
    expect(result.errors![0]!.extensions!['field']).toBe(field);
  });
});
