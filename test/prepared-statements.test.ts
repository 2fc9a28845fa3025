// Named statements for the recommendation queries (src/db/prepared-statements.ts): bounded, safe
// across a schema change under a running process, and planned once — Postgres reuses the generic
// plan of the hot statement instead of planning every request.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_PRODUCTS } from '../src/demo/demo-catalogue.js';
import {
  filterLiteralsSql,
  filterToSql,
  MAX_FILTER_LITERAL_CHARS,
} from '../src/catalogue/product-filter.sql.js';
import { type ResolvedProductFilter } from '../src/catalogue/product.domain.js';
import { queryPrepared, StatementNames } from '../src/db/prepared-statements.js';
import { Prisma } from '../src/generated/prisma/client.js';
import { createEmptyDatabase, testDatabaseKinds } from './support/databases.js';
import { createTestApp, type TestApp } from './support/test-app.js';

describe('StatementNames', () => {
  it('names the first `capacity` distinct texts, the same name every time, and no more', () => {
    const names = new StatementNames(2);
    const a = names.nameFor('SELECT 1');
    const b = names.nameFor('SELECT 2');
    expect(a).toMatch(/^rec_[0-9a-f]{24}$/);
    expect(b).toMatch(/^rec_[0-9a-f]{24}$/);
    expect(a).not.toBe(b);
    expect(names.nameFor('SELECT 1')).toBe(a);
    expect(names.nameFor('SELECT 3')).toBeUndefined();
    expect(new StatementNames(0).nameFor('SELECT 1')).toBeUndefined();
  });

  it('names a text carrying request values the second time it comes, up to half of the names', () => {
    const names = new StatementNames(4);
    expect(names.nameFor("SELECT 'a'", true)).toBeUndefined();
    expect(names.nameFor("SELECT 'a'", true)).toBeDefined();
    expect(names.nameFor("SELECT 'a'", true)).toBe(names.nameFor("SELECT 'a'", true));
    expect(names.nameFor("SELECT 'b'", true)).toBeUndefined();
    expect(names.nameFor("SELECT 'b'", true)).toBeDefined();
    // Half of the names taken by values: a third value text is never named, however often it comes.
    for (let i = 0; i < 3; i++) expect(names.nameFor("SELECT 'c'", true)).toBeUndefined();
    expect(names.nameFor('SELECT 1')).toBeDefined();
    expect(names.nameFor('SELECT 2')).toBeDefined();
    expect(names.nameFor('SELECT 3')).toBeUndefined();
    const one = new StatementNames(1);
    for (let i = 0; i < 3; i++) expect(one.nameFor("SELECT 'a'", true)).toBeUndefined();
  });

  it('runs a retired text unnamed from then on', () => {
    const names = new StatementNames(4);
    expect(names.nameFor('SELECT 1')).toBeDefined();
    names.retire('SELECT 1');
    expect(names.nameFor('SELECT 1')).toBeUndefined();
  });
});

// Server only: an embedded database belongs to one process (DATA_DIR lock) whose migrations run
// before its first query, so no schema changes under its statements.
describe.runIf(testDatabaseKinds().includes('server'))('named statements on the Postgres server', () => {
  it('survive a column type change under them: the text is retired and run again unnamed', async () => {
    const db = await createEmptyDatabase('server');
    // One connection, so the second run meets the statement the first one prepared.
    const pool = new pg.Pool({ connectionString: db.url!, max: 1 });
    try {
      await pool.query('CREATE TABLE prepared_probe (x int)');
      await pool.query('INSERT INTO prepared_probe VALUES (7)');
      const names = new StatementNames(8);
      const statement = { text: 'SELECT x FROM prepared_probe', values: [] };
      const before = await queryPrepared<[number]>(pool, names, statement);
      expect(before.rows).toEqual([[7]]);
      expect(names.nameFor(statement.text)).toBeDefined();
      await pool.query('ALTER TABLE prepared_probe ALTER COLUMN x TYPE text');
      const after = await queryPrepared<[string]>(pool, names, statement);
      expect(after.rows).toEqual([['7']]);
      expect(names.nameFor(statement.text)).toBeUndefined();
    } finally {
      await pool.end();
      await db.dispose();
    }
  });
});

// The embedded database is one session, so its prepared statements are the service's own.
describe('the recommendation statement on embedded Postgres', () => {
  let t: TestApp;
  let ids: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp('embedded');
    const added = await t.gql<{ addProducts: Array<{ id: string; sku: string }> }>(
      `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id sku } }`,
      { inputs: EXAMPLE_PRODUCTS },
    );
    expect(added.errors).toBeUndefined();
    ids = Object.fromEntries(added.data!.addProducts.map((p) => [p.sku, p.id]));
  });
  afterAll(() => t.close());

  it('is planned once: after a few requests Postgres executes its generic plan', async () => {
    const query = `query ($id: ID!) { similarProducts(productId: $id, k: 2) { score product { sku } } }`;
    const answers = new Set<string>();
    for (let i = 0; i < 9; i++) {
      const sku = ['product1', 'product2', 'product3'][i % 3]!;
      const result = await t.gql<{ similarProducts: Array<{ product: { sku: string } }> }>(query, {
        id: ids[sku],
      });
      expect(result.errors).toBeUndefined();
      answers.add(`${sku}:${result.data!.similarProducts.map((row) => row.product.sku).join(',')}`);
    }
    // Same answers with the generic plan as with the custom ones.
    expect(answers.size).toBe(3);
    const { rows } = await t.db.database.pool.query<{ generic_plans: string; custom_plans: string }>(
      `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name LIKE 'rec\\_%'`,
    );
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]!.custom_plans)).toBeLessThanOrEqual(5);
    expect(Number(rows[0]!.generic_plans)).toBeGreaterThanOrEqual(4);
  });
});

// A filter's values written into the statement (product-filter.sql.ts) must select exactly what the
// same values as parameters select, whatever the text holds.
describe.each(testDatabaseKinds())('filter values as literals (%s)', (kind) => {
  let t: TestApp;
  let idOf: Record<string, string>;
  const awkward = ["O'Brien \\ 50% off_now", "'); DROP TABLE product; --", "E'\\x41'", 'naïve café ☕'];

  beforeAll(async () => {
    t = await createTestApp(kind);
    const inputs = awkward.map((text, index) => ({
      ...EXAMPLE_PRODUCTS[index % EXAMPLE_PRODUCTS.length]!,
      sku: `awkward-${index}`,
      name: `${text} name`,
      category: text,
      price: 10 + index * 2.5,
      inStock: index % 2 === 0,
      tags: [text, `tag-${index}`],
      location: { latitude: 48 + index, longitude: 2 - index },
    }));
    const added = await t.gql<{ addProducts: Array<{ id: string; sku: string }> }>(
      `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id sku } }`,
      { inputs: [...EXAMPLE_PRODUCTS, ...inputs] },
    );
    expect(added.errors).toBeUndefined();
    idOf = Object.fromEntries(added.data!.addProducts.map((p) => [p.sku, p.id]));
  });
  afterAll(() => t.close());

  const skus = async (
    filter: ResolvedProductFilter,
    values: 'parameters' | 'literals',
  ): Promise<string[]> => {
    const conditions = values === 'literals' ? filterLiteralsSql(filter) : filterToSql(filter);
    expect(conditions).not.toBeNull();
    const statement = Prisma.sql`SELECT p.sku FROM product p WHERE true ${conditions!} ORDER BY p.sku`;
    const { rows } = await t.db.database.pool.query<{ sku: string }>({
      text: statement.text,
      values: statement.values,
    });
    return rows.map((row) => row.sku);
  };

  const none = { attributeRanges: [] };
  const filters: Array<[string, ResolvedProductFilter, string[]]> = [
    ...awkward.map((text, index): [string, ResolvedProductFilter, string[]] => [
      `category ${JSON.stringify(text)}`,
      { ...none, category: text },
      [`awkward-${index}`],
    ]),
    ['categories', { ...none, categories: [awkward[0]!, awkward[2]!] }, ['awkward-0', 'awkward-2']],
    [
      'name contains a quote, a backslash and a %',
      { ...none, nameContains: 'Brien \\ 50% off_' },
      ['awkward-0'],
    ],
    // Stored tags are trimmed and lower-cased.
    ['tags any', { ...none, tagsAny: [awkward[1]!.toLowerCase(), 'tag-3'] }, ['awkward-1', 'awkward-3']],
    ['tags all', { ...none, tagsAll: [awkward[3]!, 'tag-3'] }, ['awkward-3']],
    ['price range and stock', { ...none, minPrice: 12.5, maxPrice: 17.5, inStock: true }, ['awkward-2']],
    [
      'out of stock',
      { ...none, inStock: false, tagsAny: ['tag-1', 'tag-2', 'tag-3'] },
      ['awkward-1', 'awkward-3'],
    ],
    [
      'attribute range',
      { attributeRanges: [{ position: 0, min: -1e-9, max: 100 }], tagsAny: ['tag-0'] },
      ['awkward-0'],
    ],
    ['near', { ...none, near: { latitude: 49, longitude: 1, radiusKm: 10 } }, ['awkward-1']],
    // A negative number after a minus: `- -1` would start a comment.
    [
      'near a negative longitude',
      { ...none, near: { latitude: 51, longitude: -1, radiusKm: 10 } },
      ['awkward-3'],
    ],
  ];

  it.each(filters)('%s: the same rows as with parameters', async (_, filter, expected) => {
    const parameters = await skus(filter, 'parameters');
    expect(parameters).toEqual(expected);
    expect(await skus(filter, 'literals')).toEqual(parameters);
  });

  it('writes nothing in where it cannot or need not: NUL, too long, not finite, no values', () => {
    expect(filterLiteralsSql({ ...none, category: 'a\u0000b' })).toBeNull();
    expect(filterLiteralsSql({ ...none, tagsAny: ['x', 'a\u0000b'] })).toBeNull();
    expect(filterLiteralsSql({ ...none, categories: ['x'.repeat(MAX_FILTER_LITERAL_CHARS)] })).toBeNull();
    expect(filterLiteralsSql({ ...none, minPrice: Number.POSITIVE_INFINITY })).toBeNull();
    expect(filterLiteralsSql(none)).toBeNull();
    expect(filterLiteralsSql(null)).toBeNull();
    const written = filterLiteralsSql({ ...none, categories: ['x'.repeat(MAX_FILTER_LITERAL_CHARS - 20)] });
    expect(written?.values).toEqual([]);
  });

  it('plans a filtered recommendation once: its named statement settles on the generic plan', async () => {
    const query = `query ($input: RecommendationInput!) { recommendations(input: $input) { product { sku } } }`;
    const liked = ['product1', 'product2', 'product3'];
    const answers = new Map<string, string>();
    for (let i = 0; i < 12; i++) {
      const sku = liked[i % 3]!;
      const result = await t.gql<{ recommendations: Array<{ product: { sku: string } }> }>(query, {
        input: {
          like: [{ productId: idOf[sku] }],
          spaces: [{ space: 'ATTRIBUTES', weight: 1 }],
          filter: { categories: [awkward[0], awkward[1], awkward[2]] },
          k: 2,
        },
      });
      expect(result.errors).toBeUndefined();
      const answer = result.data!.recommendations.map((row) => row.product.sku).join(',');
      expect(answers.get(sku) ?? answer).toBe(answer);
      answers.set(sku, answer);
      for (const row of result.data!.recommendations) expect(row.product.sku).toMatch(/^awkward-[012]$/);
    }
    // Each connection that ran the statement holds it; on each, at most five custom plans.
    const probe = `SELECT generic_plans, custom_plans FROM pg_prepared_statements
                    WHERE name LIKE 'rec\\_%' AND statement LIKE '%DROP TABLE product%'`;
    if (kind === 'embedded') {
      const { rows } = await t.db.database.pool.query<{ generic_plans: string; custom_plans: string }>(probe);
      expect(rows).toHaveLength(1);
      expect(Number(rows[0]!.custom_plans)).toBeLessThanOrEqual(5);
      // The first request ran with parameters (a value text is named when it comes again), the
      // other eleven by name.
      expect(Number(rows[0]!.generic_plans)).toBeGreaterThanOrEqual(6);
    }
  });
});
