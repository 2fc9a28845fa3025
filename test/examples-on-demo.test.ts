// Every operation in examples/ runs on the demo as `npm start` seeds it (photos embedded by the
// bundled MobileNetV2, no CLIP model; the demo shoppers' history and the BEHAVIOR model trained from
// it) and answers something: a non-empty result, or — only for an operation marked "# needs: CLIP"
// — MODEL_UNAVAILABLE.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { demoCatalogue } from '../src/demo/demo-catalogue.js';
import { demoInteractions } from '../src/demo/demo-interactions.js';
import { seedDemoCatalogue, seedDemoHistory } from '../src/demo/seed-demo.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { exampleOperations, PRODUCT_ID_BY_SKU, resolveVariables } from '../scripts/example-operations.js';
import { testDatabaseKinds } from './support/databases.js';
import { createTestApp, type TestApp } from './support/test-app.js';

// Admin mutations first (they add and remove their own product), then the rest in file order.
const FILES = readdirSync(join(PROJECT_ROOT, 'examples'))
  .filter((file) => file.endsWith('.graphql'))
  .sort((a, b) => Number(b === 'admin.graphql') - Number(a === 'admin.graphql') || a.localeCompare(b));
const OPERATIONS = FILES.flatMap((file) => exampleOperations(PROJECT_ROOT, file));

/** A root field's answer shows something: not null, not an empty list or an empty connection. */
function showsSomething(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && 'edges' in value) return showsSomething(value.edges);
  return true;
}

describe.each(testDatabaseKinds())('examples/ on the seeded demo catalogue (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, { IMAGE_MODEL: 'mobilenetv2-12-int8', MODELS_DIR: 'models' });
    expect(await seedDemoCatalogue(t.app.services.products, { onlyIfEmpty: true })).toBeGreaterThan(200);
    const { interactions, behavior } = t.app.services;
    expect(await seedDemoHistory(interactions, behavior)).toBeGreaterThan(5000);
    // Seeding again adds nothing (fixed event ids) and queues no second training.
    expect(await seedDemoHistory(interactions, behavior)).toBe(0);
    await behavior.start();
    await vi.waitFor(
      async () => {
        expect((await behavior.status()).state).toBe('READY');
      },
      { timeout: 120_000, interval: 250 },
    );
  }, 300_000);
  afterAll(() => t?.close());

  it('the demo products carry photos embedded in the IMAGE space, tags and locations', async () => {
    const answer = await t.gql<{
      productBySku: {
        tags: string[];
        location: { latitude: number } | null;
        embeddingStatus: Array<{ space: string; state: string }>;
      };
    }>('{ productBySku(sku: "RUNNIN-001") { tags location { latitude } embeddingStatus { space state } } }');
    expect(answer.errors).toBeUndefined();
    const product = answer.data!.productBySku;
    expect(product.tags).toContain('running');
    expect(product.location).not.toBeNull();
    expect(product.embeddingStatus.find((status) => status.space === 'IMAGE')?.state).toBe('PRESENT');
  });

  it('the demo history teaches the BEHAVIOR space what goes together', async () => {
    // Each shopper's recommendations come mostly from the categories of their own history (a
    // favourite category holds 22 products, so there are unseen ones left to recommend).
    const catalogue = new Map(demoCatalogue().map((product) => [product.sku, product.category]));
    const history = demoInteractions(demoCatalogue(), new Date());
    let inTaste = 0;
    let shown = 0;
    for (const user of ['demo-shopper-001', 'demo-shopper-002', 'demo-shopper-003', 'demo-shopper-004']) {
      const theirs = new Set(
        history.filter((event) => event.userToken === user).map((event) => catalogue.get(event.sku!)),
      );
      const answer = await t.gql<{ recommendedForUser: Array<{ product: { category: string } }> }>(
        `query($user: String!) { recommendedForUser(userToken: $user, k: 10) { product { category } } }`,
        { user },
      );
      expect(answer.errors).toBeUndefined();
      const categories = answer.data!.recommendedForUser.map((row) => row.product.category);
      expect(categories).toHaveLength(10);
      inTaste += categories.filter((category) => theirs.has(category)).length;
      shown += categories.length;
    }
    console.log(
      `examples-on-demo: ${inTaste} of ${shown} "for you" products in the shoppers' own categories`,
    );
    expect(inTaste / shown).toBeGreaterThanOrEqual(0.7);
    // Pairs well with: a desk lamp's baskets hold office chairs.
    const pairs = await t.gql<{ productRecommendations: Array<{ product: { category: string } }> }>(
      `query($id: ID!) { productRecommendations(productId: $id, intent: COMPLEMENTARY, k: 5) { product { category } } }`,
      {
        id: (await t.gql<{ productBySku: { id: string } }>(PRODUCT_ID_BY_SKU, { sku: 'DESKLA-001' })).data!
          .productBySku.id,
      },
    );
    expect(pairs.errors).toBeUndefined();
    expect(pairs.data!.productRecommendations[0]!.product.category).toBe('office-chairs');
  });

  it.each(OPERATIONS.map((operation) => [`${operation.file} ${operation.name}`, operation] as const))(
    '%s',
    async (_label, operation) => {
      const variables = await resolveVariables(PROJECT_ROOT, operation.variables, async (sku) => {
        const found = await t.gql<{ productBySku: { id: string } | null }>(PRODUCT_ID_BY_SKU, { sku });
        return found.data?.productBySku?.id ?? null;
      });
      const answer = await t.gql(operation.document, variables);
      if (operation.needs.length > 0) {
        expect(answer.errors?.map((error) => error.extensions?.['code'])).toEqual(
          expect.arrayContaining(['MODEL_UNAVAILABLE']),
        );
        for (const error of answer.errors ?? []) expect(error.extensions?.['code']).toBe('MODEL_UNAVAILABLE');
        return;
      }
      expect(answer.errors).toBeUndefined();
      for (const [field, value] of Object.entries(answer.data ?? {}))
        expect(showsSomething(value), `${field}: ${JSON.stringify(value)}`).toBe(true);
    },
    60_000,
  );
});
