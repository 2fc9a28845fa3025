// Fresh databases for integration tests: an in-memory PGlite always, and a freshly created
// database on the Postgres server when TEST_DATABASE_URL is set (CI sets it). Nothing is shared
// between test files.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, databaseFromPool, IN_MEMORY, openDatabase } from '../../src/db/database.js';
import { Migrator, readMigrations } from '../../src/db/migrator.js';
import { MIGRATIONS_DIR } from '../../src/paths.js';

export type TestDatabaseKind = 'embedded' | 'server';

export function testDatabaseKinds(): TestDatabaseKind[] {
  return process.env['TEST_DATABASE_URL'] ? ['embedded', 'server'] : ['embedded'];
}

export interface TestDatabase {
  readonly database: Database;
  readonly kind: TestDatabaseKind;
  /** For server databases, the URL of the fresh database. */
  readonly url: string | null;
  dispose(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env['TEST_DATABASE_URL'];
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  return url;
}

/** Opens a fresh, empty database of the given kind (not migrated). */
export async function createEmptyDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  if (kind === 'embedded') {
    const database = await openDatabase({ kind: 'embedded', dataDir: IN_MEMORY });
    return { database, kind, url: null, dispose: () => database.close() };
  }
  const name = `test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: 'server', url: url.toString(), poolSize: 4 });
  return {
    database,
    kind,
    url: url.toString(),
    async dispose() {
      await database.close();
      const dropper = new pg.Client({ connectionString: serverUrl() });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** Opens a fresh database of the given kind with every migration applied. */
export async function createTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  const testDatabase = await createEmptyDatabase(kind);
  await new Migrator(testDatabase.database.pool, readMigrations(MIGRATIONS_DIR)).migrate();
  return testDatabase;
}

/** Row counts of the product tables: what a rejected request must leave unchanged. */
export async function rowCounts(database: Database): Promise<Record<string, number>> {
  const result = await database.pool.query<{ table_name: string; rows: string }>(
    `SELECT 'product' AS table_name, count(*)::text AS rows FROM product
     UNION ALL SELECT 'product_image', count(*)::text FROM product_image
     UNION ALL SELECT 'product_embedding', count(*)::text FROM product_embedding`,
  );
  return Object.fromEntries(result.rows.map((row) => [row.table_name, Number(row.rows)]));
}

/**
 * A database session with extra settings (planner switches, pgvector limits), for tests that need
 * the conditions of a big catalogue. On the server a pool of its own; on PGlite, its one session
 * changed, and reset by close().
 */
export async function sessionWith(
  test: TestDatabase,
  settings: ReadonlyArray<readonly [string, string]>,
): Promise<{ database: Database; close(): Promise<void> }> {
  if (test.kind === 'server') {
    const pool = new pg.Pool({
      connectionString: test.url!,
      max: 1,
      options: settings.map(([name, value]) => `-c ${name}=${value}`).join(' '),
    });
    const database = databaseFromPool('server', pool, () => pool.end());
    return { database, close: () => database.close() };
  }
  const previous = await Promise.all(
    settings.map(async ([name]) => {
      const result = await test.database.pool.query<{ value: string }>(
        'SELECT current_setting($1) AS value',
        [name],
      );
      return [name, result.rows[0]!.value] as const;
    }),
  );
  for (const [name, value] of settings)
    await test.database.pool.query('SELECT set_config($1, $2, false)', [name, value]);
  return {
    database: test.database,
    async close() {
      for (const [name, value] of previous)
        await test.database.pool.query('SELECT set_config($1, $2, false)', [name, value]);
    },
  };
}
