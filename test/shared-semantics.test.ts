// Real semantics with the real int8 MobileNetV2 from ../shared: its penultimate features, taken
// from the ONNX graph itself, put photos of the same kind of thing together.
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModelManifest } from '../src/inference/model-manifest.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { testDatabaseKinds } from './support/databases.js';
import { createTempModelsDir, SHARED_IMAGES_DIR, SHARED_MOBILENET_PATH } from './support/onnx-fixtures.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const available = existsSync(SHARED_MOBILENET_PATH) && existsSync(join(SHARED_IMAGES_DIR, 'catalog.json'));
if (!available)
  console.warn('SKIPPED test/shared-semantics.test.ts: ../shared (real MobileNetV2 and photos) is missing');

interface CatalogEntry {
  file: string;
  label: string;
  category: string | null;
}
const PINNED = ['skimage/chelsea.png', 'caffe/cat.jpg', 'skimage/motorcycle_left.png'];
const scores = [
  { axis: 'value_for_money', value: 50 },
  { axis: 'customer_satisfaction', value: 50 },
  { axis: 'environmental_friendliness', value: 50 },
];
const skuOf = (file: string) => file.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60);

describe.skipIf(!available).each(testDatabaseKinds())('real MobileNetV2 semantics (%s Postgres)', (kind) => {
  let t: TestApp;
  let modelsDir: string;
  let ids: Record<string, string>;
  const catalog = available
    ? (JSON.parse(readFileSync(join(SHARED_IMAGES_DIR, 'catalog.json'), 'utf8')) as CatalogEntry[])
    : [];
  // Every fourth categorised photo of each category is held out as a query; the rest is the catalogue.
  const heldOut = new Set<string>();
  const seen = new Map<string, number>();
  for (const entry of catalog) {
    if (!entry.category || PINNED.includes(entry.file)) continue;
    const n = (seen.get(entry.category) ?? 0) + 1;
    seen.set(entry.category, n);
    if (n % 4 === 2) heldOut.add(entry.file);
  }
  const ingested = catalog.filter((entry) => !heldOut.has(entry.file));

  beforeAll(async () => {
    modelsDir = await createTempModelsDir();
    await symlink(SHARED_MOBILENET_PATH, join(modelsDir, 'mobilenetv2-12-int8.onnx'));
    const manifest = JSON.parse(
      readFileSync(join(PROJECT_ROOT, 'models', 'manifest.json'), 'utf8'),
    ) as ModelManifest;
    const manifestPath = join(modelsDir, 'manifest.json');
    await writeFile(
      manifestPath,
      JSON.stringify({ models: manifest.models.filter((m) => m.id === 'mobilenetv2-12-int8') }),
    );
    t = await createTestApp(kind, {
      MODELS_DIR: modelsDir,
      MODELS_MANIFEST: manifestPath,
      IMAGE_MODEL: 'mobilenetv2-12-int8',
    });
    ids = {};
    for (let start = 0; start < ingested.length; start += 16) {
      const batch = ingested.slice(start, start + 16);
      const inputs = await Promise.all(
        batch.map(async (entry) => ({
          sku: skuOf(entry.file),
          name: entry.label,
          category: entry.category ?? 'other',
          price: 1,
          attributes: scores,
          image: { base64: (await readFile(join(SHARED_IMAGES_DIR, entry.file))).toString('base64') },
        })),
      );
      const result = await t.gql<{ addProducts: Array<{ id: string; sku: string }> }>(
        `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id sku } }`,
        { inputs },
      );
      expect(result.errors).toBeUndefined();
      for (const product of result.data!.addProducts) ids[product.sku] = product.id;
    }
  }, 300_000);
  afterAll(async () => {
    await t?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  async function similarity(from: string, to: string): Promise<number> {
    const result = await t.gql<{ similarProducts: Array<{ score: number; product: { sku: string } }> }>(
      `query ($id: ID!) { similarProducts(productId: $id, space: IMAGE, k: 100) { score product { sku } } }`,
      { id: ids[skuOf(from)] },
    );
    return result.data!.similarProducts.find((row) => row.product.sku === skuOf(to))!.score;
  }

  it('two cat photos are more similar to each other than either is to a motorcycle', async () => {
    const cats = await similarity('skimage/chelsea.png', 'caffe/cat.jpg');
    const chelseaMotorcycle = await similarity('skimage/chelsea.png', 'skimage/motorcycle_left.png');
    const catMotorcycle = await similarity('caffe/cat.jpg', 'skimage/motorcycle_left.png');
    console.info(
      `cosine cat~cat ${cats.toFixed(3)}, chelsea~motorcycle ${chelseaMotorcycle.toFixed(3)}, cat~motorcycle ${catMotorcycle.toFixed(3)}`,
    );
    expect(cats).toBeGreaterThan(chelseaMotorcycle + 0.1);
    expect(cats).toBeGreaterThan(catMotorcycle + 0.1);
  });

  it('searchByImage with held-out photos returns same-category products far above chance', async () => {
    const catalogueCategories = ingested.filter((entry) => entry.category).map((entry) => entry.category!);
    let hits = 0;
    let chance = 0;
    for (const file of heldOut) {
      const entry = catalog.find((e) => e.file === file)!;
      const result = await t.gql<{ searchByImage: Array<{ product: { category: string } }> }>(
        `query ($image: ImageInput!) { searchByImage(image: $image, space: IMAGE, k: 1) { product { category } } }`,
        { image: { base64: (await readFile(join(SHARED_IMAGES_DIR, file))).toString('base64') } },
      );
      expect(result.errors).toBeUndefined();
      if (result.data!.searchByImage[0]!.product.category === entry.category) hits++;
      chance += catalogueCategories.filter((c) => c === entry.category).length / ingested.length;
    }
    const accuracy = hits / heldOut.size;
    const expectedByChance = chance / heldOut.size;
    console.info(
      `held-out top-1 category accuracy ${hits}/${heldOut.size} = ${accuracy.toFixed(2)} (chance ${expectedByChance.toFixed(2)})`,
    );
    expect(heldOut.size).toBeGreaterThanOrEqual(12);
    expect(accuracy).toBeGreaterThan(Math.max(0.4, 4 * expectedByChance));
  });
});
