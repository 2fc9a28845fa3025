// Named statements for the recommendation queries (src/db/prepared-statements.ts): bounded, safe
// across a schema change under a running process, and planned once — Postgres reuses the generic
// plan of the hot statement instead of planning every request.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_PRODUCTS } from '../src/demo/demo-catalogue.js';
import { queryPrepared, StatementNames } from '../src/db/prepared-statements.js';
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
