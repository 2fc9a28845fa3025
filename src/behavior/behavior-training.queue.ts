// The training queue: pg-boss (a maintained Postgres job queue: SKIP LOCKED fetches, expiry,
// retries) over the service's own connection pool, so it runs on the Postgres server and on the
// embedded PGlite alike. pg-boss keeps its tables in the schema `pgboss`, which it creates and
// migrates itself at start. Jobs carry a model version; what a version's state is lives in
// behavior_model, so a job that runs twice (a retry, a recovery) finds nothing to do.
import PgBoss from 'pg-boss';

const QUEUE = 'behavior-training';

/** What pg-boss needs of a database: one method running parameterised SQL. */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export class BehaviorTrainingQueue {
  private readonly boss: PgBoss;
  private started = false;

  constructor(
    database: SqlExecutor,
    onError: (error: unknown) => void,
    /** How often an idle worker looks for a job. */
    private readonly pollingIntervalSeconds = 2,
  ) {
    this.boss = new PgBoss({ db: database, schema: 'pgboss', supervise: true, schedule: false });
    this.boss.on('error', onError);
  }

  /** Starts pg-boss and the worker that runs `train(version)` for each job, one at a time. */
  async start(train: (version: number) => Promise<void>): Promise<void> {
    await this.boss.start();
    this.started = true;
    await this.boss.createQueue(QUEUE);
    await this.boss.work<{ version: number }>(
      QUEUE,
      { pollingIntervalSeconds: this.pollingIntervalSeconds, batchSize: 1 },
      async (jobs) => {
        for (const job of jobs) await train(job.data.version);
      },
    );
  }

  /** Queues a run of `version`. Before start() there is no worker: start() re-sends what is queued. */
  async send(version: number): Promise<void> {
    if (!this.started) return;
    // Training may take minutes on a big log; a dead worker is detected by the heartbeat instead.
    await this.boss.send(QUEUE, { version }, { expireInSeconds: 6 * 3600, retryLimit: 0 });
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, timeout: 5_000 });
  }
}
