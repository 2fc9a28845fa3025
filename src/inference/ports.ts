// What services need from the models, as plain interfaces: the image spaces models embed into,
// encoders, and the provider that loads them. The implementation (onnx-model.provider.ts) runs
// onnxruntime-node; services never import it.
import { type PreprocessSpec } from '../imaging/preprocess-spec.js';

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

/** Images → L2-normalised embeddings of one model. */
export interface ImageEncoder extends SpaceModel {
  encode(images: readonly Buffer[]): Promise<Float32Array[]>;
  /** How the model wants its pixels prepared, for callers that preprocess images themselves. */
  readonly preprocess: PreprocessSpec;
  /** Embeddings of `count` images already preprocessed with `preprocess` ([count, 3, crop, crop] NCHW). */
  embedPreprocessed(batch: Float32Array, count: number): Promise<Float32Array[]>;
}

/** Texts → L2-normalised CLIP text embeddings (in the same space as the CLIP image encoder). */
export interface ClipTextEncoder {
  readonly modelId: string;
  readonly dimension: number;
  /** CLIP multiplies cosine similarities by this before a softmax. */
  readonly logitScale: number;
  encode(texts: readonly string[]): Promise<Float32Array[]>;
}

export enum ModelState {
  LOADED = 'LOADED',
  /** Files present and verified, not loaded yet (models load on first use). */
  AVAILABLE = 'AVAILABLE',
  MISSING = 'MISSING',
  /** Present but unusable: wrong checksum, or failed to load. */
  INVALID = 'INVALID',
  DOWNLOADING = 'DOWNLOADING',
}

export interface ModelStatus {
  readonly id: string;
  readonly space: ImageSpace;
  readonly kind: string;
  readonly dimension: number;
  readonly configured: boolean;
  readonly state: ModelState;
  readonly reason: string | null;
  readonly installCommand: string;
}

export interface ModelProvider {
  /** The model configured for a space (IMAGE_MODEL / CLIP_MODEL), installed or not; null when disabled. */
  configured(space: ImageSpace): SpaceModel | null;
  /** The dimension and space of any manifest model. */
  describe(modelId: string): SpaceModel | null;
  /** Throws ModelUnavailableError when the model's files are missing or invalid. */
  imageEncoder(space: ImageSpace, modelId?: string): Promise<ImageEncoder>;
  /** The CLIP text tower of `modelId` (default: the configured CLIP model). */
  textEncoder(modelId?: string): Promise<ClipTextEncoder>;
  statuses(): Promise<ModelStatus[]>;
}
