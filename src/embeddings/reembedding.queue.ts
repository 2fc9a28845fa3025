// The embedding job queue, on the process's pg-boss instance (db/job-queue.ts). One queue per image
// space; a job names the model whose vectors are computed (a re-embedding's target, or a model products are missing vectors of). The queues
// are `stately`: per model at most one job waits and one runs, so a job sent twice while the first
// waits is one job, and never do two workers compute the same model at once. A job works for a
// slice of its expiry and then queues its continuation, so a worker that dies loses at most one
// slice: pg-boss expires its job and retries it (with back-off) on another worker.
import type PgBoss from 'pg-boss';
import { type JobQueue } from '../db/job-queue.js';
import { ImageSpace } from '../inference/ports.js';

/** A failed slice is retried after 2 s, 4 s, 8 s, … (pg-boss's back-off), this many times. */
const RETRY = { retryLimit: 20, retryDelay: 2, retryBackoff: true } as const;

const QUEUES: Readonly<Record<ImageSpace, string>> = {
  [ImageSpace.IMAGE]: 'embeddings-image',
  [ImageSpace.CLIP]: 'embeddings-clip',
};

/** What a job's run reports: finished, or more to do in a continuation. */
export type EmbeddingJobOutcome = 'done' | 'more';
export type EmbeddingJobHandler = (space: ImageSpace, modelId: string) => Promise<EmbeddingJobOutcome>;

export interface EmbeddingJobQueueOptions {
  /** A job not finished within this is presumed lost with its worker and retried. */
  readonly timeoutSeconds: number;
  /** How often an idle worker looks for a job. */
  readonly pollingIntervalSeconds?: number;
}

export class EmbeddingJobQueue {
  private boss: PgBoss | null = null;

  constructor(
    private readonly jobs: JobQueue,
    private readonly options: EmbeddingJobQueueOptions,
  ) {}

  /** Starts pg-boss; with a handler, also this process's worker for each space (one job at a time). */
  async start(handler: EmbeddingJobHandler | null): Promise<void> {
    const boss = await this.jobs.acquire();
    for (const queue of Object.values(QUEUES)) {
      await this.jobs.createQueue(queue, {
        name: queue,
        policy: 'stately',
        ...RETRY,
        expireInSeconds: this.options.timeoutSeconds,
      });
    }
    this.boss = boss;
    if (!handler) return;
    for (const [space, queue] of Object.entries(QUEUES) as Array<[ImageSpace, string]>) {
      await boss.work<{ modelId: string }>(
        queue,
        { pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 2, batchSize: 1 },
        async ([job]) => {
          if (!job) return;
          const outcome = await handler(space, job.data.modelId);
          if (outcome === 'more') await this.send(space, job.data.modelId);
        },
      );
    }
  }

  /** Queues the computation of `modelId`'s vectors in `space`; a no-op while one is already queued. */
  async send(space: ImageSpace, modelId: string): Promise<void> {
    if (!this.boss) return;
    await this.boss.send(
      QUEUES[space],
      { modelId },
      {
        singletonKey: modelId,
        ...RETRY,
        // Given per job too: createQueue keeps an existing queue's settings, JOB_TIMEOUT_SECONDS may change.
        expireInSeconds: this.options.timeoutSeconds,
      },
    );
  }

  /** Whether a worker (in any process) is running a job of `space`. */
  async running(space: ImageSpace): Promise<boolean> {
    const boss = this.boss;
    if (!boss) return false;
    const queue = QUEUES[space];
    const [beforeCompleted, beforeActive] = await Promise.all([
      boss.getQueueSize(queue, { before: 'completed' }),
      boss.getQueueSize(queue, { before: 'active' }),
    ]);
    return beforeCompleted > beforeActive;
  }

  async stop(): Promise<void> {
    const boss = this.boss;
    if (!boss) return;
    this.boss = null;
    for (const queue of Object.values(QUEUES)) await boss.offWork(queue);
    await this.jobs.release();
  }
}
