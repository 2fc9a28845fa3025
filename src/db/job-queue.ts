// The process's one pg-boss instance (a maintained Postgres job queue: SKIP LOCKED fetches, expiry,
// retries with back-off), over the service's own connection pool, so it runs on the Postgres server
// and on the embedded PGlite alike. pg-boss keeps its tables in the schema `pgboss`, which it
// creates and migrates itself at start. Every queue of the service (BEHAVIOR training, embedding
// jobs) uses this one instance: two instances starting at once would race to create that schema,
// and on PGlite's single session a failed script would leave the session inside an aborted
// transaction for every query after it.
import PgBoss from 'pg-boss';

/** What pg-boss needs of a database: one method running parameterised SQL. */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface JobQueueOptions {
  /** How often pg-boss expires jobs whose worker died and archives finished ones. */
  readonly maintenanceIntervalSeconds: number;
}

export class JobQueue {
  readonly boss: PgBoss;
  private starting: Promise<void> | null = null;
  private users = 0;
  private creating: Promise<unknown> = Promise.resolve();

  constructor(database: SqlExecutor, options: JobQueueOptions, onError: (error: unknown) => void) {
    this.boss = new PgBoss({
      db: database,
      schema: 'pgboss',
      supervise: true,
      schedule: false,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds,
    });
    this.boss.on('error', onError);
  }

  /** Starts pg-boss on the first call; every later one waits for that same start. */
  async acquire(): Promise<PgBoss> {
    this.users += 1;
    this.starting ??= this.boss.start().then(() => undefined);
    await this.starting;
    return this.boss;
  }

  /**
   * Creates a queue (a no-op when it exists), one at a time: pg-boss makes a table partition per
   * queue, and two made at once from different connections deadlock.
   */
  createQueue(name: string, options?: PgBoss.Queue): Promise<void> {
    const created = this.creating.then(() => this.boss.createQueue(name, options));
    this.creating = created.catch(() => undefined);
    return created;
  }

  /** A user is done (after taking its workers off); the last one stops pg-boss, letting running jobs finish. */
  async release(): Promise<void> {
    this.users -= 1;
    if (this.users > 0 || !this.starting) return;
    this.starting = null;
    await this.boss.stop({ graceful: true, wait: true, timeout: 5_000 });
  }
}
