// Opens the database the configuration names: the Postgres server at DATABASE_URL, or an embedded
// PGlite (with pgvector) persisted under DATA_DIR. Both are driven through the same `pg.Pool`
// interface and `@prisma/adapter-pg`, so every query and migration runs the same code path.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { vector } from '@electric-sql/pglite-pgvector';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { type Config, loadConfig } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import { type ReplicaHealth, ReadReplicas } from './read-replicas.js';

export type DatabaseKind = 'embedded' | 'server';

/** Which database to open: Config['database'] (DATABASE_URL, or the embedded DATA_DIR). */
export type DatabaseTarget = Config['database'];

/** pgvector settings of every session: Config['search'] (see README, "Indexes and tuning"). */
export type VectorSearchSettings = Config['search'];

/**
 * VECTOR_SEARCH_BINARY_CANDIDATES for a database: `auto` is on for the embedded one, where a
 * halfvec comparison in WebAssembly costs ~8× the server's (BENCHMARKS.md section 6).
 */
export function searchesBinaryCandidates(
  setting: VectorSearchSettings['binaryCandidates'],
  kind: DatabaseKind,
): boolean {
  return setting === 'auto' ? kind === 'embedded' : setting === 'on';
}

export interface Database {
  readonly kind: DatabaseKind;
  readonly prisma: PrismaClient;
  /** The raw pool, for the migration runner (multi-statement scripts) and bulk loaders. */
  readonly pool: pg.Pool;
  /**
   * For read-only repositories of public queries: a healthy read replica (DATABASE_READ_URLS),
   * else the primary; the primary itself without replicas. Never for writes or read-your-writes.
   */
  readonly reads: { readonly prisma: PrismaClient; readonly pool: pg.Pool };
  close(): Promise<void>;
}

/** Statement and pool-acquire timeouts of every session (DB_STATEMENT_TIMEOUT_MS, DB_CONNECT_TIMEOUT_MS). */
export type DatabaseTimeouts = Pick<Config['timeouts'], 'dbStatementMs' | 'dbConnectMs'>;

/** `memory://` keeps an embedded database in memory (tests); anything else is a directory. */
export const IN_MEMORY = 'memory://';

/**
 * Iterative index scans (pgvector 0.8) are on for every session: an HNSW scan with a filter keeps
 * going until LIMIT is met instead of stopping at ef_search candidates. Set per session, not per
 * query, so a query costs one round trip.
 */
function sessionSettings(search: VectorSearchSettings, timeouts: DatabaseTimeouts): Array<[string, string]> {
  return [
    ['hnsw.iterative_scan', 'relaxed_order'],
    ['hnsw.ef_search', String(search.efSearch)],
    ['hnsw.max_scan_tuples', String(search.maxScanTuples)],
    // A query stuck behind a lock or a runaway plan fails instead of holding a connection for ever.
    ['statement_timeout', String(timeouts.dbStatementMs)],
  ];
}

/**
 * How the service's pool on the Postgres server is configured: size, bounded waits and the session
 * settings. Exported for callers that build their own pool (the benchmark's recording clients).
 */
export function serverPoolConfig(
  target: Extract<DatabaseTarget, { kind: 'server' }>,
  search: VectorSearchSettings,
  timeouts: DatabaseTimeouts,
): pg.PoolConfig {
  return {
    connectionString: target.url,
    max: target.poolSize,
    // Waiting for a free connection is bounded too: an exhausted pool answers with an error.
    connectionTimeoutMillis: timeouts.dbConnectMs,
    options: sessionSettings(search, timeouts)
      .map(([name, value]) => `-c ${name}=${value}`)
      .join(' '),
  };
}

export async function openDatabase(
  target: DatabaseTarget,
  search: VectorSearchSettings = loadConfig({}).search,
  timeouts: DatabaseTimeouts = loadConfig({}).timeouts,
  /** Told when a read replica starts or stops serving reads (for the log). */
  onReplicaChange?: (health: ReplicaHealth, error?: unknown) => void,
): Promise<Database> {
  const settings = sessionSettings(search, timeouts);
  if (target.kind === 'server') {
    const pool = new pg.Pool(serverPoolConfig(target, search, timeouts));
    const readUrls = target.readUrls ?? [];
    if (readUrls.length === 0) return databaseFromPool('server', pool, async () => pool.end());
    const replicas = new ReadReplicas(
      pool,
      readUrls.map(
        (url) =>
          new pg.Pool({
            ...serverPoolConfig({ ...target, url }, search, timeouts),
            application_name: 'product-recommender-read',
          }),
      ),
      target.maxReadLagMs ?? 2_000,
      onReplicaChange,
    );
    await replicas.start();
    return databaseFromPool(
      'server',
      pool,
      async () => {
        await replicas.close();
        await pool.end();
      },
      replicas.pool(),
    );
  }
  let lock: DataDirLock | null = null;
  if (target.dataDir !== IN_MEMORY) {
    mkdirSync(target.dataDir, { recursive: true });
    lock = lockDataDir(target.dataDir);
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({ dataDir: target.dataDir, extensions: { vector } });
    await pglite.exec(settings.map(([name, value]) => `SET ${name} = '${value}';`).join('\n'));
  } catch (error) {
    lock?.release();
    throw error;
  }
  const pgConfig = createPgConfig(pglite);
  // node-postgres passes a query's custom type parsers as `types` to Parse, where the wire
  // protocol expects parameter type OIDs; its own serializer tolerates that, PGlite's does not.
  const connection = pgConfig.connection as unknown as { parse(query: { types?: unknown }): void };
  const parse = connection.parse.bind(connection);
  connection.parse = (query) =>
    parse({ ...query, types: Array.isArray(query.types) ? query.types : undefined });
  // PGlite is one session: the pool holds exactly one client, for ever.
  const pool = new pg.Pool({ ...pgConfig, max: 1, idleTimeoutMillis: 0 });
  keepClientOnStatementErrors(pool);
  return databaseFromPool('embedded', pool, async () => {
    try {
      await pool.end();
      await pglite.close();
    } finally {
      lock?.release();
    }
  });
}

/**
 * pg-pool destroys a client whose query failed (\`pool.query\` releases it with the error), and the
 * pool then connects a new one. PGlite's clients all share one connection object (and with it the
 * session's prepared statements), so the destroyed client's late 'end' event reached its successor:
 * the next query failed with "Connection terminated unexpectedly" and the few after it read replies
 * out of step. A statement PGlite answered with an error leaves the session intact, so that client
 * goes back to the pool instead; anything else (no error code) still destroys it.
 */
function keepClientOnStatementErrors(pool: pg.Pool): void {
  const internals = pool as unknown as {
    _release(client: unknown, idleListener: unknown, error?: unknown): void;
  };
  if (typeof internals._release !== 'function') throw new Error('pg-pool has no _release: check its version');
  const release = internals._release.bind(pool);
  internals._release = (client, idleListener, error) =>
    release(client, idleListener, isStatementError(error) ? undefined : error);
}

/** An error the database answered for a statement (SQLSTATE and severity), not a broken connection. */
const isStatementError = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  typeof (error as { code?: unknown }).code === 'string' &&
  typeof (error as { severity?: unknown }).severity === 'string';

/**
 * A Database over a pool: what openDatabase returns, and the seam for callers that bring their own
 * pool (the benchmark passes one that records every statement).
 */
export function databaseFromPool(
  kind: DatabaseKind,
  pool: pg.Pool,
  closePool: () => Promise<void>,
  /** Where public reads go (DATABASE_READ_URLS's routing); the primary when not given. */
  readPool?: pg.Pool,
): Database {
  // An idle connection that breaks (server restart, a terminated backend, a dropped database) is
  // thrown away by the pool, which then emits 'error'; with no listener that would end the
  // process. Prisma's adapter listens only while connected, so this one stays for the pool's whole
  // life, also during close. The next query opens a new connection; a failing one surfaces on
  // the queries (as SERVICE_UNAVAILABLE).
  pool.on('error', () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const readPrisma = readPool ? new PrismaClient({ adapter: new PrismaPg(readPool) }) : prisma;
  return {
    kind,
    prisma,
    pool,
    reads: { prisma: readPrisma, pool: readPool ?? pool },
    async close() {
      if (readPrisma !== prisma) await readPrisma.$disconnect();
      await prisma.$disconnect();
      await closePool();
    },
  };
}
