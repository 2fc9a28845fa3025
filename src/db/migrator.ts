// Applies the Prisma migration folders (prisma/migrations/<timestamp>_<name>/migration.sql) and
// records them in `_prisma_migrations` exactly as Prisma does, so `prisma migrate status/deploy`
// agree wherever the Prisma schema engine is installed. Each migration runs in one transaction
// together with its record: a failing migration leaves neither changes nor a record behind.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Logger } from 'pino';
import type pg from 'pg';

/** Prisma's own advisory lock key, so this runner and `prisma migrate` never run concurrently. */
const PRISMA_MIGRATION_LOCK = 72707369;

export interface MigrationFile {
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export class MigrationError extends Error {
  constructor(
    readonly migration: string,
    override readonly cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`Migration ${migration} failed and was rolled back: ${reason}`);
  }
}

export function readMigrations(directory: string): MigrationFile[] {
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(directory, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(directory, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql, 'utf8').digest('hex') };
    });
}

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
}

export interface MigrationStatus {
  readonly applied: readonly string[];
  readonly pending: readonly string[];
}

/** Runs a statement that undoes session state; see Migrator.withConnection. */
type CleanUp = (text: string, values?: unknown[]) => Promise<void>;

export class Migrator {
  constructor(
    private readonly pool: pg.Pool,
    private readonly migrations: readonly MigrationFile[],
    private readonly logger?: Logger,
  ) {}

  async status(): Promise<MigrationStatus> {
    return this.withConnection(async (client) => {
      const exists = await client.query<{ present: boolean }>(
        `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`,
      );
      const applied = exists.rows[0]?.present ? await this.appliedMigrations(client) : [];
      const appliedNames = new Set(applied.map((row) => row.migration_name));
      return {
        applied: [...appliedNames],
        pending: this.migrations.filter((m) => !appliedNames.has(m.name)).map((m) => m.name),
      };
    });
  }

  /** Applies every pending migration in order; returns the names it applied. */
  async migrate(): Promise<string[]> {
    return this.withConnection(async (client, cleanUp) => {
      await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATION_LOCK]);
      try {
        await client.query(CREATE_MIGRATIONS_TABLE);
        const applied = new Map(
          (await this.appliedMigrations(client)).map((row) => [row.migration_name, row.checksum]),
        );
        const done: string[] = [];
        for (const migration of this.migrations) {
          const checksum = applied.get(migration.name);
          if (checksum !== undefined) {
            if (checksum !== migration.checksum) {
              this.logger?.warn(
                { migration: migration.name },
                'an applied migration was modified after it was applied; it is not applied again',
              );
            }
            continue;
          }
          await this.apply(client, cleanUp, migration);
          this.logger?.info({ migration: migration.name }, 'applied migration');
          done.push(migration.name);
        }
        return done;
      } finally {
        await cleanUp('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATION_LOCK]);
      }
    });
  }

  /**
   * Runs `work` on one connection of the pool, held throughout. The server can end a held
   * connection (a restart, pg_terminate_backend) between two statements or while one is queued;
   * node-postgres then emits 'error' on the client, and with no listener that ends the process, so
   * the held client has one. `cleanUp` runs a statement that undoes session state (ROLLBACK, an
   * advisory unlock): if it fails, the connection is destroyed instead of pooled (ending the session
   * undoes the same), and the error that caused the clean-up stays the one reported.
   */
  private async withConnection<T>(work: (client: pg.PoolClient, cleanUp: CleanUp) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken ??= error;
    };
    client.on('error', onError);
    const cleanUp: CleanUp = async (text, values) => {
      try {
        await client.query(text, values);
      } catch (error) {
        broken ??= error instanceof Error ? error : new Error(String(error));
      }
    };
    try {
      return await work(client, cleanUp);
    } finally {
      client.removeListener('error', onError);
      // pg-pool puts its own listener back on release; a broken client is ended, not pooled.
      client.release(broken);
    }
  }

  private async appliedMigrations(client: pg.PoolClient): Promise<AppliedRow[]> {
    const result = await client.query<AppliedRow>(
      `SELECT migration_name, checksum FROM "_prisma_migrations"
        WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY started_at`,
    );
    return result.rows;
  }

  private async apply(client: pg.PoolClient, cleanUp: CleanUp, migration: MigrationFile): Promise<void> {
    const id = randomUUID();
    await client.query('BEGIN');
    try {
      // A migration may rewrite a big table or build an index: DB_STATEMENT_TIMEOUT_MS is for queries.
      await client.query('SET LOCAL statement_timeout = 0');
      await client.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), 0)`,
        [id, migration.checksum, migration.name],
      );
      // No parameters: node-postgres sends a simple query, which may hold many statements.
      await client.query(migration.sql);
      await client.query(
        `UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
        [id],
      );
      await client.query('COMMIT');
    } catch (error) {
      await cleanUp('ROLLBACK');
      throw new MigrationError(migration.name, error);
    }
  }
}
