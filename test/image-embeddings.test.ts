// Image and CLIP embeddings end to end with generated ONNX models that have the production
// signatures: ingest (base64 and URL), storage, every query, bad images, missing models.
import { readFileSync } from 'node:fs';
import { rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipTextModel } from '../src/inference/clip-text-model.js';
import { EmbeddingBackfillService } from '../src/embeddings/embedding-backfill.service.js';
import { ImageSpace } from '../src/inference/ports.js';
import { ImagePreprocessor } from '../src/imaging/image-preprocessor.js';
import { type ModelManifest } from '../src/inference/model-manifest.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { rowCounts, testDatabaseKinds } from './support/databases.js';
import { productPhoto, serveImages, type ImageServer } from './support/images.js';
import {
  cosine,
  createTempModelsDir,
  SHARED_MOBILENET_PATH,
  sharedMobileNetAvailable,
  testClipVisionReference,
  testCnnReferenceFeatures,
  type TestModels,
  writeTestModels,
} from './support/onnx-fixtures.js';
import {
  ANALYST_KEY,
  createTestApp,
  errorCodes,
  type GraphQLResult,
  type TestApp,
} from './support/test-app.js';

const scores = [
  { axis: 'value_for_money', value: 50 },
  { axis: 'customer_satisfaction', value: 50 },
  { axis: 'environmental_friendliness', value: 50 },
];
const ADD_MANY = `mutation ($inputs: [ProductInput!]!) {
  addProducts(inputs: $inputs) { id sku imageUrl embeddingStatus { space modelId state } }
}`;
const SIMILAR = `query ($id: ID!, $space: EmbeddingSpace!, $k: Int) {
  similarProducts(productId: $id, space: $space, k: $k) { score distance product { sku } }
}`;
const BY_IMAGE = `query ($image: ImageInput!, $space: EmbeddingSpace, $k: Int) {
  searchByImage(image: $image, space: $space, k: $k) { score product { sku } }
}`;

type Scored = Array<{ score: number; distance: number; product: { sku: string } }>;

const normalise = (vector: ArrayLike<number>): number[] => {
  const norm = Math.hypot(...Array.from(vector));
  return Array.from(vector, (value) => value / norm);
};
const parseVector = (text: string): number[] => text.slice(1, -1).split(',').map(Number);
const softmax = (values: number[], scale: number): number[] => {
  const max = Math.max(...values.map((v) => v * scale));
  const exps = values.map((v) => Math.exp(v * scale - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
};

describe.each(testDatabaseKinds())('image and CLIP embeddings on %s Postgres', (kind) => {
  let t: TestApp;
  let models: TestModels;
  let server: ImageServer;
  let ids: Record<string, string>;
  let photos: Record<string, Buffer>;
  const preprocessor = new ImagePreprocessor();

  /** Stored vectors of a model, by SKU. */
  async function storedVectors(modelId: string): Promise<Map<string, number[]>> {
    const result = await t.db.database.pool.query<{ sku: string; v: string }>(
      `SELECT p.sku, e.embedding::text AS v FROM product_embedding e JOIN product p ON p.id = e.product_id WHERE e.model_id = $1`,
      [modelId],
    );
    return new Map(result.rows.map((row) => [row.sku, parseVector(row.v)]));
  }

  beforeAll(async () => {
    models = await writeTestModels(await createTempModelsDir());
    photos = {
      'RED-1': await productPhoto([200, 30, 30], [250, 250, 250]),
      'RED-2': await productPhoto([210, 40, 35], [240, 240, 230], 'jpeg'),
      'BLUE-1': await productPhoto([30, 40, 200], [250, 250, 250]),
      'BLUE-2': await productPhoto([35, 50, 190], [20, 20, 20]),
      'GREEN-1': await productPhoto([30, 180, 40], [250, 240, 40]),
      'NEW-RED': await productPhoto([190, 25, 40], [255, 255, 255]),
    };
    server = await serveImages({ '/green.png': photos['GREEN-1']!, '/blue2.png': photos['BLUE-2']! });
    t = await createTestApp(kind, {
      MODELS_DIR: models.modelsDir,
      MODELS_MANIFEST: models.manifestPath,
      IMAGE_MODEL: 'test-cnn',
      CLIP_MODEL: 'test-clip',
      IMAGE_FETCH_ALLOW_HOSTS: '127.0.0.1',
    });
    const product = (sku: string, category: string, image: Record<string, string> | null) => ({
      sku,
      name: sku,
      category,
      price: 10,
      attributes: scores,
      ...(image ? { image } : {}),
    });
    const b64 = (sku: string) => ({ base64: photos[sku]!.toString('base64') });
    const added = await t.gql<{ addProducts: Array<{ id: string; sku: string }> }>(ADD_MANY, {
      inputs: [
        product('RED-1', 'red', b64('RED-1')),
        product('RED-2', 'red', { base64: `data:image/jpeg;base64,${photos['RED-2']!.toString('base64')}` }),
        product('BLUE-1', 'blue', b64('BLUE-1')),
        product('BLUE-2', 'blue', { url: `${server.base}/blue2.png` }),
        product('GREEN-1', 'green', { url: `${server.base}/green.png` }),
        product('PLAIN-1', 'red', null),
      ],
    });
    expect(added.errors).toBeUndefined();
    ids = Object.fromEntries(added.data!.addProducts.map((p) => [p.sku, p.id]));
  });
  afterAll(async () => {
    await t.close();
    await server.close();
    await rm(models.modelsDir, { recursive: true, force: true });
  });

  it('stores the photo and both embeddings on ingest, and reports them per product', async () => {
    expect(await rowCounts(t.db.database)).toEqual({ product: 6, product_image: 5, product_embedding: 10 });
    const result = await t.gql<{
      products: {
        edges: Array<{ node: { sku: string; imageUrl: string | null; embeddingStatus: unknown } }>;
      };
    }>(`{ products(first: 10) { edges { node { sku imageUrl embeddingStatus { space modelId state } } } } }`);
    const bySku = Object.fromEntries(result.data!.products.edges.map((edge) => [edge.node.sku, edge.node]));
    expect(bySku['RED-1']!.embeddingStatus).toEqual([
      { space: 'IMAGE', modelId: 'test-cnn', state: 'PRESENT' },
      { space: 'CLIP', modelId: 'test-clip', state: 'PRESENT' },
    ]);
    expect(bySku['PLAIN-1']!.embeddingStatus).toEqual([
      { space: 'IMAGE', modelId: 'test-cnn', state: 'NO_IMAGE' },
      { space: 'CLIP', modelId: 'test-clip', state: 'NO_IMAGE' },
    ]);
    expect(bySku['GREEN-1']!.imageUrl).toBe(`${server.base}/green.png`);
    expect(server.requests).toEqual(expect.arrayContaining(['/green.png', '/blue2.png']));
  });

  it('stores exactly the vectors the models compute from the stored canonical photo', async () => {
    const stored = await t.db.database.pool.query<{ bytes: Buffer }>(
      `SELECT bytes FROM product_image WHERE product_id = $1`,
      [ids['BLUE-1']],
    );
    const canonical = Buffer.from(stored.rows[0]!.bytes);
    await expect((await import('sharp')).default(canonical).metadata()).resolves.toMatchObject({
      format: 'jpeg',
      width: 320,
      height: 240,
    });
    const clipTensor = await preprocessor.preprocess([canonical], models.clip.vision.preprocess);
    const expectedClip = normalise(testClipVisionReference(models.weights.clipVision, clipTensor, 1));
    const cnnTensor = await preprocessor.preprocess([canonical], models.cnn.preprocess);
    const expectedCnn = normalise(testCnnReferenceFeatures(models.weights.cnn, cnnTensor, 1));
    const clip = (await storedVectors('test-clip')).get('BLUE-1')!;
    const cnn = (await storedVectors('test-cnn')).get('BLUE-1')!;
    expect(clip).toHaveLength(512);
    expect(cnn).toHaveLength(64);
    expect(Math.max(...clip.map((v, i) => Math.abs(v - expectedClip[i]!)))).toBeLessThan(1e-4);
    expect(Math.max(...cnn.map((v, i) => Math.abs(v - expectedCnn[i]!)))).toBeLessThan(1e-4);
  });

  it.each([ImageSpace.CLIP, ImageSpace.IMAGE])(
    'similarProducts in %s orders by cosine computed independently',
    async (space) => {
      const vectors = await storedVectors(space === ImageSpace.CLIP ? 'test-clip' : 'test-cnn');
      const target = vectors.get('RED-1')!;
      const expected = [...vectors]
        .filter(([sku]) => sku !== 'RED-1')
        .map(([sku, vector]) => ({ sku, score: cosine(target, vector) }))
        .sort((a, b) => b.score - a.score);
      const result = await t.gql<{ similarProducts: Scored }>(
        SIMILAR,
        { id: ids['RED-1'], space, k: 10 },
        { key: null },
      );
      expect(result.errors).toBeUndefined();
      const rows = result.data!.similarProducts;
      expect(rows.map((row) => row.product.sku)).toEqual(expected.map((row) => row.sku));
      rows.forEach((row, index) => {
        expect(row.score).toBeCloseTo(expected[index]!.score, 5);
        expect(row.distance).toBeCloseTo(1 - row.score, 10);
      });
      if (space === ImageSpace.CLIP) expect(rows[0]!.product.sku).toBe('RED-2');
    },
  );

  it('refuses similarProducts in an image space for a product without a photo', async () => {
    const result = await t.gql(SIMILAR, { id: ids['PLAIN-1'], space: 'CLIP' });
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.extensions!['field']).toBe('productId');
  });

  it.each(['CLIP', 'IMAGE'])(
    'searchByImage in %s finds the product whose photo was uploaded first',
    async (space) => {
      const result = await t.gql<{ searchByImage: Scored }>(BY_IMAGE, {
        image: { base64: photos['BLUE-1']!.toString('base64') },
        space,
        k: 3,
      });
      expect(result.errors).toBeUndefined();
      expect(result.data!.searchByImage[0]!.product.sku).toBe('BLUE-1');
      expect(result.data!.searchByImage[0]!.score).toBeGreaterThan(0.9999);
      expect(result.data!.searchByImage).toHaveLength(3);
    },
  );

  it('searchByImage refuses the ATTRIBUTES space', async () => {
    const result = await t.gql(BY_IMAGE, {
      image: { base64: photos['BLUE-1']!.toString('base64') },
      space: 'ATTRIBUTES',
    });
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
  });

  it('searchProducts ranks photos by the cosine of their CLIP vectors with the text embedding', async () => {
    const text = await ClipTextModel.load(models.clip, models.modelsDir);
    try {
      const [query] = await text.embed(['a photo of a red bag']);
      const vectors = await storedVectors('test-clip');
      const expected = [...vectors]
        .map(([sku, v]) => ({ sku, score: cosine(query!, v) }))
        .sort((a, b) => b.score - a.score);
      const result = await t.gql<{ searchProducts: Scored }>(
        `{ searchProducts(text: "  a photo of a red bag ", k: 5) { score product { sku } } }`,
      );
      expect(result.errors).toBeUndefined();
      expect(result.data!.searchProducts.map((row) => row.product.sku)).toEqual(
        expected.map((row) => row.sku),
      );
      expect(result.data!.searchProducts[0]!.score).toBeCloseTo(expected[0]!.score, 5);
    } finally {
      await text.release();
    }
    const empty = await t.gql(`{ searchProducts(text: "   ") { score } }`);
    expect(errorCodes(empty)).toEqual(['BAD_USER_INPUT']);
    const tooMany = await t.gql(`{ searchProducts(text: "x", k: 500) { score } }`);
    expect(errorCodes(tooMany)).toEqual(['BAD_USER_INPUT']);
  });

  it('classifyProducts: softmax over CLIP logits with a prompt ensemble, counts, accuracy and confusion matrix', async () => {
    const labels = ['red', 'blue', 'green'];
    const templates = ['a photo of a {}', 'a {} product'];
    const query = `query ($labels: [String!]!, $templates: [String!], $first: Int) {
      classifyProducts(labels: $labels, templates: $templates, first: $first) {
        modelId labels templates classified unclassified evaluated accuracy
        countsByLabel { label count } confusionMatrix { labels rows }
        products { product { sku category } label probability probabilities { label cosine probability } }
      }
    }`;
    const anonymous = await t.gql(query, { labels }, { key: null });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);

    const result = await t.gql<{
      classifyProducts: {
        classified: number;
        unclassified: number;
        evaluated: number;
        accuracy: number;
        countsByLabel: Array<{ label: string; count: number }>;
        confusionMatrix: { rows: number[][] };
        products: Array<{
          product: { sku: string; category: string };
          label: string;
          probability: number;
          probabilities: Array<{ cosine: number; probability: number }>;
        }>;
      };
    }>(query, { labels, templates }, { key: ANALYST_KEY });
    expect(result.errors).toBeUndefined();
    const report = result.data!.classifyProducts;
    expect(report).toMatchObject({ classified: 5, unclassified: 1, evaluated: 5 });

    // Independent computation: prompt ensemble = normalised mean of the template embeddings.
    const text = await ClipTextModel.load(models.clip, models.modelsDir);
    const prompts = await text.embed(
      labels.flatMap((label) => templates.map((tpl) => tpl.replace('{}', label))),
    );
    await text.release();
    const labelVectors = labels.map((_, l) =>
      normalise(prompts[l * 2]!.map((v, d) => v + prompts[l * 2 + 1]![d]!)),
    );
    const vectors = await storedVectors('test-clip');
    let correct = 0;
    const counts = [0, 0, 0];
    const matrix = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    for (const [sku, vector] of vectors) {
      const cosines = labelVectors.map((label) => cosine(vector, label));
      const probabilities = softmax(cosines, 100);
      const best = probabilities.indexOf(Math.max(...probabilities));
      counts[best]!++;
      const category = sku.startsWith('RED') ? 0 : sku.startsWith('BLUE') ? 1 : 2;
      matrix[category]![best]!++;
      if (best === category) correct++;
      const listed = report.products.find((p) => p.product.sku === sku)!;
      expect(listed.label).toBe(labels[best]);
      listed.probabilities.forEach((entry, index) => {
        expect(entry.cosine).toBeCloseTo(cosines[index]!, 4);
        expect(entry.probability).toBeCloseTo(probabilities[index]!, 3);
      });
    }
    expect(report.countsByLabel.map((c) => c.count)).toEqual(counts);
    expect(report.confusionMatrix.rows).toEqual(matrix);
    expect(report.accuracy).toBeCloseTo(correct / 5, 10);
    expect(report.products).toHaveLength(5);

    const limited = await t.gql<{ classifyProducts: { products: unknown[] } }>(query, { labels, first: 2 });
    expect(limited.data!.classifyProducts.products).toHaveLength(2);
    const badTemplate = await t.gql(query, { labels, templates: ['no placeholder'] });
    expect(errorCodes(badTemplate)).toEqual(['BAD_USER_INPUT']);
    expect(badTemplate.errors![0]!.extensions!['field']).toBe('templates[0]');
  });

  it('imageTextScores: cosine and softmax probability of each text for a photo', async () => {
    const texts = ['a red thing', 'a blue thing'];
    const result = await t.gql<{
      imageTextScores: Array<{ text: string; cosine: number; probability: number }>;
    }>(
      `query ($image: ImageInput!, $texts: [String!]!) { imageTextScores(image: $image, texts: $texts) { text cosine probability } }`,
      { image: { base64: photos['RED-1']!.toString('base64') }, texts },
      { key: null },
    );
    expect(result.errors).toBeUndefined();
    const rows = result.data!.imageTextScores;
    expect(rows.map((row) => row.text)).toEqual(texts);
    const expected = softmax(
      rows.map((row) => row.cosine),
      100,
    );
    rows.forEach((row, index) => expect(row.probability).toBeCloseTo(expected[index]!, 6));
    expect(rows.reduce((sum, row) => sum + row.probability, 0)).toBeCloseTo(1, 6);
    const image = (await storedVectors('test-clip')).get('RED-1')!;
    const text = await ClipTextModel.load(models.clip, models.modelsDir);
    const [first] = await text.embed([texts[0]!]);
    await text.release();
    expect(rows[0]!.cosine).toBeCloseTo(cosine(image, first!), 4);
  });

  it('lists the models with their state', async () => {
    const result = await t.gql<{
      models: Array<{ id: string; configured: boolean; state: string; dimension: number }>;
    }>(`{ models { id configured state dimension installCommand } }`);
    expect(result.data!.models).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'test-cnn', configured: true, state: 'LOADED', dimension: 64 }),
        expect.objectContaining({ id: 'test-clip', configured: true, state: 'LOADED', dimension: 512 }),
      ]),
    );
  });

  describe('bad images are refused with the field named, and nothing is written', () => {
    async function expectRefused(
      variables: Record<string, unknown>,
      field: string,
      query = ADD_MANY,
    ): Promise<GraphQLResult> {
      const before = await rowCounts(t.db.database);
      const result = await t.gql(query, variables);
      expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors![0]!.extensions!['field']).toBe(field);
      expect(await rowCounts(t.db.database)).toEqual(before);
      return result;
    }
    const input = (sku: string, image: unknown) => ({
      sku,
      name: sku,
      category: 'x',
      price: 1,
      attributes: scores,
      image,
    });

    it('invalid base64 in the second product of a bulk request', async () => {
      await expectRefused(
        {
          inputs: [
            input('OK-IMG', { base64: photos['RED-1']!.toString('base64') }),
            input('BAD-IMG', { base64: 'not*base64!' }),
          ],
        },
        'inputs[1].image',
      );
    });
    it('both url and base64', async () => {
      await expectRefused(
        { inputs: [input('BOTH', { url: `${server.base}/green.png`, base64: 'AAAA' })] },
        'inputs[0].image',
      );
    });
    it('bytes that are not an image', async () => {
      const result = await expectRefused(
        { inputs: [input('TEXT', { base64: Buffer.from('<html>hello</html>').toString('base64') })] },
        'inputs[0].image',
      );
      expect(result.errors![0]!.extensions!['reason']).toBe('not-an-image');
    });
    it('a URL on a private network', async () => {
      const result = await expectRefused(
        { inputs: [input('PRIV', { url: 'http://10.0.0.1/cat.jpg' })] },
        'inputs[0].image',
      );
      expect(result.errors![0]!.extensions!['reason']).toBe('private-address');
    });
    it('a URL that answers 404', async () => {
      await expectRefused(
        { inputs: [input('GONE', { url: `${server.base}/missing.png` })] },
        'inputs[0].image',
      );
    });
    it('an update with a bad image changes nothing', async () => {
      await expectRefused(
        { id: ids['RED-1'], input: { name: 'renamed', image: { base64: '@@@' } } },
        'input.image',
        `mutation ($id: ID!, $input: ProductUpdateInput!) { updateProduct(id: $id, input: $input) { id } }`,
      );
      const vectors = await storedVectors('test-clip');
      expect(vectors.has('RED-1')).toBe(true);
    });
  });

  it('updateProduct re-embeds a new photo, and image: null removes photo and embeddings', async () => {
    const UPDATE = `mutation ($id: ID!, $input: ProductUpdateInput!) { updateProduct(id: $id, input: $input) { sku embeddingStatus { state } } }`;
    const before = (await storedVectors('test-clip')).get('GREEN-1')!;
    const replaced = await t.gql(UPDATE, {
      id: ids['GREEN-1'],
      input: { image: { base64: photos['NEW-RED']!.toString('base64') } },
    });
    expect(replaced.errors).toBeUndefined();
    const after = (await storedVectors('test-clip')).get('GREEN-1')!;
    expect(cosine(before, after)).toBeLessThan(0.999);
    const redOne = (await storedVectors('test-clip')).get('RED-1')!;
    expect(cosine(after, redOne)).toBeGreaterThan(cosine(before, redOne));

    const removed = await t.gql<{ updateProduct: { embeddingStatus: Array<{ state: string }> } }>(UPDATE, {
      id: ids['GREEN-1'],
      input: { image: null },
    });
    expect(removed.data!.updateProduct.embeddingStatus.map((s) => s.state)).toEqual(['NO_IMAGE', 'NO_IMAGE']);
    expect((await storedVectors('test-clip')).has('GREEN-1')).toBe(false);
  });
});

describe.each(testDatabaseKinds())('a configured model that is not installed (%s Postgres)', (kind) => {
  let t: TestApp;
  let modelsDir: string;
  const realManifest = JSON.parse(
    readFileSync(join(PROJECT_ROOT, 'models', 'manifest.json'), 'utf8'),
  ) as ModelManifest;

  beforeAll(async () => {
    modelsDir = await createTempModelsDir();
    const manifestPath = join(modelsDir, 'manifest.json');
    await writeFile(
      manifestPath,
      JSON.stringify({ models: realManifest.models.filter((m) => m.id === 'mobilenetv2-12-int8') }),
    );
    t = await createTestApp(kind, {
      MODELS_DIR: modelsDir,
      MODELS_MANIFEST: manifestPath,
      IMAGE_MODEL: 'mobilenetv2-12-int8',
    });
  });
  afterAll(async () => {
    await t.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('still stores the product, reports the missing embedding, and names the install command', async () => {
    const photo = await productPhoto([200, 30, 30], [250, 250, 250]);
    const added = await t.gql<{ addProduct: { id: string; embeddingStatus: unknown } }>(
      `mutation ($input: ProductInput!) { addProduct(input: $input) { id embeddingStatus { space modelId state } } }`,
      {
        input: {
          sku: 'CAT-1',
          name: 'cat',
          category: 'cats',
          price: 1,
          attributes: scores,
          image: { base64: photo.toString('base64') },
        },
      },
    );
    expect(added.errors).toBeUndefined();
    expect(added.data!.addProduct.embeddingStatus).toEqual([
      { space: 'IMAGE', modelId: 'mobilenetv2-12-int8', state: 'MISSING' },
      { space: 'CLIP', modelId: null, state: 'DISABLED' },
    ]);
    const models = await t.gql<{ models: Array<{ id: string; state: string; configured: boolean }> }>(
      `{ models { id state configured reason } }`,
    );
    expect(models.data!.models).toEqual([
      expect.objectContaining({ id: 'mobilenetv2-12-int8', state: 'MISSING', configured: true }),
    ]);

    const search = await t.gql(
      `query ($image: ImageInput!) { searchByImage(image: $image, k: 1) { score } }`,
      { image: { base64: photo.toString('base64') } },
    );
    expect(errorCodes(search)).toEqual(['MODEL_UNAVAILABLE']);
    expect(search.errors![0]!.extensions!['installCommand']).toBe(
      'npm run models:download mobilenetv2-12-int8',
    );
    expect(search.errors![0]!.message).toContain('npm run models:download mobilenetv2-12-int8');
    const text = await t.gql(`{ searchProducts(text: "a cat") { score } }`);
    expect(errorCodes(text)).toEqual(['MODEL_UNAVAILABLE']);

    if (!sharedMobileNetAvailable) {
      console.warn(
        'skipping the backfill half of this test: ../shared/models/mobilenetv2-12-int8.onnx is missing',
      );
      return;
    }
    // Install the model afterwards: the backfill fills the missing embedding and search works.
    await symlink(SHARED_MOBILENET_PATH, join(modelsDir, 'mobilenetv2-12-int8.onnx'));
    const backfill = new EmbeddingBackfillService(t.app.services.embeddings, t.app.services.media);
    expect(await backfill.run(ImageSpace.IMAGE, 'mobilenetv2-12-int8')).toEqual({
      modelId: 'mobilenetv2-12-int8',
      done: 1,
      total: 1,
    });
    const status = await t.gql<{ product: { embeddingStatus: Array<{ state: string }> } }>(
      `query ($id: ID!) { product(id: $id) { embeddingStatus { state } } }`,
      { id: added.data!.addProduct.id },
    );
    expect(status.data!.product.embeddingStatus[0]!.state).toBe('PRESENT');
    const found = await t.gql<{ searchByImage: Scored }>(
      `query ($image: ImageInput!) { searchByImage(image: $image, k: 1) { score product { sku } } }`,
      {
        image: { base64: photo.toString('base64') },
      },
    );
    expect(found.data!.searchByImage[0]!.product.sku).toBe('CAT-1');
    expect(found.data!.searchByImage[0]!.score).toBeGreaterThan(0.999);
  });
});

describe('models downloaded at start from a mirror, then used for ingest (embedded Postgres)', () => {
  let t: TestApp;
  let source: TestModels;
  let mirror: ImageServer;
  let modelsDir: string;

  beforeAll(async () => {
    source = await writeTestModels(await createTempModelsDir());
    const files: Record<string, Buffer> = {};
    for (const spec of source.manifest.models) {
      for (const file of spec.kind === 'cnn'
        ? [spec.file]
        : [
            spec.vision.file,
            spec.text.file,
            spec.text.tokenizer.files.tokenizer,
            spec.text.tokenizer.files.config,
          ]) {
        files[`/${file.path}`] = readFileSync(join(source.modelsDir, file.path));
      }
    }
    mirror = await serveImages(files);
    modelsDir = await createTempModelsDir();
    t = await createTestApp('embedded', {
      MODELS_DIR: modelsDir,
      MODELS_MANIFEST: source.manifestPath,
      IMAGE_MODEL: 'test-cnn',
      CLIP_MODEL: 'test-clip',
      MODELS_BASE_URL: mirror.base,
    });
  });
  afterAll(async () => {
    await t.close();
    await mirror.close();
    await rm(source.modelsDir, { recursive: true, force: true });
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('reports the models missing, downloads and verifies them, then embeds on ingest', async () => {
    const before = await t.gql<{ models: Array<{ id: string; state: string }> }>(`{ models { id state } }`);
    expect(before.data!.models.map((m) => m.state)).toEqual(['MISSING', 'MISSING']);
    await t.app.services.models.downloadMissing();
    expect(mirror.requests.length).toBe(5);
    const after = await t.gql<{ models: Array<{ id: string; state: string }> }>(`{ models { id state } }`);
    expect(after.data!.models.map((m) => m.state)).toEqual(['AVAILABLE', 'AVAILABLE']);
    const photo = await productPhoto([10, 200, 10], [0, 0, 0]);
    const added = await t.gql<{ addProduct: { embeddingStatus: Array<{ state: string }> } }>(
      `mutation ($input: ProductInput!) { addProduct(input: $input) { embeddingStatus { state } } }`,
      {
        input: {
          sku: 'DL-1',
          name: 'dl',
          category: 'x',
          price: 1,
          attributes: scores,
          image: { base64: photo.toString('base64') },
        },
      },
    );
    expect(added.data!.addProduct.embeddingStatus.map((s) => s.state)).toEqual(['PRESENT', 'PRESENT']);
  });
});
