import { type Product, type ProductRecord } from '../products/product.model.js';

export enum EmbeddingSpace {
  ATTRIBUTES = 'ATTRIBUTES',
  IMAGE = 'IMAGE',
  CLIP = 'CLIP',
}

export enum RankBy {
  /** Length of the attribute vector: the square root of the design's "squared sum of the attribute values". */
  NORM = 'NORM',
  /** Weighted sum of chosen axes (the inner product with a weight vector). */
  WEIGHTED_SUM = 'WEIGHTED_SUM',
}

export interface AttributeWeight {
  readonly axis: string;
  readonly weight: number;
}

export interface ScoredRecord {
  readonly record: ProductRecord;
  readonly distance: number;
}

export interface ScoredProduct {
  readonly product: Product;
  /** Cosine similarity. */
  readonly score: number;
  /** 1 − score. */
  readonly distance: number;
}

export interface RankedProduct {
  readonly product: Product;
  readonly rank: number;
  readonly score: number;
}

export const K_DEFAULT = 10;
export const K_MAX = 100;
