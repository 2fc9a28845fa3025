// The BEHAVIOR space's model: which version serves (cached briefly, dropped when any process
// activates one), its status, asking for a training (queued, never run in the request), and the
// background loop that recovers trainings whose process died and retrains on a schedule.
import { BehaviorModelUnavailableError } from '../errors/domain-errors.js';
import {
  BehaviorModelState,
  type BehaviorModelStatus,
  type BehaviorVectorModel,
} from './behavior-model.domain.js';
import { type BehaviorModelRepository } from './behavior-model.repository.js';
import { type BehaviorTrainingService } from './behavior-training.service.js';
import { type BehaviorTrainingQueue } from './behavior-training.queue.js';

/** Other processes may switch versions: the serving version is re-read after this long. */
const ACTIVE_CACHE_MS = 5_000;
/** A training without a heartbeat for this long lost its process and is queued again. */
const STALE_TRAINING_SECONDS = 60;

export interface BehaviorSchedule {
  /** 0: train only when asked. */
  readonly retrainIntervalMs: number;
  /** How often the background loop runs. */
  readonly tickMs: number;
  readonly dimension: number;
  readonly parameters: object;
}

export class BehaviorModelService {
  private cached: { model: BehaviorVectorModel | null; at: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private tick: Promise<void> = Promise.resolve();
  /** The first tick after start re-sends every queued version (its job may be lost with a crash). */
  private recovered = false;

  constructor(
    private readonly models: BehaviorModelRepository,
    private readonly queue: BehaviorTrainingQueue,
    private readonly training: BehaviorTrainingService,
    private readonly schedule: BehaviorSchedule,
    private readonly log: { error(fields: object, message: string): void },
  ) {}

  /** The version serving BEHAVIOR queries, or null before the first training finished. */
  async activeModel(): Promise<BehaviorVectorModel | null> {
    if (!this.cached || Date.now() - this.cached.at > ACTIVE_CACHE_MS) {
      this.cached = { model: await this.models.active(), at: Date.now() };
    }
    return this.cached.model;
  }

  async requireActiveModel(): Promise<BehaviorVectorModel> {
    const model = await this.activeModel();
    if (!model) throw new BehaviorModelUnavailableError();
    return model;
  }

  /** Forgets the cached serving version (after a process activated one). */
  invalidate(): void {
    this.cached = null;
  }

  async status(): Promise<BehaviorModelStatus> {
    const [latest, active] = await Promise.all([this.models.latest(), this.models.active()]);
    const serving = active ? await this.models.get(active.version) : null;
    const about = latest ?? null;
    return {
      state: about?.state ?? BehaviorModelState.IDLE,
      version: about?.version ?? null,
      activeVersion: active?.version ?? null,
      trainedAt: serving?.trainedAt ?? null,
      users: about?.users ?? null,
      items: about?.items ?? null,
      interactions: about?.interactions ?? null,
      progress: about?.progress ?? 0,
      phase: about?.phase ?? null,
      error: about?.error ?? null,
      queuedAt: about?.queuedAt ?? null,
      startedAt: about?.startedAt ?? null,
      trainingSeconds: about?.trainingMs == null ? null : about.trainingMs / 1000,
    };
  }

  /** Queues a training (unless one is queued or running) and returns at once. */
  async train(): Promise<BehaviorModelStatus> {
    const version = await this.models.enqueue(this.schedule.dimension, this.schedule.parameters);
    if (version !== null) await this.queue.send(version);
    return this.status();
  }

  /**
   * Starts the queue and, when `work` (a worker process), its worker and the background loop
   * (recovery at once, then every tick). An API process only queues trainings.
   */
  async start(options: { work: boolean } = { work: true }): Promise<void> {
    await this.queue.start(options.work ? (version) => this.training.run(version) : null);
    if (!options.work) return;
    this.runTick();
    this.timer = setInterval(() => this.runTick(), this.schedule.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.training.stop();
    await this.tick;
    await this.queue.stop();
  }

  private runTick(): void {
    this.tick = this.tick
      .then(() => this.recoverAndSchedule())
      .catch((error: unknown) => this.log.error({ err: error }, 'behavior model background loop failed'));
  }

  private async recoverAndSchedule(): Promise<void> {
    const requeued = await this.models.requeueStale(STALE_TRAINING_SECONDS);
    const toSend = this.recovered ? requeued : await this.models.queuedVersions();
    this.recovered = true;
    for (const version of toSend) await this.queue.send(version);
    if (this.schedule.retrainIntervalMs <= 0) return;
    const latest = await this.models.latest();
    if (
      latest &&
      (latest.state === BehaviorModelState.QUEUED || latest.state === BehaviorModelState.TRAINING)
    )
      return;
    const active = await this.models.active();
    const serving = active ? await this.models.get(active.version) : null;
    const due =
      !serving?.trainedAt || Date.now() - serving.trainedAt.getTime() >= this.schedule.retrainIntervalMs;
    // A failed attempt waits one interval too, rather than failing again every tick.
    const failedRecently =
      latest?.state === BehaviorModelState.FAILED &&
      Date.now() - latest.queuedAt.getTime() < this.schedule.retrainIntervalMs;
    if (due && !failedRecently && (await this.models.hasInteractions())) await this.train();
  }
}
