// Plain types of the BEHAVIOR space's models: their lifecycle and what a status reports.

export enum BehaviorModelState {
  /** No model was ever trained or asked for. */
  IDLE = 'IDLE',
  QUEUED = 'QUEUED',
  TRAINING = 'TRAINING',
  READY = 'READY',
  FAILED = 'FAILED',
}

/** The model whose item vectors answer BEHAVIOR queries: a version, stored under this model id. */
export interface BehaviorVectorModel {
  readonly version: number;
  readonly modelId: string;
  readonly dimension: number;
  /** When its training read the interaction log: products added later have no vector in it. */
  readonly trainedFrom: Date;
}

/** One stored version (a behavior_model row). */
export interface BehaviorModelRecord {
  readonly version: number;
  readonly state: Exclude<BehaviorModelState, BehaviorModelState.IDLE>;
  readonly dimension: number;
  readonly users: number | null;
  readonly items: number | null;
  readonly interactions: number | null;
  readonly progress: number;
  readonly phase: string | null;
  readonly error: string | null;
  readonly queuedAt: Date;
  readonly startedAt: Date | null;
  readonly trainedAt: Date | null;
  readonly trainingMs: number | null;
}

export interface BehaviorModelStatus {
  /** The latest version's state; IDLE when there is none. */
  readonly state: BehaviorModelState;
  /** The latest version (the one `state` is about). */
  readonly version: number | null;
  /** The version serving queries (the latest READY one), or null. */
  readonly activeVersion: number | null;
  /** When the serving version finished training. */
  readonly trainedAt: Date | null;
  readonly users: number | null;
  readonly items: number | null;
  readonly interactions: number | null;
  /** 0–1 while training. */
  readonly progress: number;
  readonly phase: string | null;
  readonly error: string | null;
  readonly queuedAt: Date | null;
  readonly startedAt: Date | null;
  readonly trainingSeconds: number | null;
}

/** The model id BEHAVIOR vectors of a version are stored under (product_embedding.model_id). */
export function behaviorModelId(version: number): string {
  return `behavior-v${version}`;
}

/** The interaction data a training reads: pairs of dense shopper and item indexes with strengths. */
export interface TrainingData {
  /** Product id of each item index. */
  readonly productIds: readonly string[];
  readonly users: number;
  readonly userIndex: Int32Array;
  readonly itemIndex: Int32Array;
  readonly strength: Float32Array;
  /** Events read. */
  readonly interactions: number;
}
