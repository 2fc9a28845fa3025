// The recommendation engine against computations the test does itself: every metric, like/unlike
// strategies, weighted spaces with cold start, explanations, diversity, bounds and bad input.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipTextModel } from '../src/inference/clip-text-model.js';
import { testDatabaseKinds } from './support/databases.js';
import { productPhoto } from './support/images.js';
import {
  chebyshev,
  cosine,
  dot,
  hamming,
  haversineKm,
  jaccardDistance,
  minkowski,
  sorensenDistance,
} from './support/metrics.js';
import { createTempModelsDir, type TestModels, writeTestModels } from './support/onnx-fixtures.js';
import { createTestApp, errorCodes, type TestApp } from './support/test-app.js';

type Vec = [number, number, number];
interface Fixture {
  sku: string;
  scores: Vec;
  tags: string[];
  location: [number, number] | null;
  photo: [[number, number, number], [number, number, number]] | null;
  category: string;
}
const FIXTURES: Fixture[] = [
  {
    sku: 'A',
    scores: [20, 30, 40],
    tags: ['eco', 'kitchen', 'mug'],
    location: [52.52, 13.405],
    photo: [
      [200, 30, 30],
      [250, 250, 250],
    ],
    category: 'kitchen',
  },
  {
    sku: 'B',
    scores: [21, 29, 42],
    tags: ['eco', 'kitchen'],
    location: [52.39, 13.06],
    photo: [
      [210, 40, 35],
      [240, 240, 230],
    ],
    category: 'kitchen',
  },
  {
    sku: 'C',
    scores: [72, 99, 12],
    tags: ['gaming'],
    location: [48.137, 11.575],
    photo: [
      [30, 40, 200],
      [250, 250, 250],
    ],
    category: 'electronics',
  },
  {
    sku: 'D',
    scores: [50, 50, 50],
    tags: ['kitchen', 'steel'],
    location: [48.857, 2.352],
    photo: null,
    category: 'kitchen',
  },
  {
    sku: 'E',
    scores: [10, 80, 60],
    tags: ['eco'],
    location: [53.55, 9.99],
    photo: [
      [30, 180, 40],
      [250, 240, 40],
    ],
    category: 'garden',
  },
  {
    sku: 'F',
    scores: [90, 10, 30],
    tags: [],
    location: null,
    photo: [
      [35, 50, 190],
      [20, 20, 20],
    ],
    category: 'electronics',
  },
];
const byKey = Object.fromEntries(FIXTURES.map((f) => [f.sku, f]));

const SIMILAR = `query ($id: ID!, $space: EmbeddingSpace, $metric: DistanceMetric, $p: Float, $k: Int) {
  similarProducts(productId: $id, space: $space, metric: $metric, p: $p, k: $k) { score distance product { sku } }
}`;
const RECOMMEND = `query ($input: RecommendationInput!) {
  recommendations(input: $input) { score distance product { sku } }
}`;
const EXPLAIN = `query ($input: RecommendationInput!) {
  recommendations(input: $input) {
    score product { sku }
    explanation { summary missingSpaces renormalized
      spaces { space metric modelId distance similarity weight effectiveWeight contribution }
      attributes { axis productValue queryValue share } }
  }
}`;
type Row = { score: number; distance: number; product: { sku: string } };

describe.each(testDatabaseKinds())('recommendation engine on %s Postgres', (kind) => {
  let t: TestApp;
  let models: TestModels;
  let ids: Record<string, string>;
  let clip: Map<string, number[]>;
  let cnn: Map<string, number[]>;

  const vectorsOf = async (modelId: string) => {
    const result = await t.db.database.pool.query<{ sku: string; v: string }>(
      `SELECT p.sku, e.embedding::text AS v FROM product_embedding e JOIN product p ON p.id = e.product_id WHERE e.model_id = $1`,
      [modelId],
    );
    return new Map(result.rows.map((row) => [row.sku, row.v.slice(1, -1).split(',').map(Number)]));
  };
  const similar = async (variables: Record<string, unknown>) => {
    const result = await t.gql<{ similarProducts: Row[] }>(SIMILAR, variables, { key: null });
    expect(result.errors).toBeUndefined();
    return result.data!.similarProducts;
  };
  const recommend = async (input: Record<string, unknown>) => {
    const result = await t.gql<{ recommendations: Row[] }>(RECOMMEND, { input }, { key: null });
    expect(result.errors).toBeUndefined();
    return result.data!.recommendations;
  };
  /** Expected rows: every other product with a value, by distance, best first (ties by SKU are not compared). */
  function expectRanking(rows: Row[], expected: Array<{ sku: string; distance: number; score: number }>) {
    expected.sort((a, b) => b.score - a.score);
    expect(rows.map((r) => r.product.sku).sort()).toEqual(expected.map((e) => e.sku).sort());
    rows.forEach((row, i) => {
      expect(row.score).toBeCloseTo(expected[i]!.score, 4);
      const mine = expected.find((e) => e.sku === row.product.sku)!;
      expect(row.distance).toBeCloseTo(mine.distance, 3);
    });
  }

  beforeAll(async () => {
    models = await writeTestModels(await createTempModelsDir());
    t = await createTestApp(kind, {
      MODELS_DIR: models.modelsDir,
      MODELS_MANIFEST: models.manifestPath,
      IMAGE_MODEL: 'test-cnn',
      CLIP_MODEL: 'test-clip',
    });
    const inputs = await Promise.all(
      FIXTURES.map(async (f) => ({
        sku: f.sku,
        name: `Product ${f.sku}`,
        category: f.category,
        price: 10,
        tags: f.tags,
        attributes: [
          { axis: 'value_for_money', value: f.scores[0] },
          { axis: 'customer_satisfaction', value: f.scores[1] },
          { axis: 'environmental_friendliness', value: f.scores[2] },
        ],
        ...(f.location ? { location: { latitude: f.location[0], longitude: f.location[1] } } : {}),
        ...(f.photo
          ? { image: { base64: (await productPhoto(f.photo[0], f.photo[1])).toString('base64') } }
          : {}),
      })),
    );
    const added = await t.gql<{ addProducts: Array<{ id: string; sku: string }> }>(
      `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id sku } }`,
      { inputs },
    );
    expect(added.errors).toBeUndefined();
    ids = Object.fromEntries(added.data!.addProducts.map((p) => [p.sku, p.id]));
    clip = await vectorsOf('test-clip');
    cnn = await vectorsOf('test-cnn');
  });
  afterAll(async () => {
    await t.close();
    await rm(models.modelsDir, { recursive: true, force: true });
  });

  describe('every metric matches an independent computation', () => {
    const others = (sku: string) => FIXTURES.filter((f) => f.sku !== sku);
    const a = byKey['A']!.scores;
    it.each([
      ['COSINE', (x: Vec) => 1 - cosine(a, x), (d: number) => 1 - d, undefined],
      ['DOT_PRODUCT', (x: Vec) => -dot(a, x), (d: number) => -d, undefined],
      ['EUCLIDEAN', (x: Vec) => minkowski(a, x, 2), (d: number) => 1 / (1 + d), undefined],
      ['L2_SQUARED', (x: Vec) => minkowski(a, x, 2) ** 2, (d: number) => 1 / (1 + d), undefined],
      ['MANHATTAN', (x: Vec) => minkowski(a, x, 1), (d: number) => 1 / (1 + d), undefined],
      ['MINKOWSKI', (x: Vec) => minkowski(a, x, 3), (d: number) => 1 / (1 + d), 3],
      ['CHEBYSHEV', (x: Vec) => chebyshev(a, x), (d: number) => 1 / (1 + d), undefined],
    ] as const)('%s on attribute vectors', async (metric, distance, score, p) => {
      const rows = await similar({ id: ids['A'], metric, p, k: 10 });
      expectRanking(
        rows,
        others('A').map((f) => ({
          sku: f.sku,
          distance: distance(f.scores),
          score: score(distance(f.scores)),
        })),
      );
    });

    it('COSINE, EUCLIDEAN and MANHATTAN on CLIP and CNN embeddings', async () => {
      for (const [space, vectors] of [
        ['CLIP', clip],
        ['IMAGE', cnn],
      ] as const) {
        const target = vectors.get('A')!;
        const rest = [...vectors].filter(([sku]) => sku !== 'A');
        expectRanking(
          await similar({ id: ids['A'], space, k: 10 }),
          rest.map(([sku, v]) => ({ sku, distance: 1 - cosine(target, v), score: cosine(target, v) })),
        );
        expectRanking(
          await similar({ id: ids['A'], space, metric: 'EUCLIDEAN', k: 10 }),
          rest.map(([sku, v]) => ({
            sku,
            distance: minkowski(target, v, 2),
            score: 1 / (1 + minkowski(target, v, 2)),
          })),
        );
        expectRanking(
          await similar({ id: ids['A'], space, metric: 'MANHATTAN', k: 10 }),
          rest.map(([sku, v]) => ({
            sku,
            distance: minkowski(target, v, 1),
            score: 1 / (1 + minkowski(target, v, 1)),
          })),
        );
      }
    });

    it('HAMMING on binary-quantised CLIP embeddings', async () => {
      const target = clip.get('A')!;
      const rows = await similar({ id: ids['A'], space: 'CLIP', metric: 'HAMMING', k: 10 });
      const expected = [...clip]
        .filter(([sku]) => sku !== 'A')
        .map(([sku, v]) => ({ sku, bits: hamming(target, v) }));
      expect(rows).toHaveLength(expected.length);
      for (const row of rows) {
        const bits = expected.find((e) => e.sku === row.product.sku)!.bits;
        expect(row.distance).toBe(bits);
        expect(row.score).toBeCloseTo(1 - bits / 512, 10);
      }
      expect(rows.map((r) => r.distance)).toEqual([...rows.map((r) => r.distance)].sort((x, y) => x - y));
    });

    it.each([
      ['JACCARD', jaccardDistance],
      ['SORENSEN_DICE', sorensenDistance],
    ] as const)('%s on tag sets (products without tags have no value)', async (metric, distance) => {
      const rows = await similar({ id: ids['A'], space: 'TAGS', metric, k: 10 });
      const tags = byKey['A']!.tags;
      expectRanking(
        rows,
        others('A')
          .filter((f) => f.tags.length > 0)
          .map((f) => ({ sku: f.sku, distance: distance(tags, f.tags), score: 1 - distance(tags, f.tags) })),
      );
    });

    it('HAVERSINE on locations, in km', async () => {
      const rows = await similar({ id: ids['A'], space: 'GEO', k: 10 });
      const here = byKey['A']!.location!;
      expectRanking(
        rows,
        others('A')
          .filter((f) => f.location)
          .map((f) => ({
            sku: f.sku,
            distance: haversineKm(here, f.location!),
            score: 1 / (1 + haversineKm(here, f.location!)),
          })),
      );
      expect(rows[0]!.product.sku).toBe('B'); // Potsdam is ~27 km from Berlin
      expect(rows[0]!.distance).toBeGreaterThan(20);
      expect(rows[0]!.distance).toBeLessThan(35);
    });

    it.each([
      ['ATTRIBUTES', 'JACCARD'],
      ['ATTRIBUTES', 'HAMMING'],
      ['CLIP', 'HAVERSINE'],
      ['TAGS', 'COSINE'],
      ['GEO', 'EUCLIDEAN'],
    ])('refuses %s with %s (BAD_USER_INPUT on metric)', async (space, metric) => {
      const result = await t.gql(SIMILAR, { id: ids['A'], space, metric });
      expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors![0]!.extensions!['field']).toBe('metric');
    });

    it('refuses MINKOWSKI without a valid p', async () => {
      for (const p of [undefined, 0.5]) {
        const result = await t.gql(SIMILAR, { id: ids['A'], metric: 'MINKOWSKI', p });
        expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
        expect(result.errors![0]!.extensions!['field']).toBe('p');
      }
    });
  });

  describe('like and unlike', () => {
    const attributeSpace = [{ space: 'ATTRIBUTES', weight: 1 }];
    it('AVERAGE_VECTOR: 2·mean(like) − mean(unlike), examples excluded', async () => {
      const mean = (skus: string[]) =>
        [0, 1, 2].map((i) => skus.reduce((s, sku) => s + byKey[sku]!.scores[i]!, 0) / skus.length);
      const liked = mean(['A', 'E']);
      const q = liked.map((v, i) => 2 * v - mean(['C'])[i]!);
      const rows = await recommend({
        like: [{ productId: ids['A'] }, { productId: ids['E'] }],
        unlike: [{ productId: ids['C'] }],
        spaces: attributeSpace,
      });
      expectRanking(
        rows,
        ['B', 'D', 'F'].map((sku) => ({
          sku,
          distance: 1 - cosine(q, byKey[sku]!.scores),
          score: cosine(q, byKey[sku]!.scores),
        })),
      );
    });

    it("BEST_SCORE: the best liked similarity, or minus the best unliked one where that is closer (Qdrant's rule)", async () => {
      const rows = await recommend({
        like: [{ productId: ids['A'] }, { productId: ids['C'] }],
        unlike: [{ productId: ids['E'] }],
        strategy: 'BEST_SCORE',
        spaces: attributeSpace,
      });
      const expected = ['B', 'D', 'F'].map((sku) => {
        const x = byKey[sku]!.scores;
        const liked = Math.max(cosine(x, byKey['A']!.scores), cosine(x, byKey['C']!.scores));
        const unliked = cosine(x, byKey['E']!.scores);
        const score = liked >= unliked ? liked : -unliked;
        return { sku, score, distance: 1 - score };
      });
      expected.sort((x, y) => y.score - x.score);
      expect(rows.map((r) => r.product.sku)).toEqual(expected.map((e) => e.sku));
      rows.forEach((row, i) => expect(row.score).toBeCloseTo(expected[i]!.score, 5));
    });

    it('a text example searches the CLIP space; a photo example finds its product', async () => {
      const text = await ClipTextModel.load(models.clip, models.modelsDir);
      const [q] = await text.embed(['a red product']);
      await text.release();
      const rows = await recommend({ like: [{ text: 'a red product' }], k: 10 });
      expectRanking(
        rows,
        [...clip].map(([sku, v]) => ({
          sku,
          distance: 1 - cosine(Array.from(q!), v),
          score: cosine(Array.from(q!), v),
        })),
      );
      const photo = await productPhoto([30, 180, 40], [250, 240, 40]);
      const byPhoto = await recommend({
        like: [{ image: { base64: photo.toString('base64') } }],
        spaces: [{ space: 'CLIP', weight: 1 }],
        k: 1,
      });
      expect(byPhoto[0]!.product.sku).toBe('E');
      expect(byPhoto[0]!.score).toBeGreaterThan(0.9999);
    });

    it('"near me": a GEO vector [latitude, longitude], optionally within a radius', async () => {
      const me: [number, number] = [52.5, 13.4];
      const rows = await recommend({
        like: [{ vector: me, space: 'GEO' }],
        spaces: [{ space: 'GEO', weight: 1 }],
        k: 10,
      });
      expect(rows.map((r) => r.product.sku)).toEqual(['A', 'B', 'E', 'C', 'D']);
      rows.forEach((row) =>
        expect(row.distance).toBeCloseTo(haversineKm(me, byKey[row.product.sku]!.location!), 3),
      );
      const near = await recommend({
        like: [{ vector: me, space: 'GEO' }],
        spaces: [{ space: 'GEO', weight: 1 }],
        filter: { near: { latitude: me[0], longitude: me[1], radiusKm: 100 } },
      });
      expect(near.map((r) => r.product.sku)).toEqual(['A', 'B']);
    });
  });

  describe('weighted spaces, cold start and explanations', () => {
    const weights = [
      { space: 'ATTRIBUTES', weight: 0.2 },
      { space: 'IMAGE', weight: 0.3 },
      { space: 'CLIP', weight: 0.5 },
    ];
    /** Every other product's weighted score for a liked A, computed here from the stored values. */
    const weightedFromA = () => {
      const a = byKey['A']!;
      return FIXTURES.filter((f) => f.sku !== 'A').map((f) => {
        const parts = [[0.2, cosine(a.scores, f.scores)]];
        if (clip.has(f.sku))
          parts.push(
            [0.3, cosine(cnn.get('A')!, cnn.get(f.sku)!)],
            [0.5, cosine(clip.get('A')!, clip.get(f.sku)!)],
          );
        const total = parts.reduce((s, [w]) => s + w!, 0);
        const score = parts.reduce((s, [w, v]) => s + w! * v!, 0) / total;
        return { sku: f.sku, score, distance: 1 - score };
      });
    };

    it('combines spaces by weight, renormalising for a product without a photo', async () => {
      const rows = await recommend({ like: [{ productId: ids['A'] }], spaces: weights, k: 10 });
      expectRanking(rows, weightedFromA());
      expect(rows.map((r) => r.product.sku)).toContain('D');
    });

    // With k below the catalogue's size the answer comes from the index scans (k = 10 above is more
    // than there are other products, so the exact fallback answers): each candidate's distance in the
    // space whose scan found it is carried from that scan, the others are computed — the same scores.
    it('scores candidates from the index scans as the exact computation does', async () => {
      const rows = await recommend({ like: [{ productId: ids['A'] }], spaces: weights, k: 3 });
      const expected = weightedFromA().sort((x, y) => y.score - x.score);
      expectRanking(rows, expected.slice(0, 3));
    });

    it('explains each space and, for attributes, each axis; says when weights were renormalised', async () => {
      const result = await t.gql<{
        recommendations: Array<{
          score: number;
          product: { sku: string };
          explanation: {
            summary: string;
            missingSpaces: string[];
            renormalized: boolean;
            spaces: Array<{
              space: string;
              similarity: number | null;
              effectiveWeight: number;
              contribution: number;
              modelId: string | null;
            }>;
            attributes: Array<{ axis: string; productValue: number; queryValue: number; share: number }>;
          };
        }>;
      }>(EXPLAIN, { input: { like: [{ productId: ids['A'] }], spaces: weights, k: 10 } });
      expect(result.errors).toBeUndefined();
      const bySku = Object.fromEntries(result.data!.recommendations.map((r) => [r.product.sku, r]));
      const d = bySku['D']!.explanation;
      expect(d.missingSpaces).toEqual(['IMAGE', 'CLIP']);
      expect(d.renormalized).toBe(true);
      expect(d.summary).toMatch(
        /no IMAGE or CLIP value for this product, so the weights were renormalised over ATTRIBUTES/,
      );
      expect(d.spaces.map((s) => s.effectiveWeight)).toEqual([1, 0, 0]);

      const b = bySku['B']!;
      expect(b.explanation.renormalized).toBe(false);
      expect(b.explanation.spaces.map((s) => s.modelId)).toEqual([null, 'test-cnn', 'test-clip']);
      expect(b.explanation.spaces.reduce((s, x) => s + x.contribution, 0)).toBeCloseTo(b.score, 6);
      const products = [21, 29, 42].map((v, i) => v * byKey['A']!.scores[i]!);
      const total = products.reduce((s, v) => s + v, 0);
      b.explanation.attributes.forEach((axis, i) => {
        expect(axis.productValue).toBe([21, 29, 42][i]);
        expect(axis.queryValue).toBeCloseTo(byKey['A']!.scores[i]!, 5);
        expect(axis.share).toBeCloseTo(products[i]! / total, 6);
      });
      expect(b.explanation.summary).toMatch(/similar mainly in environmental friendliness \(\d+ %\)/);
    });
  });

  describe('bounds and filters', () => {
    it('diversity reorders by maximal marginal relevance, as computed here', async () => {
      const q = byKey['A']!.scores;
      const pool = FIXTURES.filter((f) => f.sku !== 'A');
      const mmr = (lambda: number, k: number) => {
        const selected: Fixture[] = [];
        const rest = [...pool];
        while (selected.length < k) {
          let best = 0;
          let bestValue = -Infinity;
          rest.forEach((f, i) => {
            const redundancy = selected.length
              ? Math.max(...selected.map((s) => cosine(s.scores, f.scores)))
              : 0;
            const value = (1 - lambda) * cosine(q, f.scores) - lambda * redundancy;
            if (value > bestValue) [best, bestValue] = [i, value];
          });
          selected.push(rest.splice(best, 1)[0]!);
        }
        return selected.map((f) => f.sku);
      };
      const diversity = 0.7;
      // The precondition that makes this test able to fail: diversity changes the answer here.
      expect(mmr(diversity, 3)).not.toEqual(mmr(0, 3));
      const space = [{ space: 'ATTRIBUTES', weight: 1 }];
      const rows = await recommend({ like: [{ productId: ids['A'] }], spaces: space, k: 3, diversity });
      expect(rows.map((r) => r.product.sku)).toEqual(mmr(diversity, 3));
      const plain = await recommend({ like: [{ productId: ids['A'] }], spaces: space, k: 3 });
      expect(plain.map((r) => r.product.sku)).toEqual(mmr(0, 3));
    });

    it('diversity over two weighted spaces uses the pairs’ weighted similarity', async () => {
      const spaces = [
        { space: 'ATTRIBUTES', weight: 1 },
        { space: 'TAGS', weight: 3 },
      ];
      const like = [{ productId: ids['A'] }];
      // Relevance: the service's own scores (checked per metric above); all five others qualify.
      const relevance = await recommend({ like, spaces, k: 5 });
      expect(relevance).toHaveLength(5);
      // A pair's similarity: the weighted mean of cosine and Jaccard similarity; F has no tags, so
      // for its pairs TAGS has no value and the weights are renormalised over ATTRIBUTES alone.
      const pair = (x: Fixture, y: Fixture): number =>
        x.tags.length === 0 || y.tags.length === 0
          ? cosine(x.scores, y.scores)
          : (1 * cosine(x.scores, y.scores) + 3 * (1 - jaccardDistance(x.tags, y.tags))) / 4;
      const mmr = (lambda: number, k: number): string[] => {
        const rest = relevance.map((row) => ({ fixture: byKey[row.product.sku]!, score: row.score }));
        const selected: Fixture[] = [];
        while (selected.length < k) {
          let best = 0;
          let bestValue = -Infinity;
          rest.forEach(({ fixture, score }, i) => {
            const redundancy = selected.length ? Math.max(...selected.map((s) => pair(s, fixture))) : 0;
            const value = (1 - lambda) * score - lambda * redundancy;
            if (value > bestValue) [best, bestValue] = [i, value];
          });
          selected.push(rest.splice(best, 1)[0]!.fixture);
        }
        return selected.map((f) => f.sku);
      };
      // Here the weights matter: equal weights, or either space alone, would pick other products.
      const diversity = 0.7;
      expect(mmr(diversity, 4)).not.toEqual(mmr(0, 4));
      const rows = await recommend({ like, spaces, k: 4, diversity });
      expect(rows.map((r) => r.product.sku)).toEqual(mmr(diversity, 4));
    });

    it('honours excludeIds, minScore and filters', async () => {
      const rows = await recommend({
        like: [{ productId: ids['A'] }],
        spaces: [{ space: 'ATTRIBUTES', weight: 1 }],
        excludeIds: [ids['B']],
        minScore: 0.9,
        filter: { categories: ['kitchen', 'garden'] },
      });
      const expected = FIXTURES.filter(
        (f) =>
          !['A', 'B'].includes(f.sku) &&
          ['kitchen', 'garden'].includes(f.category) &&
          cosine(byKey['A']!.scores, f.scores) >= 0.9,
      );
      expect(rows.map((r) => r.product.sku).sort()).toEqual(expected.map((f) => f.sku).sort());
      const tagged = await recommend({
        like: [{ productId: ids['C'] }],
        spaces: [{ space: 'ATTRIBUTES', weight: 1 }],
        filter: { tagsAll: ['ECO', 'kitchen'] },
      });
      expect(tagged.map((r) => r.product.sku).sort()).toEqual(['A', 'B']);
      const ranged = await recommend({
        like: [{ productId: ids['C'] }],
        spaces: [{ space: 'ATTRIBUTES', weight: 1 }],
        filter: { attributes: [{ axis: 'customer_satisfaction', min: 40 }] },
      });
      expect(ranged.map((r) => r.product.sku).sort()).toEqual(['D', 'E']);
    });

    it.each([
      [{ like: [] }, 'input.like'],
      [{ like: [{ productId: '00000000-0000-4000-8000-000000000000', text: 'x' }] }, 'input.like[0]'],
      [{ like: [{ vector: [1, 2], space: 'ATTRIBUTES' }] }, 'input.like[0].vector'],
      [{ like: [{ vector: [1, 2, 3] }] }, 'input.like[0].space'],
      [{ like: [{ text: 'x' }], k: 0 }, 'input.k'],
      [{ like: [{ text: 'x' }], diversity: 2 }, 'input.diversity'],
      [
        {
          like: [{ text: 'x' }],
          spaces: [
            { space: 'CLIP', weight: 1 },
            { space: 'CLIP', weight: 2 },
          ],
        },
        'input.spaces[1].space',
      ],
      [{ like: [{ text: 'x' }], spaces: [{ space: 'CLIP', weight: 0 }] }, 'input.spaces'],
      [
        { like: [{ text: 'x' }], spaces: [{ space: 'TAGS', weight: 1, metric: 'COSINE' }] },
        'input.spaces[0].metric',
      ],
      [{ like: [{ text: 'x' }], excludeIds: ['nope'] }, 'input.excludeIds[0]'],
      [
        { like: [{ text: 'x' }], filter: { attributes: [{ axis: 'durability', min: 1 }] } },
        'input.filter.attributes[0].axis',
      ],
    ])('refuses %j (BAD_USER_INPUT naming %s)', async (input, field) => {
      const result = await t.gql(RECOMMEND, { input });
      expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors![0]!.extensions!['field']).toBe(field);
    });

    it('answers NOT_FOUND for an unknown example product', async () => {
      const result = await t.gql(RECOMMEND, {
        input: { like: [{ productId: ids['A'] }, { productId: '00000000-0000-4000-8000-00000000000f' }] },
      });
      expect(errorCodes(result)).toEqual(['NOT_FOUND']);
      expect(result.errors![0]!.extensions!['field']).toBe('input.like[1].productId');
    });
  });
});
