// Plain types of the recommendation engine, and the facts about spaces and metrics every part of it shares.
import { ImageSpace } from '../inference/ports.js';
import { type ImageSourceInput } from '../imaging/image-source.js';
import { type Product, type ProductFilter } from '../catalogue/product.domain.js';

export enum EmbeddingSpace {
  /** The hand-crafted attribute vector (scores in axis order). */
  ATTRIBUTES = 'ATTRIBUTES',
  /** ImageNet CNN features of the product photo (IMAGE_MODEL). */
  IMAGE = 'IMAGE',
  /** CLIP embedding of the product photo, comparable with CLIP text (CLIP_MODEL). */
  CLIP = 'CLIP',
  /** The product's tag set. */
  TAGS = 'TAGS',
  /** The product's location. */
  GEO = 'GEO',
  /** Item vectors learned from shopper interactions (implicit ALS; a trained model's version). */
  BEHAVIOR = 'BEHAVIOR',
}

export enum DistanceMetric {
  COSINE = 'COSINE',
  DOT_PRODUCT = 'DOT_PRODUCT',
  EUCLIDEAN = 'EUCLIDEAN',
  L2_SQUARED = 'L2_SQUARED',
  MANHATTAN = 'MANHATTAN',
  MINKOWSKI = 'MINKOWSKI',
  CHEBYSHEV = 'CHEBYSHEV',
  HAMMING = 'HAMMING',
  JACCARD = 'JACCARD',
  SORENSEN_DICE = 'SORENSEN_DICE',
  HAVERSINE = 'HAVERSINE',
}

export enum RecommendationStrategy {
  /** One query vector per space: 2·mean(like) − mean(unlike) (mean(like) without unlike), as Qdrant does. */
  AVERAGE_VECTOR = 'AVERAGE_VECTOR',
  /** Per space, the best similarity to any liked example, unless an unliked one is closer (Qdrant's best_score). */
  BEST_SCORE = 'BEST_SCORE',
}

export enum RankBy {
  /** Length of the attribute vector: the square root of the design's "squared sum of the attribute values". */
  NORM = 'NORM',
  /** Weighted sum of chosen axes (the inner product with a weight vector). */
  WEIGHTED_SUM = 'WEIGHTED_SUM',
}

/** The image space whose model embeds a space's vectors: IMAGE and CLIP; null for the others. */
export function imageSpaceOf(space: EmbeddingSpace): ImageSpace | null {
  if (space === EmbeddingSpace.IMAGE) return ImageSpace.IMAGE;
  if (space === EmbeddingSpace.CLIP) return ImageSpace.CLIP;
  return null;
}

/** Spaces whose values are product_embedding rows of one model id (indexed per model). */
export function isStoredVectorSpace(space: EmbeddingSpace): boolean {
  return space === EmbeddingSpace.IMAGE || space === EmbeddingSpace.CLIP || space === EmbeddingSpace.BEHAVIOR;
}

export const VECTOR_SPACES: readonly EmbeddingSpace[] = [
  EmbeddingSpace.ATTRIBUTES,
  EmbeddingSpace.IMAGE,
  EmbeddingSpace.CLIP,
  EmbeddingSpace.BEHAVIOR,
];
export const VECTOR_METRICS: readonly DistanceMetric[] = [
  DistanceMetric.COSINE,
  DistanceMetric.DOT_PRODUCT,
  DistanceMetric.EUCLIDEAN,
  DistanceMetric.L2_SQUARED,
  DistanceMetric.MANHATTAN,
  DistanceMetric.MINKOWSKI,
  DistanceMetric.CHEBYSHEV,
];

/** Which metrics fit which space. */
export function metricsFor(space: EmbeddingSpace): readonly DistanceMetric[] {
  switch (space) {
    case EmbeddingSpace.ATTRIBUTES:
    case EmbeddingSpace.BEHAVIOR:
      return VECTOR_METRICS;
    case EmbeddingSpace.IMAGE:
    case EmbeddingSpace.CLIP:
      return [...VECTOR_METRICS, DistanceMetric.HAMMING];
    case EmbeddingSpace.TAGS:
      return [DistanceMetric.JACCARD, DistanceMetric.SORENSEN_DICE];
    case EmbeddingSpace.GEO:
      return [DistanceMetric.HAVERSINE];
  }
}

export function defaultMetric(space: EmbeddingSpace): DistanceMetric {
  if (space === EmbeddingSpace.TAGS) return DistanceMetric.JACCARD;
  if (space === EmbeddingSpace.GEO) return DistanceMetric.HAVERSINE;
  return DistanceMetric.COSINE;
}

/** One example of what the caller likes or dislikes: exactly one field is set. */
export interface Example {
  readonly productId?: string | null | undefined;
  readonly text?: string | null | undefined;
  readonly image?: ImageSourceInput | null | undefined;
  readonly vector?: readonly number[] | null | undefined;
  /** The space of `vector`. */
  readonly space?: EmbeddingSpace | null | undefined;
  /** A shopper: their history's taste (BEHAVIOR and ATTRIBUTES); their seen products are excluded. */
  readonly userToken?: string | null | undefined;
}

export interface SpaceWeight {
  readonly space: EmbeddingSpace;
  readonly weight: number;
  readonly metric?: DistanceMetric | null | undefined;
  readonly p?: number | null | undefined;
}

export interface RecommendationRequest {
  readonly like: readonly Example[];
  readonly unlike?: readonly Example[] | null | undefined;
  readonly strategy?: RecommendationStrategy | null | undefined;
  readonly spaces?: readonly SpaceWeight[] | null | undefined;
  /** Applies to every space without a metric of its own. */
  readonly metric?: DistanceMetric | null | undefined;
  readonly p?: number | null | undefined;
  readonly filter?: ProductFilter | null | undefined;
  readonly excludeIds?: readonly string[] | null | undefined;
  readonly k?: number | null | undefined;
  readonly minScore?: number | null | undefined;
  /** Maximal marginal relevance: 0 is pure relevance, 1 pure novelty. */
  readonly diversity?: number | null | undefined;
}

/** One space's part in a product's score. */
export interface SpaceContribution {
  readonly space: EmbeddingSpace;
  readonly metric: DistanceMetric;
  readonly modelId: string | null;
  /** The metric's own distance, null when the product has nothing in this space. */
  readonly distance: number | null;
  /** The metric's score (see scoreOf), null when the product has nothing in this space. */
  readonly similarity: number | null;
  readonly weight: number;
  /** The weight after renormalising over the spaces the product has. */
  readonly effectiveWeight: number;
  readonly contribution: number;
}

export interface AxisContribution {
  readonly axis: string;
  readonly productValue: number;
  readonly queryValue: number;
  /** This axis's share of the attribute similarity (COSINE, DOT_PRODUCT) or distance (others). */
  readonly share: number;
}

export interface Explanation {
  readonly summary: string;
  readonly spaces: readonly SpaceContribution[];
  readonly missingSpaces: readonly EmbeddingSpace[];
  readonly renormalized: boolean;
  readonly attributes: readonly AxisContribution[] | null;
}

export interface ScoredProduct {
  readonly product: Product;
  /** Higher is better: the metric's score for one space, the weighted mean of space scores for several. */
  readonly score: number;
  /** The metric's own distance for one space; 1 − score for several. */
  readonly distance: number;
  /** Builds the explanation on demand (only when a client asks for it). */
  readonly explain?: () => Promise<Explanation>;
}

export interface RankedProduct {
  readonly product: Product;
  readonly rank: number;
  readonly score: number;
}

export interface AttributeWeight {
  readonly axis: string;
  readonly weight: number;
}

/** How many products a query returns by default, and at most. */
export const K_DEFAULT = 10;
export const K_MAX = 100;
export const MAX_EXAMPLES = 20;
