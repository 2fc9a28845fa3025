// Rolls a space over to a newly configured model without downtime: the active model's vectors keep
// answering queries while the new model's are computed in the background, batch by batch; when every
// product with a photo has one, the new model's indexes are built, the space switches, and the old
// vectors are dropped. Progress is the database itself (vectors by the target model), so the job
// resumes where it stopped after a restart. The work runs as jobs on the embedding queue (pg-boss):
// any process may queue them, the worker processes (ROLE=worker, or the one process of ROLE=all)
// run them, slice by slice; the switch is announced on the change feed so every process serves
// the new model at once.
import { type Logger } from 'pino';
import { type ChangeFeed } from '../db/change-feed.js';
import { type EmbeddingBackfillService } from './embedding-backfill.service.js';
import { type ModelProvider, ModelState } from '../inference/ports.js';
import { type ImageSpace } from '../inference/ports.js';
import { type EmbeddingRepository } from './embedding.repository.js';
import { type EmbeddingSpaceRepository } from './embedding-space.repository.js';
import { IMAGE_SPACES, type EmbeddingSpaceService } from './embedding-space.service.js';
import { type EmbeddingJobOutcome, type EmbeddingJobQueue } from './reembedding.queue.js';

export enum ReembeddingState {
  /** Nothing to do: the space serves the configured model. */
  IDLE = 'IDLE',
  RUNNING = 'RUNNING',
  /** A target is set but no worker runs its job (queued, or waiting for a worker to start). */
  PENDING = 'PENDING',
  /** The last run stopped on an error (see error); the next start retries. */
  FAILED = 'FAILED',
}

export interface ReembeddingStatus {
  readonly space: ImageSpace;
  readonly activeModelId: string | null;
  readonly targetModelId: string | null;
  readonly state: ReembeddingState;
  /** Products with a photo that have a vector by the target model. */
  readonly done: number;
  /** Products with a photo. */
  readonly total: number;
  readonly startedAt: Date | null;
  readonly error: string | null;
}

export class ShutdownInterruptionError extends Error {
  override readonly name = 'ShutdownInterruptionError';
}

export class ReembeddingService {
  private readonly running = new Map<ImageSpace, Promise<void>>();
  /** Aborted by stop(): running jobs end after their current batch. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly states: EmbeddingSpaceRepository,
    private readonly spaces: EmbeddingSpaceService,
    private readonly backfill: EmbeddingBackfillService,
    private readonly embeddings: EmbeddingRepository,
    private readonly models: ModelProvider,
    private readonly queue: EmbeddingJobQueue,
    private readonly changes: Pick<ChangeFeed, 'publish'>,
    /** How long one job runs before it queues its continuation (a third of JOB_TIMEOUT_SECONDS). */
    private readonly sliceMs: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Starts the queue, with this process's worker when `work` (ROLE=worker or all), and queues
   * whatever is pending. A job queued before and not finished (a restart, a dead worker) resumes.
   */
  async start(options: { work: boolean }): Promise<void> {
    if (this.stopping.signal.aborted) return;
    await this.queue.start(options.work ? (space, modelId) => this.runJob(space, modelId) : null);
    await this.enqueuePending();
  }

  /**
   * Queues a job for every model a space lacks vectors of: a re-embedding's target, or a model
   * products were stored without (added while it was not installed). Queuing twice is one job.
   */
  async enqueuePending(): Promise<void> {
    // A backfill waits for its model's files; a re-embedding is queued regardless, to report why it cannot run.
    const installed = new Set(
      (await this.models.statuses())
        .filter((model) => model.state === ModelState.LOADED || model.state === ModelState.AVAILABLE)
        .map((model) => model.id),
    );
    for (const space of IMAGE_SPACES) {
      const state = await this.states.get(space);
      for (const modelId of await this.spaces.ingestModelIds(space)) {
        const pending =
          modelId === state.targetModelId ||
          (installed.has(modelId) && (await this.embeddings.countMissing(modelId)).missing > 0);
        if (pending) await this.queue.send(space, modelId);
      }
    }
  }

  /** Queues a job for every model new photos are embedded with (photos stored by an API process). */
  async enqueueIngest(): Promise<void> {
    for (const space of IMAGE_SPACES) {
      for (const modelId of await this.spaces.ingestModelIds(space)) await this.queue.send(space, modelId);
    }
  }

  /** Stops the running jobs and the queue's workers (shutdown: before the database closes). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.running.values()]);
    await this.queue.stop();
  }

  /**
   * One queued job: a slice of work on `modelId`'s vectors in `space`. 'more' when the slice ended
   * before the work did (the queue sends the continuation); a job whose model is no longer wanted
   * does nothing. Interrupted by a shutdown, it fails, so the queue retries it elsewhere.
   */
  async runJob(space: ImageSpace, modelId: string): Promise<EmbeddingJobOutcome> {
    const slice = AbortSignal.timeout(this.sliceMs);
    const signal = AbortSignal.any([this.stopping.signal, slice]);
    const state = await this.states.get(space);
    if (modelId === state.targetModelId) {
      await this.run(space, { signal });
    } else if ((await this.spaces.ingestModelIds(space)).includes(modelId)) {
      await this.backfill.run(space, modelId, { signal });
    } else {
      return 'done';
    }
    if (this.stopping.signal.aborted) throw new ShutdownInterruptionError('interrupted by a shutdown');
    return slice.aborted ? 'more' : 'done';
  }

  /** Runs the space's job to completion (or until `signal` aborts); resolves at once when there is none. */
  run(space: ImageSpace, options: { batchSize?: number; signal?: AbortSignal } = {}): Promise<void> {
    const existing = this.running.get(space);
    if (existing) return existing;
    const job = this.work(space, options).finally(() => this.running.delete(space));
    this.running.set(space, job);
    return job;
  }

  private async work(
    space: ImageSpace,
    options: { batchSize?: number; signal?: AbortSignal },
  ): Promise<void> {
    const state = await this.states.get(space);
    const target = state.targetModelId;
    if (!target) return;
    const model = this.models.describe(target);
    if (!model) return;
    if (!state.reembeddingStartedAt) await this.states.set(space, { reembeddingStartedAt: new Date() });
    try {
      this.logger.info(
        { space, from: state.activeModelId, to: target },
        `re-embedding ${space} with ${target}`,
      );
      await this.backfill.run(space, target, {
        ...(options.batchSize ? { batchSize: options.batchSize } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: ({ done, total }) => this.logger.debug({ space, done, total }, 're-embedding progress'),
      });
      if (options.signal?.aborted) return;
      const { missing } = await this.embeddings.countMissing(target);
      if (missing > 0) return;
      // Index first, so the switch never leaves the space without an index; statistics next, or the
      // planner takes the new model id for a handful of rows and scans its vectors exactly.
      await this.embeddings.ensureIndex(model);
      await this.embeddings.analyze();
      await this.states.set(space, {
        activeModelId: target,
        targetModelId: null,
        reembeddingStartedAt: null,
        reembeddingError: null,
      });
      await this.changes.publish('embedding-space');
      if (state.activeModelId && state.activeModelId !== target) {
        const dropped = await this.embeddings.deleteModel(state.activeModelId);
        this.logger.info(
          { space, model: target, dropped },
          `${space} now serves ${target}; dropped ${dropped} old vectors`,
        );
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.states.set(space, { reembeddingError: message });
      this.logger.warn({ space, target }, `re-embedding ${space} with ${target} stopped: ${message}`);
      throw error;
    }
  }

  async statuses(): Promise<ReembeddingStatus[]> {
    return Promise.all(
      IMAGE_SPACES.map(async (space) => {
        const state = await this.states.get(space);
        const model = state.targetModelId ?? state.activeModelId;
        const counts = model ? await this.embeddings.countMissing(model) : { missing: 0, withImage: 0 };
        const runState = !state.targetModelId
          ? ReembeddingState.IDLE
          : this.running.has(space) || (await this.queue.running(space))
            ? ReembeddingState.RUNNING
            : state.reembeddingError
              ? ReembeddingState.FAILED
              : ReembeddingState.PENDING;
        return {
          space,
          activeModelId: state.activeModelId,
          targetModelId: state.targetModelId,
          state: runState,
          done: counts.withImage - counts.missing,
          total: counts.withImage,
          startedAt: state.reembeddingStartedAt,
          error: state.reembeddingError,
        };
      }),
    );
  }
}
