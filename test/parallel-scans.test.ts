// A recommendation whose index scans run as parts side by side (VECTOR_SEARCH_PARALLEL_SCANS) gives
// the answer one statement gives — same products, order and scores — and splits only while the
// pool has connections to spare. Server only: the embedded database is one session and never splits.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config } from '../src/config.js';
import { databaseFromPool, serverPoolConfig } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { type App, createApp } from '../src/server.js';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from './support/databases.js';
import { ADMIN_KEY, testConfig } from './support/test-app.js';

/** A pool that keeps every recommendation statement sent through `query` (text and values). */
class CountingPool extends pg.Pool {
  readonly statements: string[] = [];
  override query(...args: unknown[]): never {
    const config = args[0] as { text?: string; values?: unknown[] } | string;
    const text = typeof config === 'string' ? config : (config.text ?? '');
    const values = typeof config === 'string' ? args[1] : config.values;
    if (text.includes('candidates AS')) this.statements.push(`${text} ${JSON.stringify(values)}`);
    return (super.query as (...a: unknown[]) => never)(...args);
  }
}

interface Service {
  readonly app: App;
  readonly pool: CountingPool;
  gql<T>(query: string, variables: Record<string, unknown>, key?: string): Promise<T>;
}

async function serviceOn(url: string, env: Record<string, string>): Promise<Service> {
  const config: Config = testConfig(env);
  const pool = new CountingPool(
    serverPoolConfig({ kind: 'server', url, poolSize: 4 }, config.search, config.timeouts),
  );
  const app = await createApp({
    config,
    database: databaseFromPool('server', pool, () => pool.end()),
    logger: createLogger(config.logLevel),
  });
  return {
    app,
    pool,
    async gql<T>(query: string, variables: Record<string, unknown>, key?: string) {
      const response = await app.apollo.executeOperation(
        { query, variables },
        { contextValue: app.contextFor(key ? `Bearer ${key}` : undefined) },
      );
      if (response.body.kind !== 'single') throw new Error('incremental delivery');
      const { data, errors } = response.body.singleResult;
      expect(errors).toBeUndefined();
      return data as T;
    },
  };
}

const RECOMMEND = `query ($input: RecommendationInput!) {
  recommendations(input: $input) { score product { id } }
}`;
type Answer = { recommendations: Array<{ score: number; product: { id: string } }> };

/** A deterministic pseudo-random sequence, so every run builds the same catalogue. */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe.runIf(testDatabaseKinds().includes('server'))('parallel index scans', () => {
  let db: TestDatabase;
  let split: Service;
  let single: Service;
  let ids: string[];

  beforeAll(async () => {
    db = await createTestDatabase('server');
    split = await serviceOn(db.url!, { VECTOR_SEARCH_PARALLEL_SCANS: '4' });
    single = await serviceOn(db.url!, { VECTOR_SEARCH_PARALLEL_SCANS: '1' });
    const random = sequence(7);
    const vocabulary = ['eco', 'kitchen', 'mug', 'gaming', 'outdoor', 'kids', 'office', 'garden', 'tech'];
    // 400 products: each space's scan (100 candidates) then finds a different part of the catalogue.
    const inputs = Array.from({ length: 400 }, (_, i) => ({
      sku: `P${i}`,
      name: `Product ${i}`,
      category: i % 4 === 0 ? 'rare' : 'common',
      price: 10 + (i % 50),
      tags: vocabulary.filter(() => random() < 0.3),
      attributes: [
        { axis: 'value_for_money', value: Math.floor(random() * 100) },
        { axis: 'customer_satisfaction', value: Math.floor(random() * 100) },
        { axis: 'environmental_friendliness', value: Math.floor(random() * 100) },
      ],
      location: { latitude: 45 + random() * 10, longitude: 5 + random() * 10 },
    }));
    const added = await split.gql<{ addProducts: Array<{ id: string }> }>(
      `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id } }`,
      { inputs },
      ADMIN_KEY,
    );
    ids = added.addProducts.map((product) => product.id);
  }, 60_000);

  afterAll(async () => {
    for (const service of [split, single]) {
      await service?.app.stop();
      await service?.pool.end();
    }
    await db?.dispose();
  });

  const spaces = [
    { space: 'ATTRIBUTES', weight: 0.2 },
    { space: 'TAGS', weight: 0.3 },
    { space: 'GEO', weight: 0.5 },
  ];
  const inputs = (): Array<[string, Record<string, unknown>, number]> => [
    ['three spaces, one liked', { like: [{ productId: ids[0] }], spaces, k: 10 }, 3],
    [
      'BEST_SCORE, two liked and one unliked in two spaces',
      {
        like: [{ productId: ids[1] }, { productId: ids[2] }],
        unlike: [{ productId: ids[3] }],
        strategy: 'BEST_SCORE',
        spaces: spaces.slice(0, 2),
        k: 12,
      },
      4,
    ],
    ['a filter, k 25', { like: [{ productId: ids[5] }], spaces, filter: { category: 'rare' }, k: 25 }, 3],
    [
      'two liked, one unliked, diversity',
      {
        like: [{ productId: ids[6] }, { productId: ids[7] }],
        unlike: [{ productId: ids[8] }],
        spaces,
        k: 10,
        diversity: 0.3,
      },
      3,
    ],
  ];

  it('answers as one statement does, in as many statements as the plan has scans', async () => {
    for (const [title, input, scans] of inputs()) {
      split.pool.statements.length = 0;
      single.pool.statements.length = 0;
      const parts = await split.gql<Answer>(RECOMMEND, { input });
      const whole = await single.gql<Answer>(RECOMMEND, { input });
      expect(parts.recommendations.length, title).toBe(input['k']);
      expect(parts.recommendations, title).toEqual(whole.recommendations);
      expect(single.pool.statements, title).toHaveLength(1);
      expect(split.pool.statements, title).toHaveLength(scans);
      expect(new Set(split.pool.statements).size, title).toBe(scans);
    }
  });

  it('sends one statement while the pool has no connection to spare', async () => {
    const [, input] = inputs()[0]!;
    // Three of the pool's four connections held elsewhere: the request has its own one only.
    const held = await Promise.all([1, 2, 3].map(() => split.pool.connect()));
    try {
      split.pool.statements.length = 0;
      const answer = await split.gql<Answer>(RECOMMEND, { input });
      expect(answer.recommendations).toHaveLength(10);
      expect(split.pool.statements).toHaveLength(1);
    } finally {
      for (const client of held) client.release();
    }
    split.pool.statements.length = 0;
    await split.gql<Answer>(RECOMMEND, { input });
    expect(split.pool.statements).toHaveLength(3);
  });
});
