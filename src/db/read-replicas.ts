// Where public read queries go when DATABASE_READ_URLS names streaming replicas: the one place that
// decides. A replica serves reads only while its last check (every second) found it reachable and
// no further behind the primary than DATABASE_READ_MAX_LAG_MS; replicas take turns. A read that
// fails on a replica for a reason of the replica's (unreachable, restarting, connection lost, a
// query cancelled by a recovery conflict) marks it unhealthy and is run again on the primary, so a
// replica going away is never a client's error while the primary answers. Writes, mutations' own
// responses and status queries never come here: their repositories hold the primary.
import pg from 'pg';
import { databaseOutageOf } from './outage.js';
import { type SpareCapacity, spareConnections } from './pool-capacity.js';

/** How often each replica's reachability and lag are checked. */
export const REPLICA_CHECK_INTERVAL_MS = 1_000;

/**
 * How far behind the primary the replica is: 0 when it has replayed all the WAL it received
 * (an idle primary writes nothing, so the last replayed transaction's age alone would grow for
 * ever), else the age of the last transaction it replayed. Null on a server that is not a standby.
 */
const LAG_SQL = `SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL
  WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
  ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000, 0) END AS lag_ms`;

export interface ReplicaHealth {
  /** Its position in DATABASE_READ_URLS. */
  readonly index: number;
  readonly healthy: boolean;
  /** At the last check; null before the first or when it failed. */
  readonly lagMs: number | null;
}

interface Replica {
  readonly index: number;
  readonly pool: pg.Pool;
  healthy: boolean;
  lagMs: number | null;
}

/** Errors that are the replica's condition, not the query's: run the read on the primary instead. */
function replicaFailure(error: unknown): boolean {
  if (databaseOutageOf(error)) return true;
  // serialization_failure: on a hot standby, "canceling statement due to conflict with recovery".
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '40001';
}

type QueryArguments = [config: string | pg.QueryConfig, values?: unknown[]];

export class ReadReplicas {
  private readonly replicas: Replica[];
  private turn = 0;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> = Promise.resolve();

  constructor(
    private readonly primary: pg.Pool,
    replicaPools: readonly pg.Pool[],
    private readonly maxLagMs: number,
    private readonly onChange: (health: ReplicaHealth, error?: unknown) => void = () => undefined,
  ) {
    this.replicas = replicaPools.map((pool, index) => ({ index, pool, healthy: false, lagMs: null }));
    for (const { pool } of this.replicas) pool.on('error', () => undefined);
  }

  /** Checks every replica now and then every REPLICA_CHECK_INTERVAL_MS; until a check passes, reads go to the primary. */
  start(): Promise<void> {
    this.checking = this.checkAll();
    this.timer = setInterval(() => {
      this.checking = this.checking.then(() => this.checkAll());
    }, REPLICA_CHECK_INTERVAL_MS);
    this.timer.unref();
    return this.checking;
  }

  health(): ReplicaHealth[] {
    return this.replicas.map(({ index, healthy, lagMs }) => ({ index, healthy, lagMs }));
  }

  /**
   * The pool read-only repositories are given: `query` and `connect` go to a healthy replica, else
   * the primary. A pg.Pool itself (Prisma's pg adapter accepts nothing else) that never opens a
   * connection of its own; ending it ends nothing (close() does).
   */
  pool(): pg.Pool {
    return new RoutedPool(
      this.primary.options,
      (args) => this.query(args),
      () => this.connect(),
      () => this.spareConnections(),
    );
  }

  /** Spare connections where reads go now: the healthy replicas' together, else the primary's. */
  private spareConnections(): number {
    const healthy = this.replicas.filter((replica) => replica.healthy);
    if (healthy.length === 0) return spareConnections(this.primary);
    return healthy.reduce((sum, replica) => sum + spareConnections(replica.pool), 0);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.checking;
    await Promise.all(this.replicas.map(({ pool }) => pool.end()));
  }

  private pick(): Replica | null {
    const healthy = this.replicas.filter((replica) => replica.healthy);
    if (healthy.length === 0) return null;
    this.turn = (this.turn + 1) % healthy.length;
    return healthy[this.turn]!;
  }

  private async query(args: QueryArguments): Promise<pg.QueryResult> {
    const replica = this.pick();
    if (replica) {
      try {
        return await (replica.pool.query as (...a: QueryArguments) => Promise<pg.QueryResult>)(...args);
      } catch (error) {
        if (!replicaFailure(error)) throw error;
        this.mark(replica, false, null, error);
      }
    }
    return (this.primary.query as (...a: QueryArguments) => Promise<pg.QueryResult>)(...args);
  }

  private async connect(): Promise<pg.PoolClient> {
    const replica = this.pick();
    if (replica) {
      try {
        return await replica.pool.connect();
      } catch (error) {
        if (!replicaFailure(error)) throw error;
        this.mark(replica, false, null, error);
      }
    }
    return this.primary.connect();
  }

  private async checkAll(): Promise<void> {
    await Promise.all(
      this.replicas.map(async (replica) => {
        try {
          const result = await replica.pool.query<{ lag_ms: number | string | null }>(LAG_SQL);
          const raw = result.rows[0]?.lag_ms;
          // Not a standby (a misconfigured URL pointing at a primary) serves as well: it is current.
          const lagMs = raw === null || raw === undefined ? 0 : Number(raw);
          this.mark(replica, lagMs <= this.maxLagMs, lagMs);
        } catch (error) {
          this.mark(replica, false, null, error);
        }
      }),
    );
  }

  private mark(replica: Replica, healthy: boolean, lagMs: number | null, error?: unknown): void {
    const changed = replica.healthy !== healthy;
    replica.healthy = healthy;
    replica.lagMs = lagMs;
    if (changed) this.onChange({ index: replica.index, healthy, lagMs }, error);
  }
}

class RoutedPool extends pg.Pool implements SpareCapacity {
  constructor(
    options: pg.PoolConfig,
    private readonly route: (args: QueryArguments) => Promise<pg.QueryResult>,
    private readonly routeConnect: () => Promise<pg.PoolClient>,
    private readonly spare: () => number,
  ) {
    super(options);
  }

  // Its own counters count nothing: it never opens a connection.
  spareConnections(): number {
    return this.spare();
  }

  // Promise forms only: the service and Prisma's adapter never pass callbacks.
  override query(...args: unknown[]): Promise<pg.QueryResult> {
    return this.route(args as QueryArguments);
  }

  override connect(): Promise<pg.PoolClient> {
    return this.routeConnect();
  }

  override end(): Promise<void> {
    return Promise.resolve();
  }
}
