// One training of the BEHAVIOR space, as the queue runs it: read the interaction log, factorise it
// (implicit ALS, yielding to the event loop so queries keep flowing), store the item vectors under
// the new version, build its HNSW index, then switch the serving version in one transaction and
// drop the old one. Progress and a heartbeat go to behavior_model; a stop() mid-way puts the
// version back in the queue for the next start.
import { type AlsParameters, trainImplicitAls } from './implicit-als.js';
import { type BehaviorModelRepository } from './behavior-model.repository.js';

/** Thrown inside a training when the service stops. */
class TrainingStopped extends Error {}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface TrainingSettings {
  readonly parameters: AlsParameters;
  readonly weights: Readonly<Record<string, number>>;
}

export class BehaviorTrainingService {
  private stopping = false;

  constructor(
    private readonly models: BehaviorModelRepository,
    private readonly settings: TrainingSettings,
    private readonly log: {
      info(fields: object, message: string): void;
      error(fields: object, message: string): void;
    },
    /** Called after a version starts serving (to drop cached state). */
    private readonly onActivated: () => void,
  ) {}

  /** Runs the queued version `version`; does nothing when it is not queued (a duplicate job). */
  async run(version: number): Promise<void> {
    if (this.stopping || !(await this.models.claim(version))) return;
    const started = performance.now();
    const phases: Record<string, number> = {};
    let phaseStart = started;
    const phaseDone = (phase: string) => {
      const now = performance.now();
      phases[phase] = Math.round(now - phaseStart) / 1000;
      phaseStart = now;
    };
    const heartbeat = setInterval(() => {
      this.models.heartbeat(version).catch(() => undefined);
    }, 5_000);
    heartbeat.unref();
    try {
      const data = await this.models.trainingData(this.settings.weights);
      phaseDone('readSeconds');
      if (data.productIds.length === 0)
        throw new Error('there are no interactions with existing products to learn from');
      await this.models.progress(version, {
        progress: 0.05,
        phase: 'training',
        users: data.users,
        items: data.productIds.length,
        interactions: data.interactions,
      });
      const parameters = this.settings.parameters;
      const model = await trainImplicitAls(
        {
          users: data.users,
          items: data.productIds.length,
          userIndex: data.userIndex,
          itemIndex: data.itemIndex,
          strength: data.strength,
        },
        parameters,
        {
          pause: async () => {
            if (this.stopping) throw new TrainingStopped();
            await yieldToEventLoop();
          },
          onProgress: ({ iteration, iterations }) =>
            this.models.progress(version, {
              progress: 0.05 + 0.8 * (iteration / iterations),
              phase: `training (sweep ${iteration} of ${iterations})`,
            }),
        },
      );
      phaseDone('alsSeconds');
      await this.models.saveVectors(
        version,
        data.productIds,
        model.itemFactors,
        model.factors,
        async (done) => {
          if (this.stopping) throw new TrainingStopped();
          await this.models.progress(version, {
            progress: 0.85 + 0.1 * (done / data.productIds.length),
            phase: 'storing item vectors',
          });
        },
      );
      await this.models.progress(version, { progress: 0.95, phase: 'building the HNSW index' });
      phaseDone('storeSeconds');
      await this.models.buildIndex(version, model.factors);
      phaseDone('indexSeconds');
      await this.models.activate(version, performance.now() - started);
      this.onActivated();
      await this.models.deleteOtherVersions(version);
      this.log.info(
        {
          version,
          users: data.users,
          items: data.productIds.length,
          seconds: (performance.now() - started) / 1000,
          ...phases,
        },
        'behavior model trained and serving',
      );
    } catch (error) {
      if (error instanceof TrainingStopped) {
        await this.models.requeue(version);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      this.log.error({ version, err: error }, 'behavior model training failed');
      await this.models.fail(version, message);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Makes a running training stop at its next pause (it goes back to the queue). */
  stop(): void {
    this.stopping = true;
  }
}
