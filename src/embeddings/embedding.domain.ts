// Plain types of image and CLIP embeddings.

export enum ImageSpace {
  IMAGE = 'IMAGE',
  CLIP = 'CLIP',
}

/** The model whose vectors answer queries in a space, with the dimension its vectors have. */
export interface SpaceModel {
  readonly space: ImageSpace;
  readonly modelId: string;
  readonly dimension: number;
}

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
