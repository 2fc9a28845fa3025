// Spaces above 2000 dimensions (stored and compared as halfvec) with VECTOR_SEARCH_BINARY_CANDIDATES:
// candidates come from the Hamming index on the binary-quantised vectors and are ranked by the exact
// distance. Checked end to end with a generated 2100-d CNN: the answers are the exact ones (same
// products, same scores) for one space, several spaces and a filter; the unused cosine index is not
// built; and the statement is one the planner serves from the Hamming index.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchesBinaryCandidates } from '../src/db/database.js';
import { embeddingIndexName } from '../src/db/vector-sql.js';
import { recommendationSql } from '../src/recommendations/recommendation.sql.js';
import {
  DistanceMetric,
  EmbeddingSpace,
  RecommendationStrategy,
} from '../src/recommendations/recommendation.domain.js';
import { type RecommendationPlan } from '../src/recommendations/recommendation-plan.js';
import { testDatabaseKinds } from './support/databases.js';
import { productPhoto, type Rgb } from './support/images.js';
import {
  createTempModelsDir,
  seededRandom,
  type TestModels,
  writeTestModels,
} from './support/onnx-fixtures.js';
import { createTestApp, createTestAppOn, type TestApp } from './support/test-app.js';

const DIMENSION = 2100;
const PRODUCTS = 48;
const CATEGORIES = ['red-ish', 'blue-ish', 'other'];

const ADD_MANY = `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id sku } }`;
const SIMILAR = `query ($id: ID!) {
  similarProducts(productId: $id, space: IMAGE, k: 5) { score product { sku } }
}`;
const RECOMMEND = `query ($input: RecommendationInput!) {
  recommendations(input: $input) { score product { sku } }
}`;

type Scored = Array<{ score: number; product: { sku: string } }>;

describe('VECTOR_SEARCH_BINARY_CANDIDATES', () => {
  it('is on for the embedded database and off for the server unless set', () => {
    expect(searchesBinaryCandidates('auto', 'embedded')).toBe(true);
    expect(searchesBinaryCandidates('auto', 'server')).toBe(false);
    expect(searchesBinaryCandidates('on', 'server')).toBe(true);
    expect(searchesBinaryCandidates('off', 'embedded')).toBe(false);
  });
});

describe.each(testDatabaseKinds())(
  'binary-quantised candidates for a 2100-d space on %s Postgres',
  (kind) => {
    let models: TestModels;
    let binary: TestApp;
    let exact: TestApp;
    let ids: Record<string, string>;

    beforeAll(async () => {
      models = await writeTestModels(await createTempModelsDir(), { cnnDimension: DIMENSION });
      const env = {
        MODELS_DIR: models.modelsDir,
        MODELS_MANIFEST: models.manifestPath,
        IMAGE_MODEL: 'test-cnn',
        CLIP_MODEL: 'test-clip',
        // The default on the embedded database; set on the server.
        ...(kind === 'server' ? { VECTOR_SEARCH_BINARY_CANDIDATES: 'on' } : {}),
        // Filtered queries take the index's iterative scan, not the exact scan of few rows.
        FILTER_EXACT_SCAN_MAX_ROWS: '0',
      };
      binary = await createTestApp(kind, env);
      const random = seededRandom(7);
      const colour = (): Rgb => [0, 0, 0].map(() => Math.floor(random() * 256)) as unknown as Rgb;
      const inputs = [];
      for (let index = 0; index < PRODUCTS; index++) {
        const photo = await productPhoto(colour(), colour());
        inputs.push({
          sku: `P-${index}`,
          name: `Product ${index}`,
          category: CATEGORIES[index % CATEGORIES.length],
          price: 10 + index,
          attributes: [
            { axis: 'value_for_money', value: Math.floor(random() * 100) },
            { axis: 'customer_satisfaction', value: Math.floor(random() * 100) },
            { axis: 'environmental_friendliness', value: Math.floor(random() * 100) },
          ],
          image: { base64: photo.toString('base64') },
        });
      }
      const added = await binary.gql<{ addProducts: Array<{ id: string; sku: string }> }>(ADD_MANY, {
        inputs,
      });
      expect(added.errors).toBeUndefined();
      ids = Object.fromEntries(added.data!.addProducts.map((product) => [product.sku, product.id]));
      await binary.app.services.spaces.ensureIndexes();
      exact = await createTestAppOn(
        binary.db,
        { ...env, VECTOR_SEARCH_EXACT: 'true' },
        { keepDatabase: true },
      );
    }, 120_000);
    afterAll(async () => {
      await exact?.close();
      await binary?.close();
      await rm(models.modelsDir, { recursive: true, force: true });
    });

    const expectSameAnswer = (got: Scored, want: Scored) => {
      expect(got.map((entry) => entry.product.sku)).toEqual(want.map((entry) => entry.product.sku));
      got.forEach((entry, index) => expect(entry.score).toBeCloseTo(want[index]!.score, 6));
    };

    it('answers similarProducts with the exact products and scores', async () => {
      for (const sku of ['P-0', 'P-7', 'P-19', 'P-30', 'P-47']) {
        const got = await binary.gql<{ similarProducts: Scored }>(SIMILAR, { id: ids[sku] });
        const want = await exact.gql<{ similarProducts: Scored }>(SIMILAR, { id: ids[sku] });
        expect(got.errors).toBeUndefined();
        expect(got.data!.similarProducts).toHaveLength(5);
        expectSameAnswer(got.data!.similarProducts, want.data!.similarProducts);
      }
    });

    it('answers weighted spaces and a filter with the exact products and scores', async () => {
      const inputs = [
        {
          like: [{ productId: ids['P-3'] }],
          spaces: [
            { space: 'IMAGE', weight: 0.6 },
            { space: 'CLIP', weight: 0.2 },
            { space: 'ATTRIBUTES', weight: 0.2 },
          ],
          k: 6,
        },
        {
          like: [{ productId: ids['P-11'] }, { productId: ids['P-12'] }],
          spaces: [{ space: 'IMAGE', weight: 1 }],
          k: 6,
        },
        {
          like: [{ productId: ids['P-5'] }],
          spaces: [{ space: 'IMAGE', weight: 1 }],
          filter: { categories: ['other'] },
          k: 4,
        },
      ];
      for (const input of inputs) {
        const got = await binary.gql<{ recommendations: Scored }>(RECOMMEND, { input });
        const want = await exact.gql<{ recommendations: Scored }>(RECOMMEND, { input });
        expect(got.errors, JSON.stringify(got.errors)).toBeUndefined();
        expect(got.data!.recommendations).toHaveLength(input.k);
        expectSameAnswer(got.data!.recommendations, want.data!.recommendations);
      }
    });

    it('builds the Hamming index of the halfvec model and no cosine index for it', async () => {
      const names = (
        await binary.db.database.pool.query<{ name: string }>(
          `SELECT indexname AS name FROM pg_indexes WHERE tablename = 'product_embedding'`,
        )
      ).rows.map((row) => row.name);
      expect(names).toContain(embeddingIndexName('test-cnn', 'ham'));
      expect(names).not.toContain(embeddingIndexName('test-cnn', 'cos'));
      // The 512-d CLIP model is compared as vector and keeps its cosine index.
      expect(names).toContain(embeddingIndexName('test-clip', 'cos'));
    });

    it('writes a statement the Hamming index serves, ranked by the exact distance', async () => {
      const id = ids['P-9']!;
      const plan: RecommendationPlan = {
        spaces: [
          {
            space: EmbeddingSpace.IMAGE,
            metric: DistanceMetric.COSINE,
            p: 2,
            weight: 1,
            dimension: DIMENSION,
            model: { modelId: 'test-cnn', dimension: DIMENSION },
            positives: [{ kind: 'product', productId: id }],
            negatives: [],
          },
        ],
        strategy: RecommendationStrategy.AVERAGE_VECTOR,
        filter: null,
        excludeIds: [id],
        limit: 5,
        candidatesPerTarget: 5,
        minScore: null,
      };
      const statement = recommendationSql(plan, {
        exact: false,
        exactScanMaxRows: 0,
        binaryCandidates: true,
      });
      const client = await binary.db.database.pool.connect();
      try {
        await client.query('BEGIN');
        // 48 rows: left alone, the planner sorts them all; a big catalogue takes the index.
        await client.query('SET LOCAL enable_seqscan = off');
        const plans = await client.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN ${statement.text}`,
          statement.values,
        );
        const text = plans.rows.map((row) => row['QUERY PLAN']).join('\n');
        expect(text).toContain(embeddingIndexName('test-cnn', 'ham'));
        // 5 rows wanted, at least 40 candidates taken from the coarser Hamming order.
        expect(statement.text).toMatch(/LIMIT 40\b/);
        const rows = (
          await client.query({ text: statement.text, values: statement.values, rowMode: 'array' })
        ).rows;
        expect(rows).toHaveLength(5);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    });
  },
);
