// What the rest of the service knows of client images: where one comes from, what loading it
// yields, the three jobs image intake does (load safely, canonicalise, make model inputs), and the one rule every
// caller checks before any fetch — exactly one source.
import { type FieldProblem } from '../errors/domain-errors.js';
import { type PreprocessSpec } from './preprocess-spec.js';

/** A client's photo: exactly one of an http(s) URL or the bytes in base64. */
export interface ImageSourceInput {
  readonly url?: string | null | undefined;
  readonly base64?: string | null | undefined;
}

export interface LoadedImage {
  readonly bytes: Buffer;
  /** sharp's name for the format: jpeg, png, gif, webp, heif, tiff. */
  readonly format: string;
  /** Upright (EXIF orientation applied) dimensions. */
  readonly width: number;
  readonly height: number;
}

/** Fetches or decodes an image a client sent, refusing anything unsafe (InvalidImageError). */
export interface ImageSource {
  load(source: ImageSourceInput, field: string): Promise<LoadedImage>;
}

/** The copy of an image the service stores and embeds: upright sRGB JPEG, shorter side ≤ 512 px. */
export interface ImageCanonicalizer {
  toCanonicalJpeg(image: Buffer, field?: string): Promise<{ bytes: Buffer; width: number; height: number }>;
}

/** Model inputs from canonical images: one decode per image, one NCHW float batch per spec. */
export interface ImageTensorizer {
  preprocessEach(images: readonly Buffer[], specs: readonly PreprocessSpec[]): Promise<Float32Array[]>;
}

/** Exactly one of url and base64 (empty strings count as absent); null when the source is well-formed. */
export function imageSourceProblem(source: ImageSourceInput, field: string): FieldProblem | null {
  const given = [source.url, source.base64].filter((value) => value != null && value !== '').length;
  return given === 1 ? null : { field, message: 'give exactly one of url and base64' };
}
