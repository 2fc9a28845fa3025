// `npm run events:import` as a user runs it (its own process, on the Postgres server or an embedded
// data directory): streaming CSV and NDJSON, idempotent by eventId (given or derived), a bad record
// stops it naming the record while earlier batches stay stored, and a rerun resumes after them.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { PROJECT_ROOT } from '../src/paths.js';
import {
  createTestDatabase,
  type TestDatabase,
  type TestDatabaseKind,
  testDatabaseKinds,
} from './support/databases.js';
import { plantedLog, toNdjson } from './support/interaction-logs.js';
import { createTestAppOn } from './support/test-app.js';

const run = promisify(execFile);
const ITEMS = 40;

describe.each(testDatabaseKinds())('events:import on %s Postgres', (kind: TestDatabaseKind) => {
  let dir: string;
  let server: TestDatabase | null = null;
  let env: Record<string, string>;

  /** Runs the import; returns its exit code and output. */
  async function importFile(
    file: string,
    ...args: string[]
  ): Promise<{ code: number; out: string; err: string }> {
    try {
      const { stdout, stderr } = await run(
        process.execPath,
        [join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/import-events.ts', file, ...args],
        { cwd: PROJECT_ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 120_000 },
      );
      return { code: 0, out: stdout, err: stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, out: failed.stdout, err: failed.stderr };
    }
  }

  async function query<T>(sql: string): Promise<T[]> {
    const database =
      kind === 'server'
        ? server!.database
        : await openDatabase({ kind: 'embedded', dataDir: env['DATA_DIR']! });
    try {
      return (await database.pool.query(sql)).rows as T[];
    } finally {
      if (kind === 'embedded') await database.close();
    }
  }
  const storedEvents = async () =>
    Number((await query<{ n: string }>('SELECT count(*)::text AS n FROM interaction'))[0]!.n);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'events-import-'));
    const db =
      kind === 'server'
        ? (server = await createTestDatabase('server'))
        : {
            database: await openDatabase({ kind: 'embedded', dataDir: join(dir, 'data') }),
            kind,
            url: null,
            dispose: () => Promise.resolve(),
          };
    if (kind === 'embedded') {
      const { Migrator, readMigrations } = await import('../src/db/migrator.js');
      const { MIGRATIONS_DIR } = await import('../src/paths.js');
      await new Migrator(db.database.pool, readMigrations(MIGRATIONS_DIR)).migrate();
    }
    const app = await createTestAppOn(db, {}, { keepDatabase: true });
    const products = Array.from({ length: ITEMS }, (_, i) => ({
      sku: `item-${i}`,
      name: `Item ${i}`,
      category: 'c',
      price: 1,
      attributes: [
        { axis: 'value_for_money', value: 10 + i },
        { axis: 'customer_satisfaction', value: 20 },
        { axis: 'environmental_friendliness', value: 30 },
      ],
    }));
    expect(
      (await app.gql(`mutation ($p: [ProductInput!]!) { addProducts(inputs: $p) { id } }`, { p: products }))
        .errors,
    ).toBeUndefined();
    await app.app.stop();
    if (kind === 'embedded') await db.database.close();
    env =
      kind === 'server'
        ? { DATABASE_URL: server!.url! }
        : { DATA_DIR: join(dir, 'data'), SEED_DEMO: 'false' };
    env['LOG_LEVEL'] = 'warn';
    env['IMAGE_MODEL'] = '';
    env['CLIP_MODEL'] = '';
    env['MODELS_AUTO_DOWNLOAD'] = 'false';
  });
  afterAll(async () => {
    await server?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('imports NDJSON in batches, then counts a second import as duplicates', async () => {
    const log = plantedLog({ users: 100, items: ITEMS, groups: 4, eventsPerUser: 25, noise: 0.2, seed: 4 });
    const file = join(dir, 'events.ndjson');
    await writeFile(file, toNdjson(log.events));
    const first = await importFile(file);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/imported: 2500 records done, 2500 events stored, 0 duplicates/);
    expect(await storedEvents()).toBe(2500);
    expect(existsSync(`${file}.import-state.json`)).toBe(false);
    const again = await importFile(file);
    expect(again.out).toMatch(/imported: 2500 records done, 0 events stored, 2500 duplicates/);
    expect(await storedEvents()).toBe(2500);
  });

  it('stops at a bad record naming it, keeps earlier batches, and resumes after them once fixed', async () => {
    await query('DELETE FROM interaction');
    const rows = Array.from({ length: 2500 }, (_, i) => ({
      userToken: `csv-${i % 50}`,
      sku: i === 1499 ? 'NO-SUCH-SKU' : `item-${i % ITEMS}`,
      type: ['view', 'CLICK', 'ADD_TO_CART', 'PURCHASE'][i % 4]!,
      occurredAt: new Date(Date.UTC(2026, 5, 1) + i * 60_000).toISOString(),
      orderId: i % 4 === 3 ? `o-${Math.floor(i / 8)}` : '',
    }));
    const csv = (list: typeof rows) =>
      [
        'userToken,sku,type,occurredAt,orderId',
        ...list.map((r) => `${r.userToken},${r.sku},${r.type},${r.occurredAt},${r.orderId}`),
      ].join('\n');
    const file = join(dir, 'history.csv');
    await writeFile(file, csv(rows));
    const failed = await importFile(file);
    expect(failed.code).toBe(1);
    expect(failed.err).toContain('record 1500: sku no product has SKU "NO-SUCH-SKU"');
    expect(failed.out).toMatch(/stopped: 1000 records done, 1000 events stored/);
    expect(await storedEvents()).toBe(1000);
    expect(JSON.parse(await readFile(`${file}.import-state.json`, 'utf8'))).toMatchObject({ records: 1000 });

    rows[1499]!.sku = 'item-3';
    await writeFile(file, csv(rows));
    const resumed = await importFile(file);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('resuming after record 1000');
    expect(resumed.out).toMatch(/imported: 2500 records done, 2500 events stored, 0 duplicates/);
    expect(await storedEvents()).toBe(2500);
    // No eventId in the file: ids derived from the fields make a full rerun store nothing twice.
    const rerun = await importFile(file, '--restart');
    expect(rerun.out).toMatch(/imported: 2500 records done, 0 events stored, 2500 duplicates/);
    const purchases = await query<{ n: string }>(
      `SELECT count(*)::text AS n FROM interaction WHERE type = 'PURCHASE' AND order_id IS NOT NULL`,
    );
    expect(Number(purchases[0]!.n)).toBe(625);
  });
});
