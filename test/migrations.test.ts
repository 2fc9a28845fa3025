// The migration runner: records migrations the way Prisma does, is idempotent, and a failing
// migration rolls back completely and names itself and the SQL error.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openMigratedDatabase } from '../src/db/bootstrap.js';
import { IN_MEMORY } from '../src/db/database.js';
import { MigrationError, Migrator, readMigrations } from '../src/db/migrator.js';
import { createLogger } from '../src/logger.js';
import { MIGRATIONS_DIR } from '../src/paths.js';
import { createEmptyDatabase, type TestDatabase, testDatabaseKinds } from './support/databases.js';

const migrations = readMigrations(MIGRATIONS_DIR);

describe.each(testDatabaseKinds())('migrations on %s Postgres', (kind) => {
  let db: TestDatabase;
  let brokenDir: string;

  beforeAll(async () => {
    db = await createEmptyDatabase(kind);
    brokenDir = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(MIGRATIONS_DIR, brokenDir, { recursive: true });
    mkdirSync(join(brokenDir, '99990101000000_broken'));
    writeFileSync(
      join(brokenDir, '99990101000000_broken', 'migration.sql'),
      `CREATE TABLE "half_done" (id int);\nINSERT INTO "attribute_axis" VALUES ('oops', 99, 'x', 0, 99);\nSELECT 1 / 0;\n`,
    );
  });
  afterAll(async () => {
    await db.dispose();
    rmSync(brokenDir, { recursive: true, force: true });
  });

  it('applies every migration once and records it as Prisma does', async () => {
    const migrator = new Migrator(db.database.pool, migrations);
    expect((await migrator.status()).pending).toEqual(migrations.map((m) => m.name));
    expect(await migrator.migrate()).toEqual(migrations.map((m) => m.name));
    const rows = await db.database.pool.query<{
      migration_name: string;
      checksum: string;
      finished: boolean;
      applied_steps_count: number;
      rolled_back_at: Date | null;
    }>(
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, applied_steps_count, rolled_back_at FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.rows).toEqual(
      migrations.map((m) => ({
        migration_name: m.name,
        checksum: createHash('sha256')
          .update(readFileSync(join(MIGRATIONS_DIR, m.name, 'migration.sql')))
          .digest('hex'),
        finished: true,
        applied_steps_count: 1,
        rolled_back_at: null,
      })),
    );
    expect((await migrator.status()).pending).toEqual([]);
  });

  it('applying again is a no-op', async () => {
    const before = await db.database.pool.query(`SELECT * FROM "_prisma_migrations" ORDER BY id`);
    expect(await new Migrator(db.database.pool, migrations).migrate()).toEqual([]);
    expect((await db.database.pool.query(`SELECT * FROM "_prisma_migrations" ORDER BY id`)).rows).toEqual(
      before.rows,
    );
  });

  it('a failing migration rolls back entirely and names the migration and the SQL error', async () => {
    const migrator = new Migrator(db.database.pool, readMigrations(brokenDir));
    const error = await migrator.migrate().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/99990101000000_broken/);
    expect((error as Error).message).toMatch(/division by zero/);
    const halfDone = await db.database.pool.query(`SELECT to_regclass('half_done') IS NULL AS absent`);
    expect(halfDone.rows[0]).toEqual({ absent: true });
    const axes = await db.database.pool.query(`SELECT count(*)::int AS n FROM attribute_axis`);
    expect(axes.rows[0]).toEqual({ n: 3 });
    const recorded = await db.database.pool.query(
      `SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE migration_name LIKE '%broken'`,
    );
    expect(recorded.rows[0]).toEqual({ n: 0 });
    expect((await migrator.status()).pending).toEqual(['99990101000000_broken']);
  });
});

describe.skipIf(!testDatabaseKinds().includes('server'))(
  'a connection the server ends under the migrator',
  () => {
    // Postgres restarting (or pg_terminate_backend) ends a connection while the migrator holds it.
    // node-postgres reports that as an 'error' event on the client; with no listener on a held client
    // that event ended the whole process (seen in the fault suite: /readyz runs Migrator.status()).
    it('fails the call with the server error, not the process, and the pool serves again', async () => {
      const db = await createEmptyDatabase('server');
      const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
      mkdirSync(join(dir, '20000101000000_slow'));
      writeFileSync(
        join(dir, '20000101000000_slow', 'migration.sql'),
        'CREATE TABLE slow (id int);\nSELECT pg_sleep(60);\n',
      );
      const application = `migrator_${Date.now()}`;
      const pool = new pg.Pool({ connectionString: db.url!, application_name: application });
      pool.on('error', () => undefined);
      const admin = new pg.Client({ connectionString: db.url! });
      await admin.connect();
      try {
        const migrating = new Migrator(pool, readMigrations(dir)).migrate().catch((e: unknown) => e);
        await vi.waitFor(
          async () => {
            const ended = await admin.query(
              `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
              WHERE application_name = $1 AND query LIKE '%pg_sleep%' AND state = 'active'`,
              [application],
            );
            expect(ended.rows).toEqual([{ ended: true }]);
          },
          { timeout: 10_000, interval: 50 },
        );
        const error = await migrating;
        expect(error).toBeInstanceOf(MigrationError);
        expect((error as MigrationError).cause).toMatchObject({ code: '57P01' });
        // Nothing half-applied, and the same pool applies the migration once the connection is back.
        const slow = await pool.query(`SELECT to_regclass('slow') IS NULL AS absent`);
        expect(slow.rows[0]).toEqual({ absent: true });
        writeFileSync(join(dir, '20000101000000_slow', 'migration.sql'), 'CREATE TABLE slow (id int);\n');
        expect(await new Migrator(pool, readMigrations(dir)).migrate()).toEqual(['20000101000000_slow']);
      } finally {
        await admin.end();
        await pool.end();
        rmSync(dir, { recursive: true, force: true });
        await db.dispose();
      }
    });
  },
);

describe('start-up with a failing migration', () => {
  it('stops with an error naming the migration and closes the database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    try {
      mkdirSync(join(dir, '20000101000000_bad_sql'));
      writeFileSync(
        join(dir, '20000101000000_bad_sql', 'migration.sql'),
        'CREATE TABLE t (id int);\nSELEC oops;\n',
      );
      const error = await openMigratedDatabase(
        { database: { kind: 'embedded', dataDir: IN_MEMORY } },
        createLogger('silent'),
        dir,
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toMatch(
        /^Migration 20000101000000_bad_sql failed and was rolled back: syntax error at or near "SELEC"/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
