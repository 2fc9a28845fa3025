// recommendedForUser and `like: [{ userToken }]` on a planted log: a shopper's taste from their
// history at query time (events after the training count), recency and type weights, seen products
// left out, a slot for products without behaviour, cold start to trending, and k whenever k qualify.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from './support/databases.js';
import { plantedLog } from './support/interaction-logs.js';
import { createTestApp, errorCodes, type TestApp } from './support/test-app.js';

const EVENTS_KEY = 'test-events-key';
const GROUPS = 5;
const ITEMS = 40;
const DAY = 86_400_000;
const RECORD = `mutation ($events: [InteractionInput!]!) { recordInteractions(events: $events) { accepted } }`;
const ADD_MANY = `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id sku } }`;
const FOR_USER = `query ($user: String!, $k: Int, $filter: ProductFilter, $excludeSeen: Boolean) {
  recommendedForUser(userToken: $user, k: $k, filter: $filter, excludeSeen: $excludeSeen) {
    score product { sku category } explanation { summary missingSpaces }
  }
}`;
const TRENDING = `query ($k: Int, $filter: ProductFilter) { trendingProducts(k: $k, filter: $filter) { product { sku } } }`;
const RECOMMEND = `query ($input: RecommendationInput!) {
  recommendations(input: $input) { product { sku category } explanation { spaces { space } } }
}`;
const STATUS = `{ behaviorModelStatus { state } }`;

type Row = {
  score: number;
  product: { sku: string; category: string };
  explanation: { summary: string; missingSpaces: string[] } | null;
};

/** Products of group g have attributes around the group's own centre; FRESH-g sits on it. */
const centre = (group: number): [number, number, number] => [10 + 20 * group, 90 - 20 * group, 50];
const product = (sku: string, group: number, jitter: number) => ({
  sku,
  name: sku,
  category: `group-${group}`,
  price: 10,
  attributes: centre(group).map((value, axis) => ({
    axis: ['value_for_money', 'customer_satisfaction', 'environmental_friendliness'][axis]!,
    value: Math.min(99, Math.max(0, value + jitter * (axis === 2 ? -1 : 1))),
  })),
});

describe.each(testDatabaseKinds())('recommendedForUser on %s Postgres', (kind) => {
  let t: TestApp;
  const forUser = async (variables: Record<string, unknown>) => {
    const result = await t.gql<{ recommendedForUser: Row[] }>(FOR_USER, variables, { key: null });
    expect(result.errors).toBeUndefined();
    return result.data!.recommendedForUser;
  };
  const trending = async (variables: Record<string, unknown>) =>
    (
      await t.gql<{ trendingProducts: Array<{ product: { sku: string } }> }>(TRENDING, variables, {
        key: null,
      })
    ).data!.trendingProducts.map((row) => row.product.sku);
  const record = async (events: unknown[]) => {
    for (let start = 0; start < events.length; start += 1000) {
      const result = await t.gql(RECORD, { events: events.slice(start, start + 1000) }, { key: EVENTS_KEY });
      expect(result.errors).toBeUndefined();
    }
  };
  const at = (ms: number) => new Date(Date.now() - ms).toISOString();

  beforeAll(async () => {
    t = await createTestApp(kind, { EVENTS_API_KEYS: EVENTS_KEY });
    const inputs = Array.from({ length: ITEMS }, (_, i) => product(`item-${i}`, i % GROUPS, (i % 3) - 1));
    expect((await t.gql(ADD_MANY, { inputs })).errors).toBeUndefined();
    const log = plantedLog({
      users: 150,
      items: ITEMS,
      groups: GROUPS,
      eventsPerUser: 10,
      noise: 0.1,
      seed: 11,
    });
    await record(
      log.events.map((event, index) => ({
        userToken: event.user,
        sku: event.item,
        type: index % 4 === 0 ? 'ADD_TO_CART' : 'VIEW',
        occurredAt: at((log.events.length - index) * 1000 + DAY),
      })),
    );
  });
  afterAll(() => t.close());

  it('answers trending products (seen ones left out) before any model is trained', async () => {
    const rows = await forUser({ user: 'user-3', k: 5 });
    const seen = await t.db.database.pool.query<{ sku: string }>(
      `SELECT DISTINCT p.sku FROM interaction i JOIN product p ON p.id = i.product_id WHERE i.user_token = 'user-3'`,
    );
    const expected = (await trending({ k: 5 + seen.rows.length })).filter(
      (sku) => !seen.rows.some((row) => row.sku === sku),
    );
    expect(rows.map((row) => row.product.sku)).toEqual(expected.slice(0, 5));
  });

  describe('with a trained model', () => {
    beforeAll(async () => {
      await t.app.services.behavior.start();
      await t.gql(`mutation { trainBehaviorModel { state } }`);
      const deadline = Date.now() + 90_000;
      for (;;) {
        const state = (await t.gql<{ behaviorModelStatus: { state: string } }>(STATUS)).data!
          .behaviorModelStatus.state;
        if (state === 'READY') break;
        if (state === 'FAILED' || Date.now() > deadline) throw new Error(`training ended ${state}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      // Products added after the training: no behaviour yet.
      const fresh = Array.from({ length: GROUPS }, (_, g) => product(`FRESH-${g}`, g, 0));
      expect((await t.gql(ADD_MANY, { inputs: fresh })).errors).toBeUndefined();
      // Shoppers the model never saw: their events count at query time.
      await record([
        ...[2, 7, 12].map((i, n) => ({
          userToken: 'alice',
          sku: `item-${i}`,
          type: ['VIEW', 'ADD_TO_CART', 'PURCHASE'][n],
          occurredAt: at(3600_000 * (3 - n)),
        })),
        // bob liked group 1 two months before turning to group 3.
        ...[1, 6, 11].map((i) => ({
          userToken: 'bob',
          sku: `item-${i}`,
          type: 'PURCHASE',
          occurredAt: at(60 * DAY),
        })),
        ...[3, 8].map((i) => ({ userToken: 'bob', sku: `item-${i}`, type: 'VIEW', occurredAt: at(DAY) })),
        // carol viewed three group-4 products and bought one of group 0: the purchase weighs more.
        ...[4, 9, 14].map((i) => ({
          userToken: 'carol',
          sku: `item-${i}`,
          type: 'VIEW',
          occurredAt: at(7200_000),
        })),
        { userToken: 'carol', sku: 'item-5', type: 'PURCHASE', occurredAt: at(7200_000) },
      ]);
    });

    const groupShare = (rows: Row[], group: number) =>
      rows.filter((row) => row.product.category === `group-${group}`).length / rows.length;

    it("ranks by the shopper's taste, leaves out what they saw, and keeps a slot for a product without behaviour", async () => {
      const rows = await forUser({ user: 'alice', k: 5 });
      expect(rows).toHaveLength(5);
      const skus = rows.map((row) => row.product.sku);
      expect(skus).not.toContain('item-2');
      expect(skus).not.toContain('item-7');
      expect(skus).not.toContain('item-12');
      expect(groupShare(rows.slice(0, 4), 2)).toBeGreaterThanOrEqual(0.75);
      // The fifth slot: the product without behaviour closest to alice's taste in attributes.
      expect(skus[4]).toBe('FRESH-2');
      expect(rows[4]!.explanation!.missingSpaces).toEqual(['BEHAVIOR']);
      expect(rows[4]!.explanation!.summary).toMatch(/^new: no behaviour yet/);
    });

    it('may return seen products when excludeSeen is false', async () => {
      const rows = await forUser({ user: 'alice', k: 5, excludeSeen: false });
      expect(
        rows.map((row) => row.product.sku).filter((sku) => ['item-2', 'item-7', 'item-12'].includes(sku))
          .length,
      ).toBeGreaterThan(0);
    });

    it('weighs recent events more (bob moved from group 1 to group 3)', async () => {
      const rows = await forUser({ user: 'bob', k: 8 });
      expect(groupShare(rows, 3)).toBeGreaterThan(groupShare(rows, 1));
      expect(groupShare(rows, 3)).toBeGreaterThanOrEqual(0.5);
    });

    it('weighs a purchase more than views (carol: one group-0 purchase, three group-4 views)', async () => {
      const rows = await forUser({ user: 'carol', k: 8 });
      expect(groupShare(rows, 0)).toBeGreaterThan(groupShare(rows, 4));
    });

    it('returns k whenever k products pass the filter, and all that do when fewer', async () => {
      // group-2: 8 items + FRESH-2, alice saw 3 → 6 qualify.
      const six = await forUser({ user: 'alice', k: 6, filter: { category: 'group-2' } });
      const all = await forUser({ user: 'alice', k: 20, filter: { category: 'group-2' } });
      expect(six).toHaveLength(6);
      expect(all.map((row) => row.product.sku).sort()).toEqual(six.map((row) => row.product.sku).sort());
      expect(new Set(all.map((row) => row.product.category))).toEqual(new Set(['group-2']));
    });

    it('answers an unknown shopper with trending products (cold start), filter honoured', async () => {
      expect((await forUser({ user: 'nobody-yet', k: 7 })).map((row) => row.product.sku)).toEqual(
        await trending({ k: 7 }),
      );
      const filtered = { category: 'group-4' };
      expect(
        (await forUser({ user: 'nobody-yet', k: 3, filter: filtered })).map((row) => row.product.sku),
      ).toEqual(await trending({ k: 3, filter: filtered }));
    });

    it('takes a shopper as a `like` example in recommendations', async () => {
      const result = await t.gql<{
        recommendations: Array<{
          product: { sku: string; category: string };
          explanation: { spaces: Array<{ space: string }> };
        }>;
      }>(RECOMMEND, { input: { like: [{ userToken: 'alice' }], k: 5 } }, { key: null });
      expect(result.errors).toBeUndefined();
      const rows = result.data!.recommendations;
      expect(rows[0]!.explanation.spaces.map((s) => s.space)).toEqual(['BEHAVIOR']);
      expect(rows.map((r) => r.product.sku)).not.toContain('item-2');
      expect(rows.filter((r) => r.product.category === 'group-2').length).toBeGreaterThanOrEqual(4);
      // Mixed with content when asked: products without behaviour come through ATTRIBUTES.
      const mixed = await t.gql<{
        recommendations: Array<{
          product: { sku: string };
          explanation: { spaces: Array<{ space: string }> };
        }>;
      }>(
        RECOMMEND,
        {
          input: {
            like: [{ userToken: 'alice' }],
            spaces: [
              { space: 'BEHAVIOR', weight: 1 },
              { space: 'ATTRIBUTES', weight: 1 },
            ],
            k: 40,
          },
        },
        { key: null },
      );
      expect(mixed.errors).toBeUndefined();
      expect(mixed.data!.recommendations.map((r) => r.product.sku)).toContain('FRESH-2');
      const unknown = await t.gql(
        RECOMMEND,
        { input: { like: [{ userToken: 'nobody-yet' }] } },
        { key: null },
      );
      expect(errorCodes(unknown)).toEqual(['BAD_USER_INPUT']);
      expect(unknown.errors![0]!.extensions!['field']).toBe('input.like[0].userToken');
    });

    it.each([
      [{ user: '' }, 'userToken'],
      [{ user: 'x'.repeat(201) }, 'userToken'],
      [{ user: 'alice', k: 0 }, 'k'],
      [{ user: 'alice', filter: { minPrice: -1 } }, 'filter.minPrice'],
    ])('refuses %j naming %s', async (variables, field) => {
      const result = await t.gql(FOR_USER, variables, { key: null });
      expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors![0]!.extensions!['field']).toBe(field);
    });
  });
});
