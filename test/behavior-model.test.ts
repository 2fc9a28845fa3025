// The BEHAVIOR space end to end: interactions in, a background training (pg-boss worker) that
// survives a restart, versioned item vectors with their HNSW index, the old version serving until
// the new one is whole, and BEHAVIOR in similarProducts, recommendations and productRecommendations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from './support/databases.js';
import { plantedLog } from './support/interaction-logs.js';
import { ANALYST_KEY, createTestApp, createTestAppOn, errorCodes, type TestApp } from './support/test-app.js';

const EVENTS_KEY = 'test-events-key';
const ENV = { EVENTS_API_KEYS: EVENTS_KEY };
const GROUPS = 5;
const ITEMS = 40;
const STATUS = `{ behaviorModelStatus { state version activeVersion trainedAt users items interactions progress phase error trainingSeconds } }`;
const TRAIN = `mutation { trainBehaviorModel { state version activeVersion } }`;
const RECORD = `mutation ($events: [InteractionInput!]!) { recordInteractions(events: $events) { accepted } }`;
const ADD_MANY = `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id sku } }`;
const SIMILAR = `query ($id: ID!, $k: Int) {
  similarProducts(productId: $id, space: BEHAVIOR, k: $k) { score product { sku category } explanation { spaces { space modelId } } }
}`;
const RECOMMEND = `query ($input: RecommendationInput!) {
  recommendations(input: $input) { product { sku } explanation { missingSpaces spaces { space modelId } } }
}`;
const RELATED = `query ($id: ID!) {
  productRecommendations(productId: $id, intent: RELATED, k: 3) { product { sku } explanation { spaces { space } } }
}`;

interface Status {
  state: string;
  version: number | null;
  activeVersion: number | null;
  trainedAt: string | null;
  users: number | null;
  items: number | null;
  interactions: number | null;
  progress: number;
  phase: string | null;
  error: string | null;
  trainingSeconds: number | null;
}

const product = (index: number) => ({
  sku: `item-${index}`,
  name: `Item ${index}`,
  category: `group-${index % GROUPS}`,
  price: 10,
  attributes: [
    { axis: 'value_for_money', value: (index * 37) % 99 },
    { axis: 'customer_satisfaction', value: (index * 53) % 99 },
    { axis: 'environmental_friendliness', value: 1 + ((index * 71) % 98) },
  ],
});

async function status(t: TestApp): Promise<Status> {
  const result = await t.gql<{ behaviorModelStatus: Status }>(STATUS, {}, { key: null });
  expect(result.errors).toBeUndefined();
  return result.data!.behaviorModelStatus;
}

async function waitFor(t: TestApp, done: (s: Status) => boolean, timeoutMs = 90_000): Promise<Status> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await status(t);
    if (done(current)) return current;
    if (Date.now() > deadline) throw new Error(`timed out; last status ${JSON.stringify(current)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function recordLog(t: TestApp, seed: number, users: number): Promise<number> {
  const log = plantedLog({ users, items: ITEMS, groups: GROUPS, eventsPerUser: 10, noise: 0.1, seed });
  const types = ['VIEW', 'VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE'];
  const events = log.events.map((event, index) => ({
    userToken: `${seed}-${event.user}`,
    sku: event.item,
    type: types[index % types.length],
    occurredAt: new Date(Date.now() - (log.events.length - index) * 1000).toISOString(),
  }));
  for (let start = 0; start < events.length; start += 1000) {
    const result = await t.gql(RECORD, { events: events.slice(start, start + 1000) }, { key: EVENTS_KEY });
    expect(result.errors).toBeUndefined();
  }
  return events.length;
}

describe.each(testDatabaseKinds())('the BEHAVIOR space on %s Postgres', (kind) => {
  let db: TestDatabase;
  let t: TestApp;
  let ids: Record<string, string>;
  let recorded = 0;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await createTestAppOn(db, ENV, { keepDatabase: true });
    const added = await t.gql<{ addProducts: Array<{ id: string; sku: string }> }>(ADD_MANY, {
      inputs: [...Array.from({ length: ITEMS }, (_, i) => product(i)), { ...product(ITEMS), sku: 'NEW' }],
    });
    expect(added.errors).toBeUndefined();
    ids = Object.fromEntries(added.data!.addProducts.map((p) => [p.sku, p.id]));
    recorded = await recordLog(t, 1, 200);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  it('is IDLE and unavailable before any training, and not a default space', async () => {
    expect((await status(t)).state).toBe('IDLE');
    const similar = await t.gql(SIMILAR, { id: ids['item-0'], k: 3 }, { key: null });
    expect(errorCodes(similar)).toEqual(['MODEL_UNAVAILABLE']);
    const recommended = await t.gql<{
      recommendations: Array<{ explanation: { spaces: Array<{ space: string }> } }>;
    }>(RECOMMEND, { input: { like: [{ productId: ids['item-0'] }], k: 2 } }, { key: null });
    expect(recommended.data!.recommendations[0]!.explanation.spaces.map((s) => s.space)).toEqual([
      'ATTRIBUTES',
    ]);
  });

  it('queues a training for ADMIN only, returns at once, and queues nothing new while one is pending', async () => {
    expect(errorCodes(await t.gql(TRAIN, {}, { key: ANALYST_KEY }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(TRAIN, {}, { key: null }))).toEqual(['UNAUTHENTICATED']);
    // No worker runs in this app yet: the training stays queued, in the database.
    const first = await t.gql<{ trainBehaviorModel: Status }>(TRAIN);
    expect(first.data!.trainBehaviorModel).toEqual({ state: 'QUEUED', version: 1, activeVersion: null });
    const second = await t.gql<{ trainBehaviorModel: Status }>(TRAIN);
    expect(second.data!.trainBehaviorModel.version).toBe(1);
  });

  it('survives a restart: a queued training runs when a worker starts on the database', async () => {
    await t.close();
    t = await createTestAppOn(db, ENV, { keepDatabase: true });
    await t.app.services.behavior.start();
    const ready = await waitFor(t, (s) => s.state === 'READY' || s.state === 'FAILED');
    expect(ready).toMatchObject({
      state: 'READY',
      version: 1,
      activeVersion: 1,
      users: 200,
      items: ITEMS,
      interactions: recorded,
      progress: 1,
      error: null,
    });
    expect(ready.trainedAt).not.toBeNull();
    expect(ready.trainingSeconds).toBeGreaterThan(0);
    const stored = await db.database.pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM product_embedding WHERE space = 'BEHAVIOR' AND model_id = 'behavior-v1'`,
    );
    expect(Number(stored.rows[0]!.n)).toBe(ITEMS);
    const index = await db.database.pool.query<{ def: string }>(
      `SELECT indexdef AS def FROM pg_indexes WHERE tablename = 'product_embedding' AND indexdef LIKE '%behavior-v1%'`,
    );
    expect(index.rows.map((row) => row.def)).toEqual([
      expect.stringMatching(/USING hnsw .*vector_cosine_ops/),
    ]);
  });

  it('finds the planted taste groups in similarProducts(space: BEHAVIOR)', async () => {
    let sameGroup = 0;
    for (let i = 0; i < GROUPS; i++) {
      const result = await t.gql<{
        similarProducts: Array<{
          product: { category: string };
          explanation: { spaces: Array<{ modelId: string }> };
        }>;
      }>(SIMILAR, { id: ids[`item-${i}`], k: 5 }, { key: null });
      expect(result.errors).toBeUndefined();
      expect(result.data!.similarProducts[0]!.explanation.spaces[0]!.modelId).toBe('behavior-v1');
      sameGroup += result.data!.similarProducts.filter((row) => row.product.category === `group-${i}`).length;
    }
    // 7 other items share each group; by chance 1 in 5 of the neighbours would.
    expect(sameGroup / (GROUPS * 5)).toBeGreaterThanOrEqual(0.8);
  });

  it('mixes BEHAVIOR into default recommendations and RELATED, and still reaches products without behaviour', async () => {
    const recommended = await t.gql<{
      recommendations: Array<{
        product: { sku: string };
        explanation: { missingSpaces: string[]; spaces: Array<{ space: string }> };
      }>;
    }>(
      RECOMMEND,
      { input: { like: [{ productId: ids['item-0'] }], k: 10, filter: { category: 'group-0' } } },
      { key: null },
    );
    expect(recommended.errors).toBeUndefined();
    const rows = recommended.data!.recommendations;
    expect(rows[0]!.explanation.spaces.map((s) => s.space)).toEqual(['ATTRIBUTES', 'BEHAVIOR']);
    const fresh = rows.find((row) => row.product.sku === 'NEW');
    expect(fresh?.explanation.missingSpaces).toEqual(['BEHAVIOR']);
    const related = await t.gql<{
      productRecommendations: Array<{ explanation: { spaces: Array<{ space: string }> } }>;
    }>(RELATED, { id: ids['item-0'] }, { key: null });
    expect(related.data!.productRecommendations[0]!.explanation.spaces.map((s) => s.space)).toEqual([
      'ATTRIBUTES',
      'BEHAVIOR',
    ]);
  });

  it('keeps serving the old version while a new one trains, then switches and drops the old vectors', async () => {
    await recordLog(t, 2, 50);
    const queued = await t.gql<{ trainBehaviorModel: Status }>(TRAIN);
    expect(queued.data!.trainBehaviorModel.version).toBe(2);
    expect(queued.data!.trainBehaviorModel.activeVersion).toBe(1);
    const during = await t.gql<{
      similarProducts: Array<{ explanation: { spaces: Array<{ modelId: string }> } }>;
    }>(SIMILAR, { id: ids['item-1'], k: 3 }, { key: null });
    expect(during.data!.similarProducts).toHaveLength(3);
    const ready = await waitFor(t, (s) => s.version === 2 && (s.state === 'READY' || s.state === 'FAILED'));
    expect(ready).toMatchObject({ state: 'READY', activeVersion: 2, users: 250 });
    const models = await db.database.pool.query<{ model_id: string }>(
      `SELECT DISTINCT model_id FROM product_embedding WHERE space = 'BEHAVIOR'`,
    );
    expect(models.rows.map((row) => row.model_id)).toEqual(['behavior-v2']);
    const indexes = await db.database.pool.query(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'product_embedding' AND indexdef LIKE '%behavior-v1%'`,
    );
    expect(indexes.rows).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 5_100)); // past the serving version's cache
    const after = await t.gql<{
      similarProducts: Array<{ explanation: { spaces: Array<{ modelId: string }> } }>;
    }>(SIMILAR, { id: ids['item-1'], k: 3 }, { key: null });
    expect(after.data!.similarProducts[0]!.explanation.spaces[0]!.modelId).toBe('behavior-v2');
  });

  it('resumes a training whose process died (no heartbeat), after a restart', async () => {
    await t.close();
    t = await createTestAppOn(db, ENV, { keepDatabase: true });
    const queued = await t.gql<{ trainBehaviorModel: Status }>(TRAIN);
    expect(queued.data!.trainBehaviorModel.version).toBe(3);
    // As a crash mid-training leaves it: TRAINING, partial vectors, a heartbeat gone quiet.
    await db.database.pool.query(
      `UPDATE behavior_model SET state = 'TRAINING', started_at = now() - interval '10 minutes',
              heartbeat_at = now() - interval '10 minutes' WHERE version = 3`,
    );
    await db.database.pool.query(
      `INSERT INTO product_embedding (product_id, space, model_id, embedding)
       SELECT id, 'BEHAVIOR', 'behavior-v3', array_fill(0.5, ARRAY[64])::real[]::vector FROM product LIMIT 3`,
    );
    await t.close();
    t = await createTestAppOn(db, ENV, { keepDatabase: true });
    await t.app.services.behavior.start();
    const ready = await waitFor(t, (s) => s.version === 3 && (s.state === 'READY' || s.state === 'FAILED'));
    expect(ready).toMatchObject({ state: 'READY', activeVersion: 3, items: ITEMS });
  });
});

describe.each(testDatabaseKinds())('a BEHAVIOR training without interactions on %s Postgres', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, ENV);
    await t.app.services.behavior.start();
  });
  afterAll(() => t.close());

  it('fails with a reason, and the space stays unavailable', async () => {
    await t.gql(TRAIN);
    const failed = await waitFor(t, (s) => s.state === 'FAILED' || s.state === 'READY');
    expect(failed).toMatchObject({ state: 'FAILED', version: 1, activeVersion: null });
    expect(failed.error).toMatch(/no interactions/);
  });
});
