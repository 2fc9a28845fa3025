// The training queue on the process's pg-boss instance (db/job-queue.ts). Jobs carry a model
// version; what a version's state is lives in behavior_model, so a job that runs twice (a retry, a
// recovery) finds nothing to do.
import type PgBoss from 'pg-boss';
import { type JobQueue } from '../db/job-queue.js';

const QUEUE = 'behavior-training';

export class BehaviorTrainingQueue {
  private boss: PgBoss | null = null;

  constructor(
    private readonly jobs: JobQueue,
    /** How often an idle worker looks for a job. */
    private readonly pollingIntervalSeconds = 2,
  ) {}

  /**
   * Starts pg-boss and, given `train`, the worker that runs `train(version)` for each job, one at a
   * time (without it, an API process: it only queues).
   */
  async start(train: ((version: number) => Promise<void>) | null): Promise<void> {
    const boss = await this.jobs.acquire();
    this.boss = boss;
    await this.jobs.createQueue(QUEUE);
    if (!train) return;
    await boss.work<{ version: number }>(
      QUEUE,
      { pollingIntervalSeconds: this.pollingIntervalSeconds, batchSize: 1 },
      async (jobs) => {
        for (const job of jobs) await train(job.data.version);
      },
    );
  }

  /** Queues a run of `version`. Before start() there is no worker: start() re-sends what is queued. */
  async send(version: number): Promise<void> {
    if (!this.boss) return;
    // Training may take minutes on a big log; a dead worker is detected by the heartbeat instead.
    await this.boss.send(QUEUE, { version }, { expireInSeconds: 6 * 3600, retryLimit: 0 });
  }

  async stop(): Promise<void> {
    const boss = this.boss;
    if (!boss) return;
    this.boss = null;
    await boss.offWork(QUEUE);
    await this.jobs.release();
  }
}
