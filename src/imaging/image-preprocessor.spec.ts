import sharp, { type Sharp } from 'sharp';
import { deflateSync } from 'node:zlib';
import { IMAGENET_PREPROCESS, pngChunk } from '../../test/support/images.js';
import { describe, expect, it } from 'vitest';
import { InvalidImageError } from '../errors/domain-errors.js';
import { ImagePreprocessor, centreCropOffset } from './image-preprocessor.js';
import { type PreprocessSpec } from './preprocess-spec.js';

type Rgb = readonly [number, number, number];

const imagenet: PreprocessSpec = IMAGENET_PREPROCESS;

/** Identity normalisation, so tensor values are the 0–255 pixel values themselves. */
const pixels = (
  resizeShortSide: number,
  cropSize: number,
  extra: Partial<PreprocessSpec> = {},
): PreprocessSpec => ({
  ...imagenet,
  resizeShortSide,
  cropSize,
  rescale: 1,
  mean: [0, 0, 0],
  std: [1, 1, 1],
  ...extra,
});

const preprocessor = new ImagePreprocessor();

const solid = (width: number, height: number, [r, g, b]: Rgb): Sharp =>
  sharp({ create: { width, height, channels: 3, background: { r, g, b } } });

/** Builds an image from a per-pixel function as raw RGB(A) bytes. */
function fromPixels(
  width: number,
  height: number,
  channels: 3 | 4,
  pixel: (x: number, y: number) => number[],
) {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * channels);
  }
  return sharp(data, { raw: { width, height, channels } });
}

/** Reads element [n, plane, y, x] of an NCHW batch. */
function at(batch: Float32Array, crop: number, n: number, plane: number, y: number, x: number): number {
  return batch[((n * 3 + plane) * crop + y) * crop + x] ?? Number.NaN;
}

function expectPlaneEquals(
  batch: Float32Array,
  crop: number,
  n: number,
  plane: number,
  expected: number,
  tolerance = 1e-6,
) {
  const start = (n * 3 + plane) * crop * crop;
  const values = batch.subarray(start, start + crop * crop);
  const worst = values.reduce((max, value) => Math.max(max, Math.abs(value - expected)), 0);
  expect(worst, `plane ${plane} of image ${n}`).toBeLessThanOrEqual(tolerance);
}

const normalised = (value: number, colour: 0 | 1 | 2, spec: PreprocessSpec = imagenet): number =>
  (value * spec.rescale - spec.mean[colour]) / spec.std[colour];

/** A 16-bit RGB PNG written by hand: sharp's own 16-bit writer converts through Display P3. */
function png16(width: number, height: number, [r, g, b]: Rgb, iccProfile?: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 16; // bit depth
  header[9] = 2; // truecolour
  const stride = 1 + width * 6;
  const rows = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      [r, g, b].forEach((value, c) => rows.writeUInt16BE(value * 257, y * stride + 1 + x * 6 + c * 2));
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    ...(iccProfile
      ? [pngChunk('iCCP', Buffer.concat([Buffer.from('sRGB\0\0', 'latin1'), deflateSync(iccProfile)]))]
      : []),
    pngChunk('IDAT', deflateSync(rows)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('centreCropOffset', () => {
  it('rounds like torchvision CenterCrop (Python round, halves to even)', () => {
    expect(centreCropOffset(224, 224)).toBe(0);
    expect(centreCropOffset(256, 224)).toBe(16);
    expect(centreCropOffset(225, 224)).toBe(0); // round(0.5) = 0
    expect(centreCropOffset(227, 224)).toBe(2); // round(1.5) = 2
    expect(centreCropOffset(229, 224)).toBe(2); // round(2.5) = 2
    expect(centreCropOffset(231, 224)).toBe(4); // round(3.5) = 4
  });

  it('pads a smaller image with the smaller half first, like torchvision', () => {
    expect(centreCropOffset(220, 224)).toBe(-2);
    expect(centreCropOffset(221, 224)).toBe(-1);
  });
});

describe('ImagePreprocessor.preprocess', () => {
  it.each([
    ['bilinear', 'down', 400, 300, [200, 100, 30]],
    ['bicubic', 'down', 300, 512, [0, 255, 128]],
    ['bilinear', 'up', 100, 80, [12, 34, 56]],
    ['bicubic', 'up', 90, 120, [255, 255, 255]],
  ] as const)(
    'a solid colour gives (c·rescale − mean)/std everywhere (%s, %sscaled %i×%i)',
    async (interpolation, _direction, width, height, colour) => {
      const image = await solid(width, height, colour).png().toBuffer();
      const spec = { ...imagenet, interpolation };
      const batch = await preprocessor.preprocess([image], spec);

      expect(batch).toHaveLength(3 * 224 * 224);
      for (const c of [0, 1, 2] as const) expectPlaneEquals(batch, 224, 0, c, normalised(colour[c], c));
    },
  );

  it('keeps a horizontal gradient monotone and centre-crops a wide image at the right columns', async () => {
    // 512×256, red = x/2: after halving to 256×128 red ≈ x, and the 112 px crop starts at column 72.
    const image = await fromPixels(512, 256, 3, (x) => [Math.floor(x / 2), 255 - Math.floor(x / 2), 0])
      .png()
      .toBuffer();
    const crop = 112;
    const batch = await preprocessor.preprocess([image], pixels(128, crop));

    for (let y = 0; y < crop; y++) {
      for (let x = 1; x < crop; x++) {
        expect(at(batch, crop, 0, 0, y, x)).toBeGreaterThanOrEqual(at(batch, crop, 0, 0, y, x - 1));
        expect(at(batch, crop, 0, 1, y, x)).toBeLessThanOrEqual(at(batch, crop, 0, 1, y, x - 1));
      }
      for (const x of [0, 1, 55, 56, 110, 111]) {
        expect(Math.abs(at(batch, crop, 0, 0, y, x) - (72 + x))).toBeLessThanOrEqual(1);
      }
    }
    // The centre crop keeps the middle of the gradient: darker red on the left, brighter on the right.
    expect(at(batch, crop, 0, 0, 50, 10)).toBeLessThan(128);
    expect(at(batch, crop, 0, 0, 50, 100)).toBeGreaterThan(128);
  });

  it.each([
    [6, 'blue', 'red'],
    [8, 'red', 'blue'],
  ] as const)(
    'honours EXIF orientation %i (stored top red, bottom blue)',
    async (orientation, left, right) => {
      // Stored 40×20 landscape; orientations 6 and 8 display it as a 20×40 portrait.
      const stored = await fromPixels(40, 20, 3, (_x, y) => (y < 10 ? [255, 0, 0] : [0, 0, 255]))
        .png()
        .withMetadata({ orientation })
        .toBuffer();
      const crop = 20;
      const batch = await preprocessor.preprocess([stored], pixels(20, crop));

      const colourAt = (x: number): string => {
        const [r, g, b] = [0, 1, 2].map((plane) => at(batch, crop, 0, plane, 10, x));
        if (r === 255 && g === 0 && b === 0) return 'red';
        if (r === 0 && g === 0 && b === 255) return 'blue';
        return `rgb(${r}, ${g}, ${b})`;
      };
      for (let y = 0; y < crop; y++) {
        expect(colourAt(0)).toBe(left);
        expect(colourAt(9)).toBe(left);
        expect(colourAt(10)).toBe(right);
        expect(colourAt(19)).toBe(right);
      }
    },
  );

  it('reads a greyscale PNG with alpha as R = G = B and ignores the alpha', async () => {
    // Grey 77 with alpha varying from transparent to opaque: compositing would change the value.
    const image = await fromPixels(64, 48, 4, (x) => [77, 77, 77, Math.round((x / 63) * 255)])
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect(await sharp(image).metadata()).toMatchObject({ channels: 2, hasAlpha: true });

    const batch = await preprocessor.preprocess([image], pixels(32, 32));
    for (const plane of [0, 1, 2]) expectPlaneEquals(batch, 32, 0, plane, 77);
  });

  it('drops alpha without compositing: colour under transparent pixels stays, also when resizing', async () => {
    // Left half: white but fully transparent (a typical product cut-out); right half opaque dark blue.
    const image = await fromPixels(200, 100, 4, (x) => (x < 100 ? [255, 255, 255, 0] : [10, 20, 30, 255]))
      .png()
      .toBuffer();
    const crop = 50;
    const batch = await preprocessor.preprocess([image], pixels(50, crop, { interpolation: 'bicubic' }));

    // 100×50 after resizing, crop columns 25..74: source x < 100 ↔ crop x < 25.
    expect([0, 1, 2].map((plane) => at(batch, crop, 0, plane, 25, 5))).toEqual([255, 255, 255]);
    expect([0, 1, 2].map((plane) => at(batch, crop, 0, plane, 25, 45))).toEqual([10, 20, 30]);
  });

  it('puts each image of a mixed batch (PNG, JPEG, WebP; different sizes) in its own slot', async () => {
    const red: Rgb = [220, 20, 60];
    const green: Rgb = [34, 139, 34];
    const blue: Rgb = [65, 105, 225];
    const images = await Promise.all([
      solid(300, 260, red).png().toBuffer(),
      solid(640, 480, green).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer(),
      solid(200, 500, blue).webp({ lossless: true }).toBuffer(),
    ]);
    const batch = await preprocessor.preprocess(images, imagenet);

    expect(batch).toHaveLength(3 * 3 * 224 * 224);
    [red, green, blue].forEach((colour, n) => {
      // JPEG's colour conversion may move a solid colour by one level.
      const tolerance = n === 1 ? 1.01 / 255 / 0.224 : 1e-6;
      for (const c of [0, 1, 2] as const)
        expectPlaneEquals(batch, 224, n, c, normalised(colour[c], c), tolerance);
    });
  });

  it('BGR order swaps the colour planes; mean and std stay attached to their colour', async () => {
    const colour: Rgb = [200, 100, 30];
    const image = await solid(64, 64, colour).png().toBuffer();
    const spec: PreprocessSpec = {
      ...imagenet,
      resizeShortSide: 64,
      cropSize: 64,
      rescale: 1,
      mean: [10, 20, 30],
      std: [2, 4, 8],
      channelOrder: 'BGR',
    };
    const batch = await preprocessor.preprocess([image], spec);

    expectPlaneEquals(batch, 64, 0, 0, (30 - 30) / 8);
    expectPlaneEquals(batch, 64, 0, 1, (100 - 20) / 4);
    expectPlaneEquals(batch, 64, 0, 2, (200 - 10) / 2);
  });

  it('reads 16-bit PNGs, with or without an sRGB profile, as the same 8-bit colour', async () => {
    const withProfile = await solid(1, 1, [0, 0, 0]).withIccProfile('srgb').png().toBuffer();
    const { icc } = await sharp(withProfile).metadata();
    expect(icc).toBeInstanceOf(Buffer);
    const colour: Rgb = [200, 100, 30];

    for (const image of [png16(48, 32, colour), png16(48, 32, colour, icc)]) {
      expect(await sharp(image).metadata()).toMatchObject({ space: 'rgb16', depth: 'ushort' });
      const batch = await preprocessor.preprocess([image], pixels(32, 32));
      for (const c of [0, 1, 2] as const) expectPlaneEquals(batch, 32, 0, c, colour[c]);
    }
  });

  it('converts CMYK and palette images to RGB', async () => {
    const colour: Rgb = [200, 100, 30];
    const cmyk = await solid(64, 64, colour).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer();
    const palette = await sharp({
      create: { width: 64, height: 64, channels: 4, background: { ...rgbObject(colour), alpha: 0.5 } },
    })
      .png({ palette: true })
      .toBuffer();
    expect(await sharp(cmyk).metadata()).toMatchObject({ space: 'cmyk', channels: 4 });
    expect(await sharp(palette).metadata()).toMatchObject({ isPalette: true, hasAlpha: true });

    const batch = await preprocessor.preprocess([cmyk, palette], pixels(32, 32));
    // CMYK → RGB goes through an ink model and cannot round-trip exactly.
    for (const c of [0, 1, 2] as const) expectPlaneEquals(batch, 32, 0, c, colour[c], 30);
    for (const c of [0, 1, 2] as const) expectPlaneEquals(batch, 32, 1, c, colour[c]);
  });

  it('refuses undecodable data, naming the image', async () => {
    const good = await solid(10, 10, [1, 2, 3]).png().toBuffer();
    const truncated = good.subarray(0, good.length - 20);

    for (const bad of [Buffer.from('not an image at all'), truncated]) {
      const error = await preprocessor.preprocess([good, bad], imagenet).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidImageError);
      expect(error).toMatchObject({ details: { field: 'images[1]', reason: 'undecodable' } });
    }
  });

  it('refuses images over the pixel limit before decoding them', async () => {
    const small = new ImagePreprocessor({ maxPixels: 10_000 });
    const image = await solid(101, 100, [1, 2, 3]).png().toBuffer();

    await expect(small.preprocess([image], imagenet)).rejects.toMatchObject({
      details: { field: 'images[0]', reason: 'too-many-pixels' },
    });
  });

  it('refuses an image so elongated that resizing it would exceed the pixel limit', async () => {
    const strip = await solid(4000, 2, [1, 2, 3]).png().toBuffer();

    await expect(preprocessor.preprocess([strip], imagenet)).rejects.toMatchObject({
      details: { field: 'images[0]', reason: 'aspect-ratio' },
    });
  });
});

describe('ImagePreprocessor.preprocessEach', () => {
  const clipLike: PreprocessSpec = {
    resizeShortSide: 224,
    interpolation: 'bicubic',
    cropSize: 224,
    rescale: 1 / 255,
    mean: [0.48145466, 0.4578275, 0.40821073],
    std: [0.26862954, 0.26130258, 0.27577711],
    channelOrder: 'RGB',
    layout: 'NCHW',
  };

  it('gives, from one decode per image, exactly the batch preprocess gives for each spec', async () => {
    const images = await Promise.all([
      fromPixels(640, 480, 3, (x, y) => [x % 256, y % 256, (x * y) % 256])
        .jpeg({ quality: 90 })
        .toBuffer(),
      fromPixels(150, 300, 4, (x, y) => [(x * 3) % 256, 200, y % 256, 128])
        .png()
        .toBuffer(),
      // Smaller than the CNN crop after resizing to 100 px: padded.
      solid(90, 120, [12, 34, 56]).png().toBuffer(),
    ]);
    const specs = [imagenet, clipLike, pixels(100, 112, { channelOrder: 'BGR' })];

    const batches = await preprocessor.preprocessEach(images, specs);

    expect(batches).toHaveLength(3);
    for (const [position, spec] of specs.entries()) {
      const alone = await preprocessor.preprocess(images, spec);
      // Bit for bit (a byte comparison: toEqual over 450k floats is slow).
      expect(Buffer.from(batches[position]!.buffer).equals(Buffer.from(alone.buffer))).toBe(true);
    }
    // The padding of the third spec is the normalised 0 around the 100×133 picture.
    expect(at(batches[2]!, 112, 2, 0, 0, 0)).toBe(0);
    expect(at(batches[2]!, 112, 2, 0, 56, 56)).toBe(56);
  });

  it('names the image that cannot be decoded', async () => {
    const good = await solid(10, 10, [1, 2, 3]).png().toBuffer();

    await expect(
      preprocessor.preprocessEach([good, Buffer.from('nope')], [imagenet, clipLike]),
    ).rejects.toMatchObject({ details: { field: 'images[1]', reason: 'undecodable' } });
  });
});

describe('ImagePreprocessor.toCanonicalJpeg', () => {
  it('stores an upright, opaque, sRGB JPEG with the shorter side reduced to 512 and no subsampling', async () => {
    // Stored 1200×800 with orientation 6: displayed as an 800×1200 portrait, so 512×768 after reduction.
    const image = await fromPixels(1200, 800, 4, (_x, y) => (y < 400 ? [255, 0, 0, 128] : [0, 0, 255, 255]))
      .png()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const canonical = await preprocessor.toCanonicalJpeg(image);

    expect(canonical).toMatchObject({ width: 512, height: 768 });
    const metadata = await sharp(canonical.bytes).metadata();
    expect(metadata).toMatchObject({
      format: 'jpeg',
      width: 512,
      height: 768,
      channels: 3,
      space: 'srgb',
      chromaSubsampling: '4:4:4',
      hasAlpha: false,
    });
    expect(metadata.orientation).toBeUndefined();
    // Upright: the stored top (red, half transparent but not composited) is now on the right.
    const { data } = await sharp(canonical.bytes).raw().toBuffer({ resolveWithObject: true });
    const differenceAt = (x: number, y: number, expected: Rgb): number =>
      Math.max(...expected.map((value, c) => Math.abs((data[(y * 512 + x) * 3 + c] ?? Number.NaN) - value)));
    expect(differenceAt(500, 384, [255, 0, 0])).toBeLessThanOrEqual(3);
    expect(differenceAt(10, 384, [0, 0, 255])).toBeLessThanOrEqual(3);
  });

  it('refuses undecodable data under the given field', async () => {
    await expect(
      preprocessor.toCanonicalJpeg(Buffer.from('nope'), 'products[3].image'),
    ).rejects.toMatchObject({
      details: { field: 'products[3].image', reason: 'undecodable' },
    });
  });

  it('refuses to store an image too long for JPEG', async () => {
    const strip = await solid(70_000, 1, [1, 2, 3]).png().toBuffer();
    await expect(preprocessor.toCanonicalJpeg(strip)).rejects.toMatchObject({
      details: { field: 'image', reason: 'aspect-ratio' },
    });
  });

  it('never enlarges a small image', async () => {
    const image = await solid(300, 200, [10, 200, 30]).png().toBuffer();
    const canonical = await preprocessor.toCanonicalJpeg(image);

    expect(canonical).toMatchObject({ width: 300, height: 200 });
    expect(await sharp(canonical.bytes).metadata()).toMatchObject({
      width: 300,
      height: 200,
      format: 'jpeg',
    });
  });
});

function rgbObject([r, g, b]: Rgb): { r: number; g: number; b: number } {
  return { r, g, b };
}
