// DB_STATEMENT_TIMEOUT_MS and DB_CONNECT_TIMEOUT_MS: a query stuck behind a lock, or waiting for a
// pool connection, fails within its bound instead of hanging the request.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from './support/databases.js';
import { createTestAppOn, errorCodes, type TestApp } from './support/test-app.js';

const STATEMENT_TIMEOUT_MS = 400;
const CONNECT_TIMEOUT_MS = 300;

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

describe.each(testDatabaseKinds())('database timeouts (%s)', (kind) => {
  let test: TestDatabase;
  let database: Database;
  let app: TestApp;

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    const timeouts = { dbStatementMs: STATEMENT_TIMEOUT_MS, dbConnectMs: CONNECT_TIMEOUT_MS };
    // Embedded: the test database's own single session, with the setting applied the way openDatabase does.
    database =
      kind === 'server'
        ? await openDatabase({ kind: 'server', url: test.url!, poolSize: 1 }, undefined, timeouts)
        : test.database;
    app = await createTestAppOn({ ...test, database }, {}, { keepDatabase: true });
  });
  afterAll(async () => {
    await app?.close();
    if (database !== test.database) await database.close();
    await test?.dispose();
  });

  it('sets statement_timeout on every session (15 s unless configured)', async () => {
    const defaults =
      kind === 'server' ? await openDatabase({ kind: 'server', url: test.url!, poolSize: 1 }) : null;
    try {
      const shown = await (defaults ?? test.database).pool.query<{ statement_timeout: string }>(
        'SHOW statement_timeout',
      );
      expect(shown.rows[0]!.statement_timeout).toBe('15s');
      if (kind === 'server') {
        const configured = await database.pool.query<{ statement_timeout: string }>('SHOW statement_timeout');
        expect(configured.rows[0]!.statement_timeout).toBe(`${STATEMENT_TIMEOUT_MS}ms`);
      }
    } finally {
      await defaults?.close();
    }
  });

  it.runIf(kind === 'server')(
    'fails a query blocked by a table lock within the statement timeout',
    async () => {
      const locker = new pg.Client({ connectionString: test.url! });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE product IN ACCESS EXCLUSIVE MODE');
        const direct = await timed(() =>
          database.pool.query('SELECT count(*) FROM product').catch((error: unknown) => error),
        );
        expect(direct.result).toMatchObject({ code: '57014' }); // query_canceled: statement timeout
        const viaApi = await timed(() => app.gql('{ productBySku(sku: "LOCKED-1") { id } }'));
        expect(errorCodes(viaApi.result)).toEqual(['SERVICE_UNAVAILABLE']);
        for (const { ms } of [direct, viaApi]) {
          expect(ms).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MS - 50);
          expect(ms).toBeLessThan(STATEMENT_TIMEOUT_MS + 3_000);
        }
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
      expect((await app.gql('{ productBySku(sku: "LOCKED-1") { id } }')).errors).toBeUndefined();
    },
  );

  it.runIf(kind === 'server')(
    'fails a bulk write blocked by a lock with SERVICE_UNAVAILABLE, writing nothing',
    async () => {
      const locker = new pg.Client({ connectionString: test.url! });
      await locker.connect();
      const inputs = ['LOCKED-W1', 'LOCKED-W2'].map((sku) => ({
        sku,
        name: sku,
        category: 'mugs',
        price: 3,
        attributes: [
          { axis: 'value_for_money', value: 10 },
          { axis: 'customer_satisfaction', value: 20 },
          { axis: 'environmental_friendliness', value: 30 },
        ],
      }));
      try {
        await locker.query('BEGIN');
        // Reads go on; the insert waits for the lock until the statement timeout cancels it.
        await locker.query('LOCK TABLE product IN SHARE MODE');
        const add = await timed(() =>
          app.gql('mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id } }', { inputs }),
        );
        expect(errorCodes(add.result)).toEqual(['SERVICE_UNAVAILABLE']);
        expect(add.ms).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MS - 50);
        expect(add.ms).toBeLessThan(STATEMENT_TIMEOUT_MS + 3_000);
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
      const stored = await database.pool.query(`SELECT 1 FROM product WHERE sku LIKE 'LOCKED-W%'`);
      expect(stored.rowCount).toBe(0);
    },
  );

  it.runIf(kind === 'server')(
    'fails a query that cannot get a pool connection within the connect timeout',
    async () => {
      const held = await database.pool.connect();
      try {
        const waiting = await timed(() => database.pool.query('SELECT 1').catch((error: unknown) => error));
        expect(String(waiting.result)).toMatch(/timeout/i);
        expect(waiting.ms).toBeLessThan(CONNECT_TIMEOUT_MS + 3_000);
      } finally {
        held.release();
      }
    },
  );

  it.skipIf(kind === 'server')(
    'cannot lock a table from another connection: PGlite is one session (lock tests run on the server)',
    () => {
      console.warn(
        'database-timeouts: lock and pool tests need TEST_DATABASE_URL (the server); skipped on PGlite',
      );
    },
  );
});
