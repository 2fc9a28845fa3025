// Every operation in examples/ runs on the demo catalogue as `npm start` seeds it (photos embedded
// by the bundled MobileNetV2, no CLIP model) and answers something: a non-empty result, or — only
// for an operation marked "# needs: CLIP" — MODEL_UNAVAILABLE.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoCatalogue } from '../src/demo/seed-demo.js';
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
  }, 180_000);
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
