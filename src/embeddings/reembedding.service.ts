// Rolls a space over to a newly configured model without downtime: the active model's vectors keep
// answering queries while the new model's are computed in the background, batch by batch; when every
// product with a photo has one, the new model's indexes are built, the space switches, and the old
// vectors are dropped. Progress is the database itself (vectors by the target model), so the job
// resumes where it stopped after a restart.
import { type Logger } from 'pino';
import { type EmbeddingBackfillService } from './embedding-backfill.service.js';
import { type ModelProvider } from '../inference/ports.js';
import { type ImageSpace } from '../inference/ports.js';
import { type EmbeddingRepository } from './embedding.repository.js';
import { type EmbeddingSpaceRepository } from './embedding-space.repository.js';
import { IMAGE_SPACES, type EmbeddingSpaceService } from './embedding-space.service.js';

export enum ReembeddingState {
  /** Nothing to do: the space serves the configured model. */
  IDLE = 'IDLE',
  RUNNING = 'RUNNING',
  /** A target is set but no job runs in this process (waiting for a start or a restart). */
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

export class ReembeddingService {
  private readonly running = new Map<ImageSpace, Promise<void>>();
  /** Aborted by stop(): background jobs end after their current batch. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly states: EmbeddingSpaceRepository,
    private readonly spaces: EmbeddingSpaceService,
    private readonly backfill: EmbeddingBackfillService,
    private readonly embeddings: EmbeddingRepository,
    private readonly models: ModelProvider,
    private readonly logger: Logger,
  ) {}

  /** Starts (or resumes) a job for every space with a target, in the background. */
  start(): void {
    if (this.stopping.signal.aborted) return;
    for (const space of IMAGE_SPACES) {
      if (!this.running.has(space)) {
        void this.run(space, { signal: this.stopping.signal }).catch(() => undefined);
      }
    }
  }

  /** Stops the background jobs start() began and waits for them (shutdown: before the database closes). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.running.values()]);
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
      // Index first, so the switch never leaves the space without an index.
      await this.embeddings.ensureIndex(model);
      await this.states.set(space, {
        activeModelId: target,
        targetModelId: null,
        reembeddingStartedAt: null,
        reembeddingError: null,
      });
      this.spaces.invalidate(space);
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
          : this.running.has(space)
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
