// Turns product images into the float tensors the image models read, reproducing the torchvision /
// PIL pipeline they were trained with (Resize(short side) → CenterCrop → ToTensor → Normalize) as
// closely as sharp allows, and makes the canonical JPEG copy the service stores. How far sharp's
// output is from PIL's, measured, is in models/README.md ("Preprocessing fidelity").
import sharp, { type Sharp } from 'sharp';
import { InvalidImageError } from '../errors/domain-errors.js';
import { type PreprocessSpec } from './preprocess-spec.js';

export interface ImagePreprocessorOptions {
  /** Images with more pixels are refused before decoding (decompression bombs). */
  maxPixels?: number;
  /** Images decoded at once. Each holds one full-resolution 8-bit RGB copy while it is resized. */
  concurrency?: number;
}

export interface CanonicalImage {
  bytes: Buffer;
  width: number;
  height: number;
}

interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

const DEFAULT_MAX_PIXELS = 40_000_000;
// sharp runs on libuv's thread pool, which has 4 threads unless UV_THREADPOOL_SIZE says otherwise.
const DEFAULT_CONCURRENCY = 4;
const CANONICAL_MAX_SHORT_SIDE = 512;
// Largest width or height libjpeg can encode.
const JPEG_MAX_SIDE = 65_500;
const KERNELS = { bilinear: 'linear', bicubic: 'cubic' } as const;

export class ImagePreprocessor {
  private readonly maxPixels: number;
  private readonly concurrency: number;

  constructor(options: ImagePreprocessorOptions = {}) {
    this.maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  }

  /**
   * One NCHW float32 batch [images.length, 3, cropSize, cropSize]. A bad image throws
   * InvalidImageError with field `images[i]`; callers that know the real field path rethrow.
   */
  async preprocess(images: readonly Buffer[], spec: PreprocessSpec): Promise<Float32Array> {
    const [batch] = await this.preprocessEach(images, [spec]);
    return batch!;
  }

  /**
   * One batch per spec, as `preprocess` makes it, from a single decode of each image: the decoded
   * pixels are resized once per spec (both resizes at once, on sharp's threads).
   */
  async preprocessEach(images: readonly Buffer[], specs: readonly PreprocessSpec[]): Promise<Float32Array[]> {
    const batches = specs.map((spec) => new Float32Array(images.length * 3 * spec.cropSize * spec.cropSize));
    await this.forEachConcurrently(images, async (image, index) => {
      const decoded = await this.decodeRgb(image, `images[${index}]`);
      await Promise.all(
        specs.map(async (spec, position) => {
          const resized = await this.resizeShortSide(decoded, spec, `images[${index}]`);
          writeNormalisedCentreCrop(
            resized,
            spec,
            batches[position]!,
            index * 3 * spec.cropSize * spec.cropSize,
          );
        }),
      );
    });
    return batches;
  }

  /**
   * The copy stored so embeddings can be recomputed later: upright, sRGB, no alpha, shorter side at
   * most 512 px (never enlarged), JPEG q95 without chroma subsampling, no metadata. `field` names
   * the image in the InvalidImageError thrown when it cannot be decoded.
   */
  async toCanonicalJpeg(image: Buffer, field = 'image'): Promise<CanonicalImage> {
    const decoded = await this.decodeRgb(image, field);
    const shortSide = Math.min(decoded.width, decoded.height);
    let pipeline = rawInput(decoded, this.maxPixels);
    if (shortSide > CANONICAL_MAX_SHORT_SIDE) {
      const scale = CANONICAL_MAX_SHORT_SIDE / shortSide;
      // lanczos3 (sharp's default): the stored copy should lose as little as possible.
      pipeline = pipeline.resize({
        width: Math.max(1, Math.round(decoded.width * scale)),
        height: Math.max(1, Math.round(decoded.height * scale)),
        fit: 'fill',
      });
    }
    if (
      Math.max(decoded.width, decoded.height) * Math.min(1, CANONICAL_MAX_SHORT_SIDE / shortSide) >
      JPEG_MAX_SIDE
    ) {
      throw new InvalidImageError(
        field,
        'aspect-ratio',
        `image of ${decoded.width}×${decoded.height} is too elongated to store`,
      );
    }
    const { data, info } = await pipeline
      .jpeg({ quality: 95, chromaSubsampling: '4:4:4' })
      .toBuffer({ resolveWithObject: true });
    return { bytes: data, width: info.width, height: info.height };
  }

  /**
   * Full-resolution 8-bit sRGB, auto-rotated, alpha removed. Decoding separately from resizing
   * matters for two reasons: sharp premultiplies alpha while resizing and only drops it at the end,
   * which turns transparent pixels black, whereas PIL's convert('RGB') simply removes the alpha
   * channel (no compositing, the colour under it stays); and a single pipeline would use JPEG
   * shrink-on-load, a DCT-domain downscale PIL does not do.
   */
  private async decodeRgb(image: Buffer, field: string): Promise<RgbImage> {
    try {
      const input = sharp(image, {
        autoOrient: true,
        limitInputPixels: this.maxPixels,
        // sharp's default ('warning') also refuses JPEGs with recoverable warnings that PIL decodes;
        // real decoding errors and truncated data are still refused.
        failOn: 'error',
      });
      // sharp converts a 16-bit RGB image with an ICC profile to Display P3 and, for raw output,
      // never converts it back (colours off by up to 99/255); going to 8-bit sRGB first avoids that.
      const { space } = await input.metadata();
      if (space === 'rgb16') input.pipelineColourspace('srgb');
      const { data, info } = await input
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
        throw new Error(`unexpected decoded layout: ${info.channels} channels, ${data.length} bytes`);
      }
      return { data, width: info.width, height: info.height };
    } catch (error) {
      if (error instanceof Error && /pixel limit/i.test(error.message)) {
        throw new InvalidImageError(field, 'too-many-pixels', `image has more than ${this.maxPixels} pixels`);
      }
      throw new InvalidImageError(field, 'undecodable', 'image data could not be decoded');
    }
  }

  /** torchvision Resize(int): shorter side → resizeShortSide, longer side truncated, no-op if equal. */
  private async resizeShortSide(image: RgbImage, spec: PreprocessSpec, field: string): Promise<RgbImage> {
    const { width, height } = image;
    const target = spec.resizeShortSide;
    const shortSide = Math.min(width, height);
    if (shortSide === target) return image;
    const longSide = Math.floor((target * Math.max(width, height)) / shortSide);
    const [newWidth, newHeight] = width <= height ? [target, longSide] : [longSide, target];
    // A very elongated image would grow huge before the centre crop throws most of it away.
    if (newWidth * newHeight > this.maxPixels) {
      throw new InvalidImageError(
        field,
        'aspect-ratio',
        `image of ${width}×${height} is too elongated to resize to a ${target} px short side`,
      );
    }
    const { data, info } = await rawInput(image, this.maxPixels)
      .resize({ width: newWidth, height: newHeight, fit: 'fill', kernel: KERNELS[spec.interpolation] })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  }

  private async forEachConcurrently<T>(
    items: readonly T[],
    work: (item: T, index: number) => Promise<void>,
  ): Promise<void> {
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      // After a failure the batch is lost anyway: start no further images.
      while (!failed && next < items.length) {
        const index = next++;
        try {
          await work(items[index] as T, index);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, items.length) }, worker));
  }
}

function rawInput(image: RgbImage, maxPixels: number): Sharp {
  return sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
    limitInputPixels: maxPixels,
  });
}

/**
 * torchvision CenterCrop: top = int(round((h − crop) / 2)), and Python's round() halves to even.
 * An image smaller than the crop is padded with zeros, the smaller half of the padding first.
 */
export function centreCropOffset(size: number, crop: number): number {
  if (size < crop) return -Math.floor((crop - size) / 2);
  const half = (size - crop) / 2;
  const floor = Math.floor(half);
  if (half - floor !== 0.5) return Math.round(half);
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Crops the centre square and writes (value × rescale − mean) / std as NCHW planes at `offset`.
 * mean and std are indexed by colour (red, green, blue), the way the manifest lists them; the
 * channel order only decides which colour goes into which plane.
 */
function writeNormalisedCentreCrop(
  image: RgbImage,
  spec: PreprocessSpec,
  batch: Float32Array,
  offset: number,
): void {
  const crop = spec.cropSize;
  const top = centreCropOffset(image.height, crop);
  const left = centreCropOffset(image.width, crop);
  const colours = spec.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  // Inside the image, fewer rows and columns than the crop when the image is smaller (zero padding).
  const firstY = Math.max(0, -top);
  const endY = Math.min(crop, image.height - top);
  const firstX = Math.max(0, -left);
  const endX = Math.min(crop, image.width - left);
  const { data, width } = image;
  colours.forEach((colour, plane) => {
    const mean = spec.mean[colour] ?? 0;
    const std = spec.std[colour] ?? 1;
    // Every 8-bit value's normalised float, computed once with the same expression per value.
    const normalised = new Float32Array(256);
    for (let value = 0; value < 256; value++) normalised[value] = (value * spec.rescale - mean) / std;
    const planeOffset = offset + plane * crop * crop;
    if (firstY > 0 || endY < crop || firstX > 0 || endX < crop) {
      batch.fill(normalised[0]!, planeOffset, planeOffset + crop * crop);
    }
    for (let y = firstY; y < endY; y++) {
      let source = ((top + y) * width + left + firstX) * 3 + colour;
      const rowOffset = planeOffset + y * crop;
      for (let x = firstX; x < endX; x++, source += 3) {
        batch[rowOffset + x] = normalised[data[source]!]!;
      }
    }
  });
}
