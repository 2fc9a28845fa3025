// What the pages read besides the recommendation queries: stored photos over HTTP (cacheable by
// version), `photoUrl`, `categories`, and the analysts' `embeddingMap` (auth, validation, one
// point per product, deterministic layouts).
import { rm } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from './support/databases.js';
import { startHttpApp, type HttpApp } from './support/http-app.js';
import { createTempModelsDir, type TestModels, writeTestModels } from './support/onnx-fixtures.js';
import { ADMIN_KEY, ANALYST_KEY } from './support/test-app.js';

interface Answer<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; field?: string } }>;
}

async function png(rgb: [number, number, number], variant: number): Promise<string> {
  const pixels = Buffer.alloc(64 * 64 * 3);
  for (let i = 0; i < 64 * 64; i++) {
    const stripe = Math.floor((i % 64) / 8) % 2 === variant % 2;
    pixels[i * 3] = stripe ? rgb[0] : 255 - rgb[0];
    pixels[i * 3 + 1] = stripe ? rgb[1] : 255 - rgb[1];
    pixels[i * 3 + 2] = stripe ? rgb[2] : 255 - rgb[2];
  }
  return (
    await sharp(pixels, { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer()
  ).toString('base64');
}

describe.each(testDatabaseKinds())('photos, categories and embedding maps (%s)', (kind) => {
  let db: TestDatabase;
  let models: TestModels;
  let http: HttpApp;
  const gql = async <T>(
    query: string,
    variables: Record<string, unknown> = {},
    key: string | null = ADMIN_KEY,
  ) => {
    const response = await http.post({ query, variables }, key ? { authorization: `Bearer ${key}` } : {});
    return (await response.json()) as Answer<T>;
  };

  beforeAll(async () => {
    models = await writeTestModels(await createTempModelsDir());
    db = await createTestDatabase(kind);
    http = await startHttpApp(db.database, {
      MODELS_DIR: models.modelsDir,
      MODELS_MANIFEST: models.manifestPath,
      IMAGE_MODEL: 'test-cnn',
      CLIP_MODEL: 'test-clip',
    });
    const inputs = await Promise.all(
      Array.from({ length: 12 }, async (_, index) => ({
        sku: `MAP-${index}`,
        name: `Map product ${index}`,
        category: index < 6 ? 'red-things' : 'blue-things',
        price: 10 + index,
        attributes: [
          { axis: 'value_for_money', value: 10 + index * 7 },
          { axis: 'customer_satisfaction', value: 80 - index * 5 },
          { axis: 'environmental_friendliness', value: 40 + (index % 3) * 10 },
        ],
        ...(index < 10
          ? { image: { base64: await png(index < 6 ? [200, 30, 30] : [30, 30, 200], index) } }
          : {}),
      })),
    );
    const added = await gql<{ addProducts: Array<{ id: string }> }>(
      'mutation Add($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id } }',
      { inputs },
    );
    expect(added.errors).toBeUndefined();
  }, 180_000);
  afterAll(async () => {
    await http?.close();
    await db?.dispose();
    if (models) await rm(models.modelsDir, { recursive: true, force: true });
  });

  it('serves a stored photo as JPEG, cacheable for ever under its versioned URL, 304 on revalidation', async () => {
    const answer = await gql<{ productBySku: { id: string; photoUrl: string } }>(
      '{ productBySku(sku: "MAP-1") { id photoUrl } }',
      {},
      null,
    );
    const { id, photoUrl } = answer.data!.productBySku;
    expect(photoUrl).toMatch(new RegExp(`^/products/${id}/photo\\?v=[0-9a-f]{16}$`));
    const photo = await fetch(`${http.base}${photoUrl}`);
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/jpeg');
    expect(photo.headers.get('cache-control')).toContain('immutable');
    const bytes = Buffer.from(await photo.arrayBuffer());
    expect((await sharp(bytes).metadata()).format).toBe('jpeg');
    const again = await fetch(`${http.base}/products/${id}/photo`, {
      headers: { 'if-none-match': photo.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    expect(again.headers.get('cache-control')).toContain('must-revalidate');
  });

  it('answers 404 for a product without a photo, an unknown product and a malformed id', async () => {
    const answer = await gql<{ productBySku: { id: string; photoUrl: string | null } }>(
      '{ productBySku(sku: "MAP-11") { id photoUrl } }',
    );
    expect(answer.data!.productBySku.photoUrl).toBeNull();
    for (const id of [answer.data!.productBySku.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid'])
      expect((await fetch(`${http.base}/products/${id}/photo`)).status).toBe(404);
  });

  it('lists categories with their counts, largest first', async () => {
    const answer = await gql<{ categories: Array<{ category: string; count: number }> }>(
      '{ categories { category count } }',
      {},
      null,
    );
    expect(answer.data!.categories).toEqual([
      { category: 'blue-things', count: 6 },
      { category: 'red-things', count: 6 },
    ]);
  });

  it('embeddingMap needs an analyst key', async () => {
    const anonymous = await gql('{ embeddingMap { space } }', {}, null);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const analyst = await gql('{ embeddingMap(space: ATTRIBUTES) { space } }', {}, ANALYST_KEY);
    expect(analyst.errors).toBeUndefined();
  });

  it('draws one point per product with a vector, separating what differs, the same on every call', async () => {
    const query = `query Map($space: EmbeddingSpace!, $method: ProjectionMethod!) {
      embeddingMap(space: $space, method: $method) {
        space method modelId explainedVariance points { x y product { sku category } }
      }
    }`;
    type Map = {
      embeddingMap: {
        modelId: string | null;
        explainedVariance: number[] | null;
        points: Array<{ x: number; y: number; product: { sku: string; category: string } }>;
      };
    };
    const image = await gql<Map>(query, { space: 'IMAGE', method: 'PCA' }, ANALYST_KEY);
    expect(image.errors).toBeUndefined();
    const map = image.data!.embeddingMap;
    expect(map.modelId).toBe('test-cnn');
    expect(map.points).toHaveLength(10); // two products have no photo
    expect(map.explainedVariance).toHaveLength(2);
    expect(map.explainedVariance![0]!).toBeGreaterThanOrEqual(map.explainedVariance![1]!);
    // Red and blue photos fall on opposite sides of the first axis.
    const meanX = (category: string) => {
      const xs = map.points.filter((p) => p.product.category === category).map((p) => p.x);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    expect(Math.sign(meanX('red-things'))).toBe(-Math.sign(meanX('blue-things')));

    const attributes = await gql<Map>(query, { space: 'ATTRIBUTES', method: 'UMAP' }, ANALYST_KEY);
    expect(attributes.errors).toBeUndefined();
    expect(attributes.data!.embeddingMap.points).toHaveLength(12);
    expect(attributes.data!.embeddingMap.explainedVariance).toBeNull();
    const twice = await gql<Map>(query, { space: 'ATTRIBUTES', method: 'UMAP' }, ANALYST_KEY);
    expect(twice.data).toEqual(attributes.data);
  });

  it('refuses a space without vectors and an out-of-range size with BAD_USER_INPUT', async () => {
    const tags = await gql('{ embeddingMap(space: TAGS) { space } }', {}, ANALYST_KEY);
    expect(tags.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'space' });
    const big = await gql('{ embeddingMap(first: 0) { space } }', {}, ANALYST_KEY);
    expect(big.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});
