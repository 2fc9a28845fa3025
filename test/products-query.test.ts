// Reading the catalogue: lookups, cursor pagination over the whole catalogue, filters and bounds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCatalogue } from '../src/demo/demo-catalogue.js';
import { seedDemoCatalogue } from '../src/demo/seed-demo.js';
import { testDatabaseKinds } from './support/databases.js';
import { createTestApp, errorCodes, type TestApp } from './support/test-app.js';

interface Page {
  products: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: Array<{
      cursor: string;
      node: { id: string; sku: string; category: string; price: number; name: string };
    }>;
  };
}

const PRODUCTS = `query ($filter: ProductFilter, $first: Int, $after: String) {
  products(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id sku category price name } }
  }
}`;

describe.each(testDatabaseKinds())('products query on %s Postgres', (kind) => {
  let t: TestApp;
  const catalogue = demoCatalogue();

  beforeAll(async () => {
    t = await createTestApp(kind);
    await seedDemoCatalogue(t.app.services.products, { onlyIfEmpty: true });
  });
  afterAll(() => t.close());

  it('pages through the whole catalogue exactly once, in a stable order', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const result: { data?: Page | null } = await t.gql<Page>(PRODUCTS, { first: 50, after });
      const page = result.data!.products;
      expect(page.totalCount).toBe(catalogue.length);
      seen.push(...page.edges.map((edge) => edge.node.sku));
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)!.cursor);
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(Math.ceil(catalogue.length / 50));
    expect(new Set(seen).size).toBe(catalogue.length);
    expect(seen.sort()).toEqual(catalogue.map((p) => p.sku).sort());
  });

  it('filters by category, price range and text in the name', async () => {
    const filter = { category: 'bicycles', minPrice: 1000, maxPrice: 3000, nameContains: 'bike' };
    const result = await t.gql<Page>(PRODUCTS, { filter, first: 100 });
    const expected = catalogue.filter(
      (p) =>
        p.category === 'bicycles' &&
        p.price >= 1000 &&
        p.price <= 3000 &&
        p.name.toLowerCase().includes('bike'),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(result.data!.products.totalCount).toBe(expected.length);
    expect(result.data!.products.edges.map((edge) => edge.node.sku).sort()).toEqual(
      expected.map((p) => p.sku).sort(),
    );
  });

  it('filters by any of several categories', async () => {
    const result = await t.gql<Page>(PRODUCTS, {
      filter: { categories: ['t-shirts', 'example'] },
      first: 100,
    });
    expect(result.data!.products.totalCount).toBe(
      catalogue.filter((p) => ['t-shirts', 'example'].includes(p.category)).length,
    );
  });

  it('finds products by id and by SKU, and answers null for unknown ones', async () => {
    const bySku = await t.gql<{ productBySku: { id: string; name: string } }>(
      `{ productBySku(sku: "product3") { id name } }`,
    );
    expect(bySku.data!.productBySku.name).toBe('Example product 3');
    const byId = await t.gql<{ product: { sku: string } }>(`query ($id: ID!) { product(id: $id) { sku } }`, {
      id: bySku.data!.productBySku.id,
    });
    expect(byId.data!.product.sku).toBe('product3');
    const unknown = await t.gql(
      `{ a: productBySku(sku: "nope") { id } b: product(id: "00000000-0000-4000-8000-000000000000") { id } c: product(id: "x") { id } }`,
    );
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data).toEqual({ a: null, b: null, c: null });
  });

  it.each([
    [{ first: 0 }, 'first'],
    [{ first: 101 }, 'first'],
    [{ after: 'garbage' }, 'after'],
    [{ filter: { minPrice: 10, maxPrice: 5 } }, 'filter.minPrice'],
    [{ filter: { minPrice: -1 } }, 'filter.minPrice'],
  ])('refuses %j with BAD_USER_INPUT', async (variables, field) => {
    const result = await t.gql(PRODUCTS, variables);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.extensions!['field']).toBe(field);
  });

  it('refuses a query whose complexity would dump the catalogue in one call', async () => {
    const aliases = Array.from(
      { length: 10 },
      (_, i) => `p${i}: products(first: 100) { edges { node { id name attributes { axis value } } } }`,
    );
    const result = await t.gql(`{ ${aliases.join(' ')} }`);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.message).toMatch(/complexity/);
  });

  it('lists the attribute axes in vector order', async () => {
    const result = await t.gql<{
      attributeAxes: Array<{ name: string; position: number; minValue: number; maxValue: number }>;
    }>(`{ attributeAxes { name position minValue maxValue } }`);
    expect(result.data!.attributeAxes).toEqual([
      { name: 'value_for_money', position: 0, minValue: 0, maxValue: 99 },
      { name: 'customer_satisfaction', position: 1, minValue: 0, maxValue: 99 },
      { name: 'environmental_friendliness', position: 2, minValue: 0, maxValue: 99 },
    ]);
  });
});
