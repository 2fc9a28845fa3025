// DATABASE_READ_URLS: public read queries run on a healthy replica; a replica that goes away (here a
// relay in front of the test database, taken down mid-load) is skipped with no client error while
// the primary answers, writes and status queries stay on the primary, and an unreachable replica
// never serves at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { startRelay } from './support/tcp-relay.js';
import { createTestAppOn, type TestApp } from './support/test-app.js';

const READ_APP = 'product-recommender-read';
const appName = async (pool: Database['pool']) =>
  (await pool.query<{ app: string }>(`SELECT current_setting('application_name') AS app`)).rows[0]!.app;

describe.runIf(process.env['TEST_DATABASE_URL'])('read replicas (server Postgres)', () => {
  let test: TestDatabase;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let database: Database;
  let app: TestApp;

  beforeAll(async () => {
    test = await createTestDatabase('server');
    const target = new URL(test.url!);
    relay = await startRelay(target);
    const viaRelay = new URL(test.url!);
    viaRelay.port = String(relay.port);
    // The "replica" is the same database behind the relay: not a standby, so current (lag 0).
    database = await openDatabase({
      kind: 'server',
      url: test.url!,
      poolSize: 4,
      readUrls: [viaRelay.toString()],
      maxReadLagMs: 1_000,
    });
    app = await createTestAppOn({ ...test, database }, {}, { keepDatabase: true });
    const added = await app.gql(
      `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id } }`,
      {
        inputs: ['R1', 'R2', 'R3'].map((sku) => ({
          sku,
          name: sku,
          category: 'c',
          price: 1,
          attributes: ['value_for_money', 'customer_satisfaction', 'environmental_friendliness'].map(
            (axis) => ({ axis, value: 50 }),
          ),
        })),
      },
    );
    expect(added.errors).toBeUndefined();
  });
  afterAll(async () => {
    await app?.app.stop();
    await database?.close();
    await relay?.takeDown().catch(() => undefined);
    await test?.dispose();
  });

  it('reads on the replica, writes on the primary; a replica that goes away is skipped with 0 errors', async () => {
    expect(await appName(database.reads.pool)).toBe(READ_APP);
    expect(await appName(database.pool)).not.toBe(READ_APP);

    const trending = () =>
      app.gql<{ trendingProducts: Array<{ product: { sku: string } }> }>(
        `{ trendingProducts(k: 3) { product { sku } } }`,
      );
    const before = await trending();
    expect(before.errors).toBeUndefined();
    expect(before.data!.trendingProducts).toHaveLength(3);

    // Queries keep coming while the replica goes away.
    let stop = false;
    const results: Array<Awaited<ReturnType<typeof trending>>> = [];
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stop) results.push(await trending());
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await relay.takeDown();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    stop = true;
    await load;
    expect(results.length).toBeGreaterThan(10);
    expect(results.filter((result) => result.errors !== undefined)).toEqual([]);
    for (const result of results)
      expect(result.data!.trendingProducts).toEqual(before.data!.trendingProducts);
    // Now on the primary.
    expect(await appName(database.reads.pool)).not.toBe(READ_APP);
  });

  it('never reads from a replica that cannot be reached', async () => {
    const unreachable = new URL(test.url!);
    unreachable.port = '1';
    const other = await openDatabase({
      kind: 'server',
      url: test.url!,
      poolSize: 2,
      readUrls: [unreachable.toString()],
    });
    try {
      expect(await appName(other.reads.pool)).not.toBe(READ_APP);
      expect((await other.reads.prisma.product.count()) >= 3).toBe(true);
    } finally {
      await other.close();
    }
  });
});
