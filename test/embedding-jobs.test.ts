// Re-embedding runs as jobs on the pg-boss queue: queued twice it is one job, each product's new
// vector is computed once, a job that runs out of its time slice continues in a new job, and the
// switch reaches another process's cache at once through the change feed (LISTEN/NOTIFY on the
// server), not after the cache's TTL.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { ACTIVE_MODEL_CACHE_MS } from '../src/embeddings/embedding-space.service.js';
import { ImageSpace } from '../src/inference/ports.js';
import { type ClipModelSpec } from '../src/inference/model-manifest.js';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from './support/databases.js';
import { productPhoto } from './support/images.js';
import {
  createTempModelsDir,
  testClipVisionWeights,
  type TestModels,
  writeTestClipVisionModel,
  writeTestModels,
} from './support/onnx-fixtures.js';
import { createTestAppOn, type TestApp } from './support/test-app.js';

const STATUS = `{ reembeddingStatus { space activeModelId targetModelId state done total error } }`;
const SKUS = ['A1', 'A2', 'A3', 'A4', 'A5'];

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(testDatabaseKinds())('embedding jobs on the queue (%s Postgres)', (kind) => {
  let db: TestDatabase;
  let models: TestModels;
  let manifestPath: string;
  const apps: TestApp[] = [];
  const open = async (clip: string, env: Record<string, string> = {}, database = db) => {
    const app = await createTestAppOn(
      database,
      { MODELS_DIR: models.modelsDir, MODELS_MANIFEST: manifestPath, CLIP_MODEL: clip, ...env },
      { keepDatabase: true },
    );
    apps.push(app);
    return app;
  };
  const jobRows = async () =>
    (
      await db.database.pool.query<{ state: string; key: string }>(
        `SELECT state, singleton_key AS key FROM pgboss.job WHERE name = 'embeddings-clip'
         UNION ALL SELECT state, singleton_key FROM pgboss.archive WHERE name = 'embeddings-clip'`,
      )
    ).rows;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    models = await writeTestModels(await createTempModelsDir());
    const vision = await writeTestClipVisionModel(join(models.modelsDir, 'test-clip'), {
      fileName: 'vision-v2.onnx',
      weights: testClipVisionWeights(7),
    });
    const v2: ClipModelSpec = {
      ...models.clip,
      id: 'test-clip-v2',
      vision: {
        ...models.clip.vision,
        file: { path: 'test-clip/vision-v2.onnx', sha256: vision.sha256, bytes: vision.bytes },
      },
    };
    manifestPath = join(models.modelsDir, 'manifest-v2.json');
    await writeFile(manifestPath, JSON.stringify({ models: [...models.manifest.models, v2] }));
    const first = await open('test-clip');
    const inputs = await Promise.all(
      SKUS.map(async (sku, index) => ({
        sku,
        name: sku,
        category: 'c',
        price: 1,
        attributes: ['value_for_money', 'customer_satisfaction', 'environmental_friendliness'].map(
          (axis) => ({ axis, value: 50 }),
        ),
        image: {
          base64: (await productPhoto([40 * index, 200 - 30 * index, 90], [250, 250, 250])).toString(
            'base64',
          ),
        },
      })),
    );
    const added = await first.gql(
      `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id } }`,
      { inputs },
    );
    expect(added.errors).toBeUndefined();
    await first.app.stop();
  });
  afterAll(async () => {
    for (const app of apps) await app.app.stop().catch(() => undefined);
    await db.dispose();
    await rm(models.modelsDir, { recursive: true, force: true });
  });

  it('runs a re-embedding queued twice once, in slices, and every process serves the new model at once', async () => {
    // Another process (on the server: its own pool, its own LISTEN connection) caches the old model.
    const otherDatabase =
      kind === 'server' ? await openDatabase({ kind: 'server', url: db.url!, poolSize: 2 }) : null;
    const other = otherDatabase ? await open('test-clip', {}, { ...db, database: otherDatabase }) : null;
    other?.app.services.changes.listen();
    expect((await other?.app.services.spaces.activeModel(ImageSpace.CLIP))?.modelId ?? 'test-clip').toBe(
      'test-clip',
    );

    // An API process queues the job before any worker runs, twice: one job.
    const api = await open('test-clip-v2', { JOB_TIMEOUT_SECONDS: '3' });
    await api.app.services.reembedding.start({ work: false });
    await api.app.services.reembedding.enqueuePending();
    expect(await jobRows()).toEqual([{ state: 'created', key: 'test-clip-v2' }]);
    await api.app.stop();

    // JOB_TIMEOUT_SECONDS=3: slices of 1 s; the first batch takes longer, so the job continues in a second job.
    const worker = await open('test-clip-v2', { JOB_TIMEOUT_SECONDS: '3' });
    worker.app.services.changes.listen();
    const computed: string[] = [];
    const embeddings = worker.app.services.embeddings;
    const save = embeddings.saveEmbeddings.bind(embeddings);
    embeddings.saveEmbeddings = async (rows) => {
      if (computed.length === 0) await new Promise((resolve) => setTimeout(resolve, 1_200));
      computed.push(...rows.filter((row) => row.modelId === 'test-clip-v2').map((row) => row.productId));
      await save(rows);
    };
    const slices: string[] = [];
    const reembedding = worker.app.services.reembedding;
    const runJob = reembedding.runJob.bind(reembedding);
    reembedding.runJob = async (space, modelId) => {
      const outcome = await runJob(space, modelId);
      slices.push(outcome);
      return outcome;
    };
    await reembedding.start({ work: true });
    const switched = Date.now();
    await until(
      async () =>
        (await worker.gql<{ reembeddingStatus: Array<{ activeModelId: string }> }>(STATUS)).data!
          .reembeddingStatus[1]!.activeModelId,
      (active) => active === 'test-clip-v2',
    );
    if (other) {
      // Heard through NOTIFY, well before the cache's own re-read.
      await until(
        async () => (await other.app.services.spaces.activeModel(ImageSpace.CLIP))?.modelId,
        (model) => model === 'test-clip-v2',
        1_000,
      );
      expect(Date.now() - switched).toBeLessThan(ACTIVE_MODEL_CACHE_MS);
    }
    // The switch is written inside the last slice, which reports 'done' a moment later.
    await until(
      () => Promise.resolve(slices.at(-1)),
      (last) => last === 'done',
    );
    // At least two slices (the first is held past its 1 s budget); more when the machine is slow.
    expect(slices.length).toBeGreaterThanOrEqual(2);
    expect(slices).toEqual([...Array<string>(slices.length - 1).fill('more'), 'done']);
    // Each product's new vector was computed exactly once.
    expect([...computed].sort()).toEqual([...new Set(computed)].sort());
    expect(computed).toHaveLength(SKUS.length);
    const status = await worker.gql<{ reembeddingStatus: unknown[] }>(STATUS);
    expect(status.data!.reembeddingStatus[1]).toEqual({
      space: 'CLIP',
      activeModelId: 'test-clip-v2',
      targetModelId: null,
      state: 'IDLE',
      done: SKUS.length,
      total: SKUS.length,
      error: null,
    });
    await other?.app.stop();
    await otherDatabase?.close();
  });

  it.runIf(kind === 'server')(
    'leaves the photos an API process stores to a worker, which embeds them',
    async () => {
      const api = await open('test-clip-v2', { ROLE: 'api', DATABASE_URL: db.url! });
      await api.app.services.reembedding.start({ work: false });
      const photo = (await productPhoto([30, 60, 200], [250, 250, 250])).toString('base64');
      const added = await api.gql<{
        addProduct: { id: string; embeddingStatus: Array<{ space: string; state: string }> };
      }>(
        `mutation ($input: ProductInput!) { addProduct(input: $input) { id embeddingStatus { space state } } }`,
        {
          input: {
            sku: 'API-1',
            name: 'API-1',
            category: 'c',
            price: 1,
            attributes: ['value_for_money', 'customer_satisfaction', 'environmental_friendliness'].map(
              (axis) => ({ axis, value: 50 }),
            ),
            image: { base64: photo },
          },
        },
      );
      expect(added.errors).toBeUndefined();
      // Stored at once, without its vector: no model ran in the API process.
      expect(added.data!.addProduct.embeddingStatus).toContainEqual({ space: 'CLIP', state: 'MISSING' });
      expect((await jobRows()).filter((job) => job.state === 'created')).toEqual([
        { state: 'created', key: 'test-clip-v2' },
      ]);
      const worker = await open('test-clip-v2', { ROLE: 'worker', DATABASE_URL: db.url! });
      await worker.app.services.reembedding.start({ work: true });
      const status = await until(
        async () =>
          (
            await api.gql<{ product: { embeddingStatus: Array<{ space: string; state: string }> } }>(
              `query ($id: ID!) { product(id: $id) { embeddingStatus { space state } } }`,
              { id: added.data!.addProduct.id },
            )
          ).data?.product.embeddingStatus ?? [],
        (states) => states.some((entry) => entry.space === 'CLIP' && entry.state === 'PRESENT'),
      );
      expect(status).toContainEqual({ space: 'CLIP', state: 'PRESENT' });
    },
  );
});
