import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIP_EMBEDDING_DIMENSION,
  cosine,
  createTempModelsDir,
  imageBatch,
  l2Norm,
  maxAbsDifference,
  paintedImage,
  testClipVisionReference,
  writeTestModels,
  type Rgb,
  type TestModels,
} from '../../test/support/onnx-fixtures.js';
import { ModelUnavailableError } from '../errors/domain-errors.js';
import { ClipImageModel } from './clip-image-model.js';
import { type ClipModelSpec, ModelRegistry } from './model-manifest.js';

const THREADS = { intraOpNumThreads: 1 };
// Colours as they look after CLIP's normalisation (roughly (x/255 − mean) / std).
const RED: Rgb = [1.9, -1.7, -1.5];
const ORANGE: Rgb = [1.9, 0.3, -1.5];
const BLUE: Rgb = [-1.8, -1.5, 2.1];

describe('ClipImageModel on the generated CLIP vision tower', () => {
  let fixtures: TestModels;
  let spec: ClipModelSpec;
  let model: ClipImageModel;

  beforeAll(async () => {
    fixtures = await writeTestModels(await createTempModelsDir());
    spec = ModelRegistry.fromFile(fixtures.manifestPath).get('test-clip') as ClipModelSpec;
    model = await ClipImageModel.load(spec, fixtures.modelsDir, THREADS);
  });
  afterAll(async () => {
    await model?.release();
    if (fixtures) await rm(fixtures.modelsDir, { recursive: true, force: true });
  });

  it('maps pixel_values [N,3,224,224] to L2-normalised 512-d image_embeds equal to a direct computation', async () => {
    const images = [
      paintedImage((x, y) => [Math.sin(x / 17), Math.cos(y / 13), (x - y) / 224]),
      paintedImage(() => RED, { seed: 1, amplitude: 0.5 }),
    ];
    const embeddings = await model.embed(imageBatch(images), 2);
    expect(embeddings.map((embedding) => embedding.length)).toEqual([
      CLIP_EMBEDDING_DIMENSION,
      CLIP_EMBEDDING_DIMENSION,
    ]);
    expect(model.dimension).toBe(512);
    for (const embedding of embeddings) expect(l2Norm(embedding)).toBeCloseTo(1, 5);

    const reference = testClipVisionReference(fixtures.weights.clipVision, imageBatch(images), 2);
    embeddings.forEach((embedding, n) => {
      const expected = reference.subarray(n * 512, (n + 1) * 512);
      const norm = l2Norm(expected);
      expect(
        maxAbsDifference(
          embedding,
          expected.map((value) => value / norm),
        ),
      ).toBeLessThan(1e-5);
    });
  });

  it('embeds similar images closer than different colours or layouts', async () => {
    const split = (left: Rgb, right: Rgb) => (x: number) => (x < 112 ? left : right);
    const images = [
      paintedImage(() => RED, { seed: 1, amplitude: 0.4 }),
      paintedImage(() => RED, { seed: 2, amplitude: 0.4 }),
      paintedImage(() => ORANGE, { seed: 3, amplitude: 0.4 }),
      paintedImage(() => BLUE, { seed: 4, amplitude: 0.4 }),
      paintedImage(split(RED, BLUE), { seed: 5, amplitude: 0.4 }),
      paintedImage(split(RED, BLUE), { seed: 6, amplitude: 0.4 }),
      paintedImage(split(BLUE, RED), { seed: 7, amplitude: 0.4 }),
    ];
    const [red1, red2, orange, blue, redBlue1, redBlue2, blueRed] = await model.embed(
      imageBatch(images),
      images.length,
    );
    expect(cosine(red1!, red2!)).toBeGreaterThan(0.98);
    expect(cosine(red1!, red2!)).toBeGreaterThan(cosine(red1!, orange!));
    expect(cosine(red1!, orange!)).toBeGreaterThan(cosine(red1!, blue!));
    expect(cosine(redBlue1!, redBlue2!)).toBeGreaterThan(0.98);
    expect(cosine(redBlue1!, redBlue2!) - cosine(redBlue1!, blueRed!)).toBeGreaterThan(0.5);
  });

  it('is deterministic and batch-independent', async () => {
    const image = paintedImage((x, y) => [x / 112 - 1, y / 112 - 1, 0.2]);
    const other = paintedImage(() => BLUE);
    const [alone] = await model.embed(image, 1);
    const [, inBatch] = await model.embed(imageBatch([other, image]), 2);
    expect(maxAbsDifference(alone!, inBatch!)).toBeLessThan(1e-6);
    expect(await model.embed(image, 1)).toEqual([alone]);
  });

  it('throws ModelUnavailableError for a missing vision file', async () => {
    const missing = structuredClone(spec);
    missing.vision.file.path = 'test-clip/absent.onnx';
    await expect(ClipImageModel.load(missing, fixtures.modelsDir, THREADS)).rejects.toThrow(
      ModelUnavailableError,
    );
  });

  it('refuses a manifest naming an input the graph does not have', async () => {
    const renamed = structuredClone(spec);
    renamed.vision.input = 'images';
    await expect(ClipImageModel.load(renamed, fixtures.modelsDir, THREADS)).rejects.toThrow(
      'Model test-clip has no input "images" as its manifest entry says; its inputs are: pixel_values',
    );
  });
});
