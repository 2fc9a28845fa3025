// What the recommendation service asks the repository to compute: per space, the metric, weight
// and example targets; and the candidate set's bounds. Plain data, built and validated by the
// service, turned into one SQL statement by recommendation.sql.ts.
import { type SpaceModel } from '../inference/ports.js';
import { type ResolvedProductFilter } from '../catalogue/product.domain.js';
import {
  type DistanceMetric,
  type EmbeddingSpace,
  type RecommendationStrategy,
} from './recommendation.domain.js';

/** Where a query vector comes from: a stored product's own value, or a value given or computed. */
export type QueryTarget =
  | { readonly kind: 'product'; readonly productId: string }
  | { readonly kind: 'vector'; readonly values: ArrayLike<number> }
  | { readonly kind: 'tags'; readonly tags: readonly string[] }
  | { readonly kind: 'point'; readonly latitude: number; readonly longitude: number };

export interface SpacePlan {
  readonly space: EmbeddingSpace;
  readonly metric: DistanceMetric;
  /** Minkowski's p. */
  readonly p: number;
  readonly weight: number;
  /** The vectors' dimension (attributes: the number of axes; IMAGE/CLIP/BEHAVIOR: the model's). */
  readonly dimension: number;
  /** IMAGE, CLIP and BEHAVIOR: the model (or trained version) whose stored vectors are compared. */
  readonly model: Pick<SpaceModel, 'modelId' | 'dimension'> | null;
  readonly positives: readonly QueryTarget[];
  readonly negatives: readonly QueryTarget[];
}

export interface RecommendationPlan {
  readonly spaces: readonly SpacePlan[];
  readonly strategy: RecommendationStrategy;
  readonly filter: ResolvedProductFilter | null;
  readonly excludeIds: readonly string[];
  /** Rows to return. */
  readonly limit: number;
  /** Nearest candidates taken per space and example before exact scoring. */
  readonly candidatesPerTarget: number;
  readonly minScore: number | null;
  /**
   * Product ids the statement counts in the same round trip (each result row carries how many
   * exist), for a plan built without looking the examples up first.
   */
  readonly checkExamples?: readonly string[];
}
