// A weighted recommendation over several spaces scores exactly only the candidates that can still
// reach the answer (recommendation.sql.ts, boundedScoring) and must give the answer of scoring
// every product: same products, order and scores. The catalogue is built so that the bound is put
// to work: spaces clustered differently (each scan finds a different part of the catalogue),
// products without a photo's vectors (their score is renormalised over fewer spaces) and, for
// some liked products, a twin with the liked product's picture and no CLIP vector, which only
// reaches the top if the statement knows it has no CLIP vector. The IMAGE space is 2100-d: on the
// embedded database its candidates come in Hamming order (computed, not bounded); on the server
// from its cosine index (bounded).
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from './support/databases.js';
import {
  createTempModelsDir,
  seededRandom,
  type TestModels,
  writeTestModels,
} from './support/onnx-fixtures.js';
import { createTestApp, createTestAppOn, type TestApp } from './support/test-app.js';

const PRODUCTS = 360;
const IMAGE_DIMENSION = 2100;
const CLIP_DIMENSION = 512;
/** Liked products that get a twin: same attributes, near-identical picture vector, no CLIP vector. */
const TWINNED = [3, 41, 88];

const RECOMMEND = `query ($input: RecommendationInput!) {
  recommendations(input: $input) { score product { sku } }
}`;
type Scored = Array<{ score: number; product: { sku: string } }>;

/** Unit vectors near `count` random directions (dense: their signs carry the cluster, too). */
function clusters(random: () => number, count: number, dimension: number, noise: number) {
  const unit = (v: number[]) => {
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
  const centres = Array.from({ length: count }, () =>
    unit(Array.from({ length: dimension }, () => random() - 0.5)),
  );
  const scale = noise * Math.sqrt(12 / dimension);
  return (cluster: number): number[] => unit(centres[cluster]!.map((x) => x + (random() - 0.5) * scale));
}

interface Planted {
  readonly sku: string;
  readonly scores: number[];
  readonly image: number[] | null;
  readonly clip: number[] | null;
}

function catalogue(): Planted[] {
  const random = seededRandom(2026);
  const image = clusters(random, 5, IMAGE_DIMENSION, 0.6);
  const clip = clusters(random, 6, CLIP_DIMENSION, 0.6);
  const products: Planted[] = [];
  for (let i = 0; i < PRODUCTS; i++) {
    products.push({
      sku: `P-${i}`,
      scores: [random() * 100, random() * 100, random() * 100],
      image: i % 13 === 5 ? null : image((i * 7) % 5),
      // Never both missing: a product with attributes alone is scored on them alone, and the
      // attribute scan (its nearest 100 of 360) does not find every such product that would rank.
      clip: i % 10 === 7 && i % 13 !== 5 ? null : clip(i % 6),
    });
  }
  for (const liked of TWINNED) {
    const original = products[liked]!;
    products.push({
      sku: `TWIN-${liked}`,
      scores: original.scores,
      image: original.image!.map((x) => x + (random() - 0.5) * 0.01),
      clip: null,
    });
  }
  return products;
}

describe.each(testDatabaseKinds())('bounded scoring of weighted recommendations (%s Postgres)', (kind) => {
  let models: TestModels;
  let bounded: TestApp;
  let exact: TestApp;

  beforeAll(async () => {
    models = await writeTestModels(await createTempModelsDir(), { cnnDimension: IMAGE_DIMENSION });
    const env = {
      MODELS_DIR: models.modelsDir,
      MODELS_MANIFEST: models.manifestPath,
      IMAGE_MODEL: 'test-cnn',
      CLIP_MODEL: 'test-clip',
      // One statement per request (a split statement scores every candidate of its scans).
      VECTOR_SEARCH_PARALLEL_SCANS: '1',
    };
    bounded = await createTestApp(kind, env);
    const products = catalogue();
    const pool = bounded.db.database.pool;
    await pool.query(
      `WITH input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(sku, scores, image, clip)),
            inserted AS (
              INSERT INTO product (sku, name, category, price, attribute_scores, updated_at)
              SELECT sku, sku, CASE WHEN right(sku, 1) IN ('1', '4') THEN 'rare' ELSE 'common' END, 1,
                     scores::float8[], now() FROM input RETURNING id, sku)
       INSERT INTO product_embedding (product_id, space, model_id, embedding)
       SELECT inserted.id, v.space, v.model_id, v.embedding::vector
         FROM inserted JOIN input USING (sku)
        CROSS JOIN LATERAL (VALUES ('IMAGE', 'test-cnn', input.image), ('CLIP', 'test-clip', input.clip))
              AS v(space, model_id, embedding)
        WHERE v.embedding IS NOT NULL`,
      [
        products.map((p) => p.sku),
        products.map((p) => `{${p.scores.join(',')}}`),
        products.map((p) => (p.image ? `[${p.image.join(',')}]` : null)),
        products.map((p) => (p.clip ? `[${p.clip.join(',')}]` : null)),
      ],
    );
    await bounded.app.services.spaces.ensureIndexes();
    await pool.query('ANALYZE product; ANALYZE product_embedding');
    exact = await createTestAppOn(
      bounded.db,
      { ...env, VECTOR_SEARCH_EXACT: 'true' },
      { keepDatabase: true },
    );
  }, 180_000);

  afterAll(async () => {
    await exact?.close();
    await bounded?.close();
    if (models) await rm(models.modelsDir, { recursive: true, force: true });
  });

  const answers = async (input: Record<string, unknown>): Promise<[Scored, Scored]> => {
    const [got, want] = await Promise.all(
      [bounded, exact].map((app) => app.gql<{ recommendations: Scored }>(RECOMMEND, { input })),
    );
    expect(got!.errors).toBeUndefined();
    expect(want!.errors).toBeUndefined();
    return [got!.data!.recommendations, want!.data!.recommendations];
  };
  const expectSame = (got: Scored, want: Scored, title: string) => {
    expect(
      got.map((row) => row.product.sku),
      title,
    ).toEqual(want.map((row) => row.product.sku));
    got.forEach((row, index) => expect(row.score, title).toBeCloseTo(want[index]!.score, 9));
  };
  const ids = async (skus: string[]): Promise<string[]> => {
    const { rows } = await bounded.db.database.pool.query<{ id: string; sku: string }>(
      `SELECT id::text AS id, sku FROM product WHERE sku = ANY($1::text[])`,
      [skus],
    );
    return skus.map((sku) => rows.find((row) => row.sku === sku)!.id);
  };
  const weightings = [
    [0.2, 0.3, 0.5],
    [0.6, 0.3, 0.1],
    [0.05, 0.15, 0.8],
  ];
  const spaces = ([a, i, c]: number[]) => [
    { space: 'ATTRIBUTES', weight: a },
    { space: 'IMAGE', weight: i },
    { space: 'CLIP', weight: c },
  ];

  it('gives the answer of scoring every product, for many liked products and weightings', async () => {
    // Liked products with both vectors (one without scores its candidates on fewer spaces, where
    // products with attributes alone are scored on them alone, as above).
    const liked = Array.from({ length: 30 }, (_, n) => (n * 47 + 3) % PRODUCTS)
      .filter((i) => i % 13 !== 5 && i % 10 !== 7)
      .map((i) => `P-${i}`);
    const likedIds = await ids(liked);
    for (const [n, productId] of likedIds.entries()) {
      const weights = weightings[n % weightings.length]!;
      const [got, want] = await answers({ like: [{ productId }], spaces: spaces(weights), k: 10 });
      expect(got).toHaveLength(10);
      expectSame(got, want, `${liked[n]} ${weights.join('/')}`);
    }
  });

  it('ranks the twin without a CLIP vector where its renormalised score puts it', async () => {
    for (const liked of TWINNED) {
      const [productId] = await ids([`P-${liked}`]);
      // Attributes and picture only count for the twin (it has no CLIP vector): a near-perfect match.
      const [got, want] = await answers({ like: [{ productId }], spaces: spaces([0.2, 0.3, 0.5]), k: 5 });
      expect(want[0]!.product.sku).toBe(`TWIN-${liked}`);
      expectSame(got, want, `P-${liked}`);
    }
  });

  it('keeps the answer with two spaces, a filter, a minimum score, several examples and diversity', async () => {
    const [a, b, c, d] = await ids(['P-10', 'P-202', 'P-78', 'P-301']);
    const inputs: Array<[string, Record<string, unknown>]> = [
      ['IMAGE and CLIP', { like: [{ productId: a }], spaces: spaces([0, 0.4, 0.6]).slice(1), k: 12 }],
      [
        'a filter',
        { like: [{ productId: b }], spaces: spaces([0.2, 0.3, 0.5]), filter: { category: 'rare' }, k: 10 },
      ],
      [
        'two liked, one unliked',
        {
          like: [{ productId: a }, { productId: c }],
          unlike: [{ productId: d }],
          spaces: spaces([0.3, 0.3, 0.4]),
          k: 10,
        },
      ],
      ['diversity', { like: [{ productId: c }], spaces: spaces([0.2, 0.3, 0.5]), k: 8, diversity: 0.4 }],
    ];
    for (const [title, input] of inputs) {
      const [got, want] = await answers(input);
      expect(got.length, title).toBe(input['k']);
      expectSame(got, want, title);
    }
    // A minimum score between the 4th and 5th best: exactly four, as scoring everything gives.
    const [, all] = await answers({ like: [{ productId: d }], spaces: spaces([0.2, 0.3, 0.5]), k: 10 });
    const minScore = (all[3]!.score + all[4]!.score) / 2;
    const [got, want] = await answers({
      like: [{ productId: d }],
      spaces: spaces([0.2, 0.3, 0.5]),
      k: 10,
      minScore,
    });
    expect(want).toHaveLength(4);
    expectSame(got, want, 'minScore');
  });
});
