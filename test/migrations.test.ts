// The migration runner: records migrations the way Prisma does, is idempotent, and a failing
// migration rolls back completely and names itself and the SQL error.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
