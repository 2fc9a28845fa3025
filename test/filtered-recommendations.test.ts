// Filters keep k: a filter matching 1 % of the catalogue, whose products lie far from the query,
// so that a plain HNSW index scan (what most pgvector layers run) returns fewer than k. The engine
// must return exactly k, and the exact k.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from './support/onnx-fixtures.js';
import { createTempModelsDir, type TestModels, writeTestModels } from './support/onnx-fixtures.js';
import { sessionWith, testDatabaseKinds } from './support/databases.js';
import { cosine } from './support/metrics.js';
import { createTestApp, testConfig, type TestApp } from './support/test-app.js';
import { RecommendationEngine } from '../src/recommendations/recommendation-engine.service.js';
import { EmbeddingSpace } from '../src/recommendations/recommendation.domain.js';
import { type RecommendationPlan } from '../src/recommendations/recommendation-plan.js';
import { RecommendationPlanner } from '../src/recommendations/recommendation-planner.js';
import { RecommendationRepository } from '../src/recommendations/recommendation.repository.js';

const PRODUCTS = 2000;
const RARE = PRODUCTS / 100;
const K = 10;
const DIM = 512;

/** Only the rare products score 80+ on environmental friendliness; no index serves this filter. */
const RARE_FILTER = { attributes: [{ axis: 'environmental_friendliness', min: 80 }] };

const RECOMMEND = `query ($input: RecommendationInput!) { recommendations(input: $input) { score product { sku } } }`;

/** A unit vector near basis direction `axis`, with noise. */
function clustered(random: () => number, axis: number, dimension: number, noise: number): number[] {
  const v = Array.from({ length: dimension }, () => (random() - 0.5) * noise);
  v[axis] = v[axis]! + 1;
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

describe.each(testDatabaseKinds())('a 1 %%-selective filter keeps k (%s Postgres)', (kind) => {
  let t: TestApp;
  let models: TestModels;
  const attributes = new Map<string, number[]>();
  const embeddings = new Map<string, number[]>();
  const rare = new Set<string>();

  beforeAll(async () => {
    models = await writeTestModels(await createTempModelsDir());
    const env = {
      MODELS_DIR: models.modelsDir,
      MODELS_MANIFEST: models.manifestPath,
      CLIP_MODEL: 'test-clip',
    };
    t = await createTestApp(kind, env);
    const random = seededRandom(42);
    const rows: Array<{ sku: string; category: string; scores: number[]; embedding: number[] }> = [];
    for (let i = 0; i < PRODUCTS; i++) {
      const isRare = i % (PRODUCTS / RARE) === 0;
      const sku = `P-${String(i).padStart(5, '0')}`;
      // Common products point at value for money, rare ones at environmental friendliness.
      const scores = isRare
        ? [2 + random() * 8, 2 + random() * 8, 80 + random() * 19]
        : [80 + random() * 19, 2 + random() * 8, 2 + random() * 8];
      const embedding = clustered(random, isRare ? 1 : 0, DIM, 0.3);
      rows.push({ sku, category: isRare ? 'rare' : 'common', scores, embedding });
      attributes.set(sku, scores);
      embeddings.set(sku, embedding);
      if (isRare) rare.add(sku);
    }
    const pool = t.db.database.pool;
    for (let start = 0; start < rows.length; start += 500) {
      const chunk = rows.slice(start, start + 500);
      await pool.query(
        `WITH input AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(sku, category, scores, embedding))
         , inserted AS (
           INSERT INTO product (sku, name, category, price, attribute_scores, updated_at)
           SELECT sku, sku, category, 1, scores::float8[], now() FROM input RETURNING id, sku)
         INSERT INTO product_embedding (product_id, space, model_id, embedding)
         SELECT inserted.id, 'CLIP', 'test-clip', input.embedding::vector FROM inserted JOIN input USING (sku)`,
        [
          chunk.map((r) => r.sku),
          chunk.map((r) => r.category),
          chunk.map((r) => `{${r.scores.join(',')}}`),
          chunk.map((r) => `[${r.embedding.join(',')}]`),
        ],
      );
    }
    await t.app.services.spaces.ensureIndexes();
    await pool.query('ANALYZE product; ANALYZE product_embedding');
  }, 300_000);
  afterAll(async () => {
    await t?.close();
    await rm(models.modelsDir, { recursive: true, force: true });
  });

  const exactTop = (query: number[], values: Map<string, number[]>) =>
    [...values]
      .filter(([sku]) => rare.has(sku))
      .map(([sku, v]) => ({ sku, score: cosine(query, v) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, K)
      .map((row) => row.sku);

  it('builds the CLIP indexes with the configured HNSW parameters', async () => {
    const { rows } = await t.db.database.pool.query<{ name: string; options: string[] }>(
      `SELECT c.relname AS name, c.reloptions AS options
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = 'product_embedding'::regclass AND c.relname LIKE 'embedding\\_test\\_clip\\_%' ORDER BY 1`,
    );
    expect(rows.map((row) => row.name.replace(/^.*_(cos|ham)_hnsw$/, '$1'))).toEqual(['cos', 'ham']);
    for (const row of rows) expect(row.options).toEqual(['m=16', 'ef_construction=128']);
  });

  it('a plain HNSW index scan with the same filter returns fewer than k (the problem)', async () => {
    const client = await t.db.database.pool.connect();
    try {
      await client.query('BEGIN');
      // Nudge the planner to the HNSW order, as it picks it on big catalogues for unselective-looking filters.
      await client.query(`SET LOCAL enable_seqscan = off`);
      await client.query(`SET LOCAL enable_sort = off`);
      await client.query(`SET LOCAL hnsw.iterative_scan = off`);
      const query = `SELECT p.id FROM product p WHERE p.attribute_scores[3] BETWEEN 80 AND 99
                      ORDER BY p.attribute_vector <=> '[90,5,5]'::vector(3) LIMIT ${K}`;
      const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${query}`);
      expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/product_attribute_vector_idx/);
      const rows = await client.query(query);
      expect(rows.rowCount).toBeLessThan(K);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  });

  it.each([
    ['ATTRIBUTES', [90, 5, 5]],
    ['CLIP', clustered(seededRandom(7), 0, DIM, 0.3)],
  ])('recommendations in %s return exactly the exact top k', async (space, vector) => {
    const values = space === 'ATTRIBUTES' ? attributes : embeddings;
    const input = {
      like: [{ vector, space }],
      spaces: [{ space, weight: 1 }],
      filter: { category: 'rare' },
      k: K,
    };
    const result = await t.gql<{ recommendations: Array<{ product: { sku: string } }> }>(RECOMMEND, {
      input,
    });
    expect(result.errors).toBeUndefined();
    expect(result.data!.recommendations.map((r) => r.product.sku)).toEqual(exactTop(vector, values));
  });

  it.each([
    ['iterative index scans alone find k', 20_000, 0, [false]],
    ['with scans capped at 100 tuples, the exact fallback answers', 100, 0, [false, true]],
    ['a filter passing few products is scanned exactly in the first statement', 100, 1000, [false]],
  ] as const)('%s', async (_name, maxScanTuples, exactScanMaxRows, expectedRuns) => {
    const exactRuns: boolean[] = [];
    class CountingRepository extends RecommendationRepository {
      protected override run(plan: RecommendationPlan, exact: boolean) {
        exactRuns.push(exact);
        return super.run(plan, exact);
      }
    }
    // As on a big catalogue, the candidate scan takes the HNSW index (2000 rows would be sorted):
    // a session of its own with the planner steered and iterative scans capped.
    const settings: Array<[string, string]> = [
      ['hnsw.iterative_scan', 'relaxed_order'],
      ['hnsw.ef_search', '100'],
      ['hnsw.max_scan_tuples', String(maxScanTuples)],
      ['enable_seqscan', 'off'],
      ['enable_sort', 'off'],
    ];
    const session = await sessionWith(t.db, settings);
    const services = t.app.services;
    const repository = new CountingRepository(session.database, {
      exact: false,
      exactScanMaxRows,
      binaryCandidates: false,
      preparedStatements: 64,
      parallelScans: 1,
    });
    const engine = new RecommendationEngine(
      repository,
      new RecommendationPlanner(
        repository,
        services.attributeVectors,
        services.spaces,
        services.embedder,
        services.behavior,
        services.shoppers,
      ),
      services.products,
      services.attributeVectors,
      { efSearch: testConfig().search.efSearch },
    );
    const rows = await engine.recommend({
      like: [{ vector: [90, 5, 5], space: EmbeddingSpace.ATTRIBUTES }],
      spaces: [{ space: EmbeddingSpace.ATTRIBUTES, weight: 1 }],
      filter: RARE_FILTER,
      k: K,
    });
    await session.close();
    expect(exactRuns).toEqual(expectedRuns);
    expect(rows.map((r) => r.product.sku)).toEqual(exactTop([90, 5, 5], attributes));
  });
});
