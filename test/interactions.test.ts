// Interaction events and trending: what recordInteractions stores, that a bad batch is refused
// whole (naming the event and field) and writes nothing, idempotency by eventId, the EVENTS role,
// and trendingProducts against the decay formula computed here independently.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from './support/databases.js';
import {
  ANALYST_KEY,
  createTestApp,
  createTestAppOn,
  errorCodes,
  type GraphQLResult,
  type TestApp,
} from './support/test-app.js';

const EVENTS_KEY = 'test-events-key';
const RECORD = `mutation ($events: [InteractionInput!]!) { recordInteractions(events: $events) { accepted duplicates } }`;
const TRENDING = `query ($k: Int, $filter: ProductFilter, $windowDays: Int) {
  trendingProducts(k: $k, filter: $filter, windowDays: $windowDays) { score distance product { sku } }
}`;
const ADD_MANY = `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id sku } }`;

const WEIGHTS = { VIEW: 1, CLICK: 2, ADD_TO_CART: 4, PURCHASE: 8 } as const;
type Type = keyof typeof WEIGHTS;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const product = (sku: string, category: string) => ({
  sku,
  name: `Product ${sku}`,
  category,
  price: 10,
  attributes: [
    { axis: 'value_for_money', value: 50 },
    { axis: 'customer_satisfaction', value: 50 },
    { axis: 'environmental_friendliness', value: 50 },
  ],
});

interface Planted {
  user: string;
  sku: string;
  type: Type;
  ageMs: number;
}

/** The trending score as documented: Σ_shoppers min(Σ w·2^(−age/halfLife), max w) within the window. */
function expectedTrending(events: readonly Planted[], windowDays: number): Map<string, number> {
  const halfLifeMs = (windowDays / 4) * DAY;
  const perShopper = new Map<string, number>();
  for (const event of events) {
    if (event.ageMs > windowDays * DAY) continue;
    const key = `${event.sku}|${event.user}`;
    perShopper.set(
      key,
      (perShopper.get(key) ?? 0) + WEIGHTS[event.type] * Math.pow(2, -event.ageMs / halfLifeMs),
    );
  }
  const scores = new Map<string, number>();
  for (const [key, interest] of perShopper) {
    const sku = key.split('|')[0]!;
    scores.set(sku, (scores.get(sku) ?? 0) + Math.min(interest, 8));
  }
  return scores;
}

describe.each(testDatabaseKinds())('interaction events and trending on %s Postgres', (kind) => {
  let t: TestApp;
  let ids: Record<string, string>;

  const countEvents = async () =>
    Number(
      (await t.db.database.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM interaction')).rows[0]!
        .n,
    );

  const record = (events: unknown[], key: string | null = EVENTS_KEY) =>
    t.gql<{ recordInteractions: { accepted: number; duplicates: number } }>(RECORD, { events }, { key });

  async function expectRefused(events: unknown[], field: string): Promise<GraphQLResult> {
    const before = await countEvents();
    const result = await record(events);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.extensions!['field']).toBe(field);
    expect(await countEvents()).toBe(before);
    return result;
  }

  beforeAll(async () => {
    t = await createTestApp(kind, { EVENTS_API_KEYS: EVENTS_KEY, EVENTS_MAX_CLOCK_SKEW_SECONDS: '120' });
    // T6 is added last: the newest product.
    const added = await t.gql<{ addProducts: Array<{ id: string; sku: string }> }>(ADD_MANY, {
      inputs: [
        product('T1', 'kitchen'),
        product('T2', 'kitchen'),
        product('T3', 'kitchen'),
        product('T4', 'garden'),
        product('T5', 'garden'),
      ],
    });
    expect(added.errors).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const newest = await t.gql<{ addProducts: Array<{ id: string; sku: string }> }>(ADD_MANY, {
      inputs: [product('T6', 'kitchen')],
    });
    ids = Object.fromEntries(
      [...added.data!.addProducts, ...newest.data!.addProducts].map((p) => [p.sku, p.id]),
    );
  });
  afterAll(() => t.close());

  describe('recordInteractions', () => {
    it('needs an EVENTS or ADMIN key, and an EVENTS key may do nothing else', async () => {
      const event = { userToken: 'u-auth', sku: 'T1', type: 'VIEW', eventId: 'auth-1' };
      expect(errorCodes(await record([event], null))).toEqual(['UNAUTHENTICATED']);
      expect(errorCodes(await record([event], ANALYST_KEY))).toEqual(['FORBIDDEN']);
      expect((await record([event])).data!.recordInteractions).toEqual({ accepted: 1, duplicates: 0 });
      expect(
        (await record([{ ...event, eventId: 'auth-2' }], 'test-admin-key')).data!.recordInteractions,
      ).toEqual({ accepted: 1, duplicates: 0 });
      const addProduct = await t.gql(ADD_MANY, { inputs: [product('NOPE', 'x')] }, { key: EVENTS_KEY });
      expect(errorCodes(addProduct)).toEqual(['FORBIDDEN']);
      await t.db.database.pool.query(`DELETE FROM interaction WHERE event_id LIKE 'auth-%'`);
    });

    it('stores events by id or SKU, defaulting occurredAt to now', async () => {
      const before = Date.now();
      const result = await record([
        { eventId: 'store-1', userToken: 'shopper-a', productId: ids['T1'], type: 'VIEW' },
        {
          eventId: 'store-2',
          userToken: 'shopper-a',
          sku: 'T2',
          type: 'PURCHASE',
          orderId: 'order-9',
          occurredAt: '2026-01-02T03:04:05.678Z',
        },
      ]);
      expect(result.data!.recordInteractions).toEqual({ accepted: 2, duplicates: 0 });
      const rows = await t.db.database.pool.query<{
        event_id: string;
        user_token: string;
        product_id: string;
        type: string;
        occurred_at: Date;
        order_id: string | null;
      }>(
        `SELECT event_id, user_token, product_id::text, type, occurred_at, order_id FROM interaction
          WHERE event_id LIKE 'store-%' ORDER BY event_id`,
      );
      expect(
        rows.rows.map((row) => [row.event_id, row.user_token, row.product_id, row.type, row.order_id]),
      ).toEqual([
        ['store-1', 'shopper-a', ids['T1'], 'VIEW', null],
        ['store-2', 'shopper-a', ids['T2'], 'PURCHASE', 'order-9'],
      ]);
      const defaulted = rows.rows[0]!.occurred_at.getTime();
      expect(defaulted).toBeGreaterThanOrEqual(before - 5);
      expect(defaulted).toBeLessThanOrEqual(Date.now() + 5);
      expect(rows.rows[1]!.occurred_at.toISOString()).toBe('2026-01-02T03:04:05.678Z');
      await t.db.database.pool.query(`DELETE FROM interaction WHERE event_id LIKE 'store-%'`);
    });

    it('counts an eventId seen before, or earlier in the batch, as a duplicate and stores it once', async () => {
      const first = await record([
        { eventId: 'dup-1', userToken: 'u', sku: 'T1', type: 'VIEW' },
        { eventId: 'dup-2', userToken: 'u', sku: 'T1', type: 'CLICK' },
        { eventId: 'dup-2', userToken: 'u', sku: 'T1', type: 'CLICK' },
        { userToken: 'u', sku: 'T1', type: 'VIEW' },
      ]);
      expect(first.data!.recordInteractions).toEqual({ accepted: 3, duplicates: 1 });
      const again = await record([
        { eventId: 'dup-1', userToken: 'u', sku: 'T1', type: 'VIEW' },
        { eventId: 'dup-3', userToken: 'u', sku: 'T1', type: 'VIEW' },
        { userToken: 'u', sku: 'T1', type: 'VIEW' },
      ]);
      expect(again.data!.recordInteractions).toEqual({ accepted: 2, duplicates: 1 });
      const stored = await t.db.database.pool.query<{ event_id: string | null; n: string }>(
        `SELECT event_id, count(*)::text AS n FROM interaction WHERE user_token = 'u' GROUP BY event_id ORDER BY event_id`,
      );
      expect(stored.rows.map((row) => [row.event_id, Number(row.n)])).toEqual([
        ['dup-1', 1],
        ['dup-2', 1],
        ['dup-3', 1],
        [null, 2],
      ]);
      await t.db.database.pool.query(`DELETE FROM interaction WHERE user_token = 'u'`);
    });

    it('accepts a batch of 1000 and refuses 1001 naming `events`', async () => {
      const batch = Array.from({ length: 1000 }, (_, i) => ({
        eventId: `bulk-${i}`,
        userToken: `bulk-user-${i % 37}`,
        sku: `T${1 + (i % 5)}`,
        type: 'VIEW',
        occurredAt: new Date(Date.now() - 30 * DAY).toISOString(),
      }));
      expect((await record(batch)).data!.recordInteractions).toEqual({ accepted: 1000, duplicates: 0 });
      await expectRefused([...batch, { userToken: 'x', sku: 'T1', type: 'VIEW' }], 'events');
      await t.db.database.pool.query(`DELETE FROM interaction WHERE event_id LIKE 'bulk-%'`);
    });

    const good = { userToken: 'ok', sku: 'T1', type: 'VIEW' };
    it.each([
      ['an unknown SKU', { ...good, sku: 'NO-SUCH-SKU' }, 'events[1].sku'],
      [
        'an unknown product id',
        { ...good, sku: null, productId: '00000000-0000-4000-8000-000000000000' },
        'events[1].productId',
      ],
      ['a malformed product id', { ...good, sku: null, productId: 'not-a-uuid' }, 'events[1].productId'],
      [
        'both productId and sku',
        { ...good, productId: '00000000-0000-4000-8000-000000000000' },
        'events[1].productId',
      ],
      ['neither productId nor sku', { ...good, sku: null }, 'events[1].productId'],
      ['an empty userToken', { ...good, userToken: '' }, 'events[1].userToken'],
      ['a blank userToken', { ...good, userToken: '   ' }, 'events[1].userToken'],
      ['a 201-character userToken', { ...good, userToken: 'x'.repeat(201) }, 'events[1].userToken'],
      ['a 201-character eventId', { ...good, eventId: 'e'.repeat(201) }, 'events[1].eventId'],
      ['an empty orderId', { ...good, orderId: '' }, 'events[1].orderId'],
      [
        'a time an hour ahead',
        { ...good, occurredAt: new Date(Date.now() + HOUR).toISOString() },
        'events[1].occurredAt',
      ],
    ])(
      'refuses a batch with %s, naming the event and field, and writes none of it',
      async (_, bad, field) => {
        await expectRefused([{ ...good, eventId: 'never-1' }, bad, { ...good, eventId: 'never-2' }], field);
      },
    );

    it('lists every problem of a batch, and accepts a time within the allowed clock skew', async () => {
      const result = await expectRefused(
        [
          { ...good, userToken: '' },
          { ...good, sku: 'NOPE' },
        ],
        'events[0].userToken',
      );
      // Shape problems are reported before products are looked up.
      expect(
        (result.errors![0]!.extensions!['problems'] as Array<{ field: string }>).map((p) => p.field),
      ).toEqual(['events[0].userToken']);
      const unknown = await expectRefused(
        [{ ...good, sku: 'NOPE-1' }, good, { ...good, sku: 'NOPE-2' }],
        'events[0].sku',
      );
      expect(
        (unknown.errors![0]!.extensions!['problems'] as Array<{ field: string }>).map((p) => p.field),
      ).toEqual(['events[0].sku', 'events[2].sku']);
      const skewed = await record([
        { ...good, eventId: 'skew-1', occurredAt: new Date(Date.now() + 60_000).toISOString() },
      ]);
      expect(skewed.data!.recordInteractions).toEqual({ accepted: 1, duplicates: 0 });
      await t.db.database.pool.query(`DELETE FROM interaction WHERE event_id = 'skew-1'`);
    });
  });

  describe('trendingProducts', () => {
    const planted: Planted[] = [
      // T1: three shoppers viewed it an hour ago.
      ...['a', 'b', 'c'].map((user) => ({ user, sku: 'T1', type: 'VIEW' as const, ageMs: HOUR })),
      // T2: one purchase two days ago.
      { user: 'd', sku: 'T2', type: 'PURCHASE', ageMs: 2 * DAY },
      // T3: one shopper reloading the page forty times counts no more than a purchase.
      ...Array.from({ length: 40 }, (_, i) => ({
        user: 'e',
        sku: 'T3',
        type: 'VIEW' as const,
        ageMs: HOUR + i * 1000,
      })),
      // T4: five purchases twenty days ago, outside a week's window, inside a month's.
      ...['f', 'g', 'h', 'i', 'j'].map((user) => ({
        user,
        sku: 'T4',
        type: 'PURCHASE' as const,
        ageMs: 20 * DAY,
      })),
    ];

    beforeAll(async () => {
      await t.db.database.pool.query('DELETE FROM interaction');
      const now = Date.now();
      const result = await record(
        planted.map((event, index) => ({
          eventId: `trend-${index}`,
          userToken: event.user,
          sku: event.sku,
          type: event.type,
          occurredAt: new Date(now - event.ageMs).toISOString(),
        })),
      );
      expect(result.data!.recordInteractions.accepted).toBe(planted.length);
    });

    type Row = { score: number; distance: number; product: { sku: string } };
    const trending = async (variables: Record<string, unknown>) => {
      const result = await t.gql<{ trendingProducts: Row[] }>(TRENDING, variables, { key: null });
      expect(result.errors).toBeUndefined();
      return result.data!.trendingProducts;
    };

    /** The same query from a second process on the same database (nothing of the first one's memory). */
    const trendingFresh = async (variables: Record<string, unknown>) => {
      const other = await createTestAppOn(t.db, { EVENTS_API_KEYS: EVENTS_KEY }, { keepDatabase: true });
      try {
        const result = await other.gql<{ trendingProducts: Row[] }>(TRENDING, variables, { key: null });
        expect(result.errors).toBeUndefined();
        return result.data!.trendingProducts;
      } finally {
        await other.close();
      }
    };

    it('ranks by time-decayed, weighted, per-shopper-capped popularity, then fills up to k', async () => {
      const rows = await trending({ k: 10 });
      const expected = expectedTrending(planted, 7);
      expect([...expected.keys()].sort()).toEqual(['T1', 'T2', 'T3']);
      // T3 (8, the cap) > T2 (8·2^(−2/1.75) ≈ 3.6) > T1 (3·2^(−1/42) ≈ 2.95); then T4 by all-time
      // popularity, then the never-seen products newest first.
      expect(rows.map((row) => row.product.sku)).toEqual(['T3', 'T2', 'T1', 'T4', 'T6', 'T5']);
      for (const row of rows.slice(0, 3)) {
        expect(row.score).toBeCloseTo(expected.get(row.product.sku)!, 2);
        expect(row.distance).toBeCloseTo(1 - row.score / rows[0]!.score, 6);
      }
      expect(rows.slice(3).map((row) => [row.score, row.distance])).toEqual([
        [0, 1],
        [0, 1],
        [0, 1],
      ]);
    });

    it('takes the window from windowDays', async () => {
      const rows = await trending({ k: 4, windowDays: 30 });
      const expected = expectedTrending(planted, 30);
      const order = [...expected.entries()].sort((a, b) => b[1] - a[1]).map(([sku]) => sku);
      expect(order).toEqual(['T3', 'T2', 'T4', 'T1']);
      expect(rows.map((row) => row.product.sku)).toEqual(order);
      rows.forEach((row) => expect(row.score).toBeCloseTo(expected.get(row.product.sku)!, 2));
    });

    it('honours the product filter, in the window and in the fill', async () => {
      expect((await trending({ k: 2, filter: { category: 'kitchen' } })).map((r) => r.product.sku)).toEqual([
        'T3',
        'T2',
      ]);
      expect((await trending({ k: 5, filter: { category: 'garden' } })).map((r) => r.product.sku)).toEqual([
        'T4',
        'T5',
      ]);
    });

    it('counts events recorded after the snapshot at once, as a full recomputation would', async () => {
      // The queries above made the 7-day snapshot; these events come after it.
      const before = await trending({ k: 3 });
      expect(before[0]!.product.sku).toBe('T3');
      const burst = ['u-a', 'u-b', 'u-c'].flatMap((user) => [
        { userToken: user, productId: ids['T5'], type: 'PURCHASE' },
        { userToken: user, productId: ids['T1'], type: 'CLICK' },
      ]);
      expect((await record(burst)).data!.recordInteractions.accepted).toBe(6);
      const live = await trending({ k: 4 });
      // T5: three shoppers' purchases now (3 × 8) tops everything.
      expect(live[0]!.product.sku).toBe('T5');
      expect(live[0]!.score).toBeCloseTo(24, 2);
      // The same ranking and scores as a snapshot made now from the whole window.
      await t.db.database.pool.query('DELETE FROM trending_snapshot');
      const full = await trendingFresh({ k: 4 });
      expect(live.map((row) => row.product.sku)).toEqual(full.map((row) => row.product.sku));
      live.forEach((row, index) => expect(row.score).toBeCloseTo(full[index]!.score, 3));
      // The snapshot table holds the recomputation.
      const stored = await t.db.database.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM trending_score WHERE window_days = 7',
      );
      expect(stored.rows[0]!.n).toBeGreaterThan(0);
    });

    it.each([
      [{ k: 0 }, 'k'],
      [{ k: 101 }, 'k'],
      [{ windowDays: 0 }, 'windowDays'],
      [{ windowDays: 366 }, 'windowDays'],
      [{ filter: { minPrice: -1 } }, 'filter.minPrice'],
    ])('refuses %j naming %s', async (variables, field) => {
      const result = await t.gql(TRENDING, variables, { key: null });
      expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors![0]!.extensions!['field']).toBe(field);
    });
  });
});
