// Changing CLIP_MODEL re-embeds the catalogue without downtime: the old vectors answer queries until
// the new ones are complete, the job resumes after a restart, then the space switches.
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageSpace } from '../src/inference/ports.js';
import { type ClipModelSpec } from '../src/inference/model-manifest.js';
import { ImagePreprocessor } from '../src/imaging/image-preprocessor.js';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from './support/databases.js';
import { productPhoto } from './support/images.js';
import { cosine } from './support/metrics.js';
import {
  createTempModelsDir,
  testClipVisionReference,
  testClipVisionWeights,
  type TestModels,
  writeTestClipVisionModel,
  writeTestModels,
} from './support/onnx-fixtures.js';
import { ANALYST_KEY, createTestAppOn, errorCodes, type TestApp } from './support/test-app.js';

const STATUS = `{ reembeddingStatus { space activeModelId targetModelId state done total error } }`;
const SIMILAR = `query ($id: ID!) { similarProducts(productId: $id, space: CLIP, k: 10) { score product { sku } } }`;
const COLOURS: Array<[string, [number, number, number]]> = [
  ['R1', [200, 30, 30]],
  ['R2', [210, 40, 35]],
  ['B1', [30, 40, 200]],
  ['G1', [30, 180, 40]],
  ['Y1', [220, 200, 40]],
];

describe.each(testDatabaseKinds())('re-embedding after a model change (%s Postgres)', (kind) => {
  let db: TestDatabase;
  let models: TestModels;
  let manifestPath: string;
  let ids: Record<string, string>;
  const v2Weights = testClipVisionWeights(99);
  const env = (clip: string) => ({
    MODELS_DIR: models.modelsDir,
    MODELS_MANIFEST: manifestPath,
    CLIP_MODEL: clip,
  });
  const apps: TestApp[] = [];
  const open = async (clip: string) => {
    const app = await createTestAppOn(db, env(clip), { keepDatabase: true });
    apps.push(app);
    return app;
  };
  const vectors = async (modelId: string) => {
    const result = await db.database.pool.query<{ sku: string; v: string }>(
      `SELECT p.sku, e.embedding::text AS v FROM product_embedding e JOIN product p ON p.id = e.product_id WHERE model_id = $1`,
      [modelId],
    );
    return new Map(result.rows.map((row) => [row.sku, row.v.slice(1, -1).split(',').map(Number)]));
  };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    models = await writeTestModels(await createTempModelsDir());
    // test-clip-v2: the same text tower, a vision tower with other weights.
    const vision = await writeTestClipVisionModel(join(models.modelsDir, 'test-clip'), {
      fileName: 'vision-v2.onnx',
      weights: v2Weights,
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
      COLOURS.map(async ([sku, colour]) => ({
        sku,
        name: sku,
        category: 'c',
        price: 1,
        attributes: ['value_for_money', 'customer_satisfaction', 'environmental_friendliness'].map(
          (axis) => ({ axis, value: 50 }),
        ),
        image: { base64: (await productPhoto(colour, [250, 250, 250])).toString('base64') },
      })),
    );
    const added = await first.gql<{ addProducts: Array<{ id: string; sku: string }> }>(
      `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id sku } }`,
      { inputs },
    );
    expect(added.errors).toBeUndefined();
    ids = Object.fromEntries(added.data!.addProducts.map((p) => [p.sku, p.id]));
    await first.close();
  });
  afterAll(async () => {
    for (const app of apps) await app.app.stop().catch(() => undefined);
    await db.dispose();
    await rm(models.modelsDir, { recursive: true, force: true });
  });

  it('keeps serving the old vectors, resumes after a restart, then switches to the new model', async () => {
    const before = await (await open('test-clip')).gql(SIMILAR, { id: ids['R1'] });

    // Restart with CLIP_MODEL changed: the space gets a target, the old model still serves.
    const second = await open('test-clip-v2');
    const status = await second.gql<{ reembeddingStatus: unknown[] }>(STATUS);
    expect(status.data!.reembeddingStatus).toEqual([
      expect.objectContaining({ space: 'IMAGE', state: 'IDLE' }),
      {
        space: 'CLIP',
        activeModelId: 'test-clip',
        targetModelId: 'test-clip-v2',
        state: 'PENDING',
        done: 0,
        total: 5,
        error: null,
      },
    ]);
    expect(await second.gql(SIMILAR, { id: ids['R1'] })).toEqual(before);
    expect(errorCodes(await second.gql(STATUS, undefined, { key: ANALYST_KEY }))).toEqual(['FORBIDDEN']);

    // A product added during the roll-over gets vectors by both models.
    const added = await second.gql<{ addProduct: { id: string } }>(
      `mutation ($input: ProductInput!) { addProduct(input: $input) { id } }`,
      {
        input: {
          sku: 'R3',
          name: 'R3',
          category: 'c',
          price: 1,
          attributes: ['value_for_money', 'customer_satisfaction', 'environmental_friendliness'].map(
            (axis) => ({ axis, value: 50 }),
          ),
          image: { base64: (await productPhoto([205, 35, 30], [250, 250, 250])).toString('base64') },
        },
      },
    );
    expect(added.errors).toBeUndefined();
    expect((await vectors('test-clip')).has('R3')).toBe(true);
    expect((await vectors('test-clip-v2')).has('R3')).toBe(true);

    // Two products' worth of work, then the process "dies".
    const stop = new AbortController();
    let batches = 0;
    const originalSave = second.app.services.embeddings.saveEmbeddings.bind(second.app.services.embeddings);
    second.app.services.embeddings.saveEmbeddings = async (rows) => {
      await originalSave(rows);
      if (++batches === 1) stop.abort();
    };
    await second.app.services.reembedding.run(ImageSpace.CLIP, { batchSize: 2, signal: stop.signal });
    const halfway = await second.gql<{
      reembeddingStatus: Array<{ done: number; total: number; targetModelId: string }>;
    }>(STATUS);
    expect(halfway.data!.reembeddingStatus[1]).toMatchObject({
      targetModelId: 'test-clip-v2',
      done: 3,
      total: 6,
    });
    // Halfway, queries still run on the old model's vectors: the same scores as before.
    type Similar = { similarProducts: Array<{ score: number; product: { sku: string } }> };
    const during = await second.gql<Similar>(SIMILAR, { id: ids['R1'] });
    for (const row of (before as { data: Similar }).data.similarProducts) {
      expect(during.data!.similarProducts.find((r) => r.product.sku === row.product.sku)!.score).toBeCloseTo(
        row.score,
        10,
      );
    }
    await second.app.stop();

    // After the restart the job resumes and completes; the space switches and old vectors go.
    const third = await open('test-clip-v2');
    await third.app.services.reembedding.run(ImageSpace.CLIP, { batchSize: 2 });
    const done = await third.gql<{ reembeddingStatus: unknown[] }>(STATUS);
    expect(done.data!.reembeddingStatus[1]).toEqual({
      space: 'CLIP',
      activeModelId: 'test-clip-v2',
      targetModelId: null,
      state: 'IDLE',
      done: 6,
      total: 6,
      error: null,
    });
    expect((await vectors('test-clip')).size).toBe(0);

    // The new vectors are exactly what the new model computes, and they now answer queries.
    const stored = await db.database.pool.query<{ bytes: Buffer }>(
      `SELECT bytes FROM product_image WHERE product_id = $1`,
      [ids['B1']],
    );
    const tensor = await new ImagePreprocessor().preprocess(
      [Buffer.from(stored.rows[0]!.bytes)],
      models.clip.vision.preprocess,
    );
    const expected = Array.from(testClipVisionReference(v2Weights, tensor, 1));
    const v2 = await vectors('test-clip-v2');
    expect(cosine(v2.get('B1')!, expected)).toBeGreaterThan(0.99999);
    const after = await third.gql<{ similarProducts: Array<{ score: number; product: { sku: string } }> }>(
      SIMILAR,
      { id: ids['R1'] },
    );
    const r1 = v2.get('R1')!;
    const ranking = [...v2]
      .filter(([sku]) => sku !== 'R1')
      .sort((a, b) => cosine(r1, b[1]) - cosine(r1, a[1]));
    expect(after.data!.similarProducts.map((row) => row.product.sku)).toEqual(ranking.map(([sku]) => sku));
    expect(after.data!.similarProducts[0]!.score).toBeCloseTo(cosine(r1, ranking[0]![1]), 5);
  });
});
