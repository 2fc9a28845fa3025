// Admin mutations: what they store, and that every bad input is refused with its code, names the
// field and leaves the database exactly as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowCounts, testDatabaseKinds } from './support/databases.js';
import {
  ANALYST_KEY,
  createTestApp,
  errorCodes,
  type GraphQLResult,
  type TestApp,
} from './support/test-app.js';

const ADD = `mutation ($input: ProductInput!) { addProduct(input: $input) { id sku name price currency category description attributes { axis value } } }`;
const ADD_MANY = `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id sku } }`;
const UPDATE = `mutation ($id: ID!, $input: ProductUpdateInput!) { updateProduct(id: $id, input: $input) { id sku name price attributes { axis value } } }`;
const DELETE = `mutation ($id: ID!) { deleteProduct(id: $id) }`;
const SIMILAR = `query ($id: ID!) { similarProducts(productId: $id, k: 5) { score product { sku } } }`;

const scores = (value: number, satisfaction: number, eco: number) => [
  { axis: 'value_for_money', value },
  { axis: 'customer_satisfaction', value: satisfaction },
  { axis: 'environmental_friendliness', value: eco },
];

const product = (sku: string, overrides: Record<string, unknown> = {}) => ({
  sku,
  name: `Product ${sku}`,
  category: 'mugs',
  price: 12.5,
  attributes: scores(50, 60, 70),
  ...overrides,
});

describe.each(testDatabaseKinds())('product mutations on %s Postgres', (kind) => {
  let t: TestApp;
  let existingId: string;

  beforeAll(async () => {
    t = await createTestApp(kind, { MAX_BULK_PRODUCTS: '5' });
    const added = await t.gql<{ addProduct: { id: string } }>(ADD, { input: product('EXISTING-1') });
    existingId = added.data!.addProduct.id;
  });
  afterAll(() => t.close());

  /** Runs an operation that must be refused and checks the database did not change. */
  async function expectRefused(
    query: string,
    variables: Record<string, unknown>,
    code: string,
    field?: string | RegExp,
    key?: string | null,
  ): Promise<GraphQLResult> {
    const before = await rowCounts(t.db.database);
    const snapshot = await t.db.database.pool.query('SELECT * FROM product ORDER BY id');
    const result = await t.gql(query, variables, key === undefined ? {} : { key });
    expect(errorCodes(result)).toEqual([code]);
    if (field !== undefined) {
      const reported = result.errors![0]!.extensions!['field'] as string;
      if (typeof field === 'string') expect(reported).toBe(field);
      else expect(reported).toMatch(field);
    }
    expect(await rowCounts(t.db.database)).toEqual(before);
    expect((await t.db.database.pool.query('SELECT * FROM product ORDER BY id')).rows).toEqual(snapshot.rows);
    return result;
  }

  it('adds a product, defaulting currency to EUR and computing the attribute vector', async () => {
    const result = await t.gql<{ addProduct: { id: string; currency: string; attributes: unknown } }>(ADD, {
      input: product('MUG-1', { description: '  A mug  ', attributes: scores(20, 30, 40) }),
    });
    expect(result.errors).toBeUndefined();
    expect(result.data!.addProduct).toMatchObject({
      sku: 'MUG-1',
      currency: 'EUR',
      description: 'A mug',
      attributes: scores(20, 30, 40),
    });
    const stored = await t.db.database.pool.query<{ v: string }>(
      `SELECT attribute_vector::text AS v FROM product WHERE id = $1`,
      [result.data!.addProduct.id],
    );
    expect(stored.rows[0]!.v).toBe('[20,30,40]');
  });

  it('adds many products at once', async () => {
    const result = await t.gql<{ addProducts: Array<{ sku: string }> }>(ADD_MANY, {
      inputs: [product('BULK-1'), product('BULK-2', { currency: 'USD' })],
    });
    expect(result.data!.addProducts.map((row) => row.sku)).toEqual(['BULK-1', 'BULK-2']);
  });

  describe('refuses bad input without writing anything', () => {
    const cases: Array<[string, Record<string, unknown>, string | RegExp]> = [
      ['a score above 99', product('BAD-1', { attributes: scores(100, 1, 1) }), 'input.attributes[0].value'],
      ['a negative score', product('BAD-2', { attributes: scores(5, -1, 1) }), 'input.attributes[1].value'],
      [
        'an unknown axis',
        product('BAD-3', { attributes: [...scores(1, 2, 3), { axis: 'durability', value: 4 }] }),
        'input.attributes[3].axis',
      ],
      ['a missing axis', product('BAD-4', { attributes: scores(1, 2, 3).slice(0, 2) }), 'input.attributes'],
      [
        'a duplicated axis',
        product('BAD-5', { attributes: [...scores(1, 2, 3), { axis: 'value_for_money', value: 4 }] }),
        'input.attributes[3].axis',
      ],
      ['all-zero scores', product('BAD-6', { attributes: scores(0, 0, 0) }), 'input.attributes'],
      ['a negative price', product('BAD-7', { price: -1 }), 'input.price'],
      ['a price with fractions of a cent', product('BAD-8', { price: 1.001 }), 'input.price'],
      ['a duplicate SKU', product('EXISTING-1'), 'input.sku'],
      ['an empty name', product('BAD-9', { name: '  ' }), 'input.name'],
      ['a malformed SKU', product('bad sku!'), 'input.sku'],
      ['a lowercase currency', product('BAD-10', { currency: 'eur' }), 'input.currency'],
      ['a non-http image URL', product('BAD-11', { imageUrl: 'file:///etc/passwd' }), 'input.imageUrl'],
    ];
    it.each(cases)('%s', async (_name, input, field) => {
      const result = await expectRefused(ADD, { input }, 'BAD_USER_INPUT', field);
      expect(result.errors![0]!.message).toContain(typeof field === 'string' ? field : '');
    });

    it('NaN and Infinity cannot even be expressed as GraphQL floats', async () => {
      // JSON has no NaN; a literal that overflows to Infinity is refused by the Float scalar or by us.
      const literal = `mutation { addProduct(input: { sku: "INF-1", name: "x", category: "c", price: 1e400,
        attributes: [{ axis: "value_for_money", value: 1 }, { axis: "customer_satisfaction", value: 1 }, { axis: "environmental_friendliness", value: 1 }] }) { id } }`;
      const before = await rowCounts(t.db.database);
      const result = await t.gql(literal);
      expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']).toContain(errorCodes(result)[0]);
      expect(await rowCounts(t.db.database)).toEqual(before);
      const scoreLiteral = literal
        .replace('price: 1e400', 'price: 1')
        .replace('value: 1 }, { axis: "customer', 'value: 1e400 }, { axis: "customer');
      const scoreResult = await t.gql(scoreLiteral);
      expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']).toContain(errorCodes(scoreResult)[0]);
      expect(await rowCounts(t.db.database)).toEqual(before);
    });

    it('a bulk request with one bad product stores none of them', async () => {
      await expectRefused(
        ADD_MANY,
        { inputs: [product('OK-1'), product('OK-2'), product('OK-3', { attributes: scores(1, 2, 300) })] },
        'BAD_USER_INPUT',
        'inputs[2].attributes[2].value',
      );
    });

    it('a bulk request repeating a SKU stores none of them', async () => {
      const result = await expectRefused(
        ADD_MANY,
        { inputs: [product('DUP-1'), product('DUP-2'), product('DUP-1')] },
        'BAD_USER_INPUT',
        'inputs[2].sku',
      );
      expect(result.errors![0]!.message).toContain('inputs[0]');
    });

    it('a bulk request clashing with a stored SKU stores none of them', async () => {
      await expectRefused(
        ADD_MANY,
        { inputs: [product('NEW-1'), product('EXISTING-1')] },
        'BAD_USER_INPUT',
        'inputs[1].sku',
      );
    });

    it('an oversized bulk request is refused', async () => {
      const inputs = Array.from({ length: 6 }, (_, index) => product(`SIZE-${index}`));
      const result = await expectRefused(ADD_MANY, { inputs }, 'BAD_USER_INPUT', 'inputs');
      expect(result.errors![0]!.message).toMatch(/at most 5/);
    });

    it('an update with a bad score changes nothing', async () => {
      await expectRefused(
        UPDATE,
        { id: existingId, input: { attributes: [{ axis: 'customer_satisfaction', value: 99.5 }] } },
        'BAD_USER_INPUT',
        'input.attributes[0].value',
      );
    });

    it('an update of an unknown product is NOT_FOUND', async () => {
      await expectRefused(
        UPDATE,
        { id: '00000000-0000-4000-8000-000000000001', input: { name: 'x' } },
        'NOT_FOUND',
        'id',
      );
    });

    it('an update to a taken SKU is refused', async () => {
      await t.gql(ADD, { input: product('TAKEN-1') });
      await expectRefused(
        UPDATE,
        { id: existingId, input: { sku: 'TAKEN-1' } },
        'BAD_USER_INPUT',
        'input.sku',
      );
    });

    it('an update removing a required field is refused', async () => {
      await expectRefused(UPDATE, { id: existingId, input: { name: null } }, 'BAD_USER_INPUT', 'input.name');
    });

    it('deleting an unknown product is NOT_FOUND', async () => {
      await expectRefused(DELETE, { id: '00000000-0000-4000-8000-000000000002' }, 'NOT_FOUND', 'id');
    });
  });

  it('updates only the given fields and recomputes the attribute vector', async () => {
    const added = await t.gql<{ addProduct: { id: string } }>(ADD, {
      input: product('UPD-1', { attributes: scores(20, 30, 40) }),
    });
    const id = added.data!.addProduct.id;
    const result = await t.gql<{ updateProduct: { name: string; price: number; attributes: unknown } }>(
      UPDATE,
      {
        id,
        input: { price: 99.99, attributes: [{ axis: 'customer_satisfaction', value: 99 }] },
      },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.updateProduct).toMatchObject({
      name: 'Product UPD-1',
      price: 99.99,
      attributes: scores(20, 99, 40),
    });
    const stored = await t.db.database.pool.query<{ v: string }>(
      `SELECT attribute_vector::text AS v FROM product WHERE id = $1`,
      [id],
    );
    expect(stored.rows[0]!.v).toBe('[20,99,40]');
  });

  it('deletes a product, which then no longer appears in recommendations', async () => {
    const a = await t.gql<{ addProduct: { id: string } }>(ADD, {
      input: product('DEL-A', { attributes: scores(1, 1, 98) }),
    });
    const b = await t.gql<{ addProduct: { id: string } }>(ADD, {
      input: product('DEL-B', { attributes: scores(1, 2, 97) }),
    });
    const before = await t.gql<{ similarProducts: Array<{ product: { sku: string } }> }>(SIMILAR, {
      id: a.data!.addProduct.id,
    });
    expect(before.data!.similarProducts[0]!.product.sku).toBe('DEL-B');
    const deleted = await t.gql<{ deleteProduct: boolean }>(DELETE, { id: b.data!.addProduct.id });
    expect(deleted.data!.deleteProduct).toBe(true);
    const after = await t.gql<{ similarProducts: Array<{ product: { sku: string } }> }>(SIMILAR, {
      id: a.data!.addProduct.id,
    });
    expect(after.data!.similarProducts.map((row) => row.product.sku)).not.toContain('DEL-B');
  });

  describe('authorisation', () => {
    it('refuses mutations without a key (UNAUTHENTICATED) and writes nothing', async () => {
      await expectRefused(ADD, { input: product('AUTH-1') }, 'UNAUTHENTICATED', undefined, null);
    });
    it('refuses an unknown key (UNAUTHENTICATED)', async () => {
      await expectRefused(ADD, { input: product('AUTH-2') }, 'UNAUTHENTICATED', undefined, 'not-a-key');
    });
    it('refuses an analyst key (FORBIDDEN)', async () => {
      await expectRefused(DELETE, { id: existingId }, 'FORBIDDEN', undefined, ANALYST_KEY);
    });
    it('serves public queries without a key', async () => {
      const result = await t.gql(`{ attributeAxes { name } }`, undefined, { key: null });
      expect(result.errors).toBeUndefined();
    });
  });
});
