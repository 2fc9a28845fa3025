// Plain types of stored image and CLIP embeddings and of products' embedding status.
import { type ImageSpace } from '../inference/ports.js';

export interface ProductEmbedding {
  readonly space: ImageSpace;
  readonly modelId: string;
  readonly vector: Float32Array | readonly number[];
}

/** A product's stored photo: the canonical copy embeddings are computed from. */
export interface StoredImage {
  readonly bytes: Buffer;
  readonly sha256: string;
  readonly width: number;
  readonly height: number;
  readonly sourceUrl: string | null;
}

export interface ProductMedia {
  readonly image: StoredImage;
  readonly embeddings: readonly ProductEmbedding[];
}

export enum EmbeddingState {
  PRESENT = 'PRESENT',
  /** The product has an image, but no vector of the space's model yet (model not installed, or a backfill is pending). */
  MISSING = 'MISSING',
  /** The product has no image to embed. */
  NO_IMAGE = 'NO_IMAGE',
  /** No model is configured for the space. */
  DISABLED = 'DISABLED',
}

export interface EmbeddingStatus {
  readonly space: ImageSpace;
  readonly modelId: string | null;
  readonly state: EmbeddingState;
}
