import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cosine,
  createTempModelsDir,
  IMAGE_SIZE,
  l2Norm,
  maxAbsDifference,
  sha256Hex,
  SHARED_IMAGES_DIR,
  SHARED_MODELS_DIR,
  sharedMobileNetAvailable,
  syntheticImageBatch,
  TEST_CNN_EMBEDDING_DIMENSION,
  testCnnReferenceFeatures,
  writeTestModels,
  type TestModels,
} from '../../test/support/onnx-fixtures.js';
import { ModelUnavailableError } from '../errors/domain-errors.js';
import { fromProjectRoot } from '../paths.js';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { CnnImageModel } from './cnn-image-model.js';
import { type CnnModelSpec, ModelRegistry } from './model-manifest.js';
import { type PreprocessSpec } from '../imaging/preprocess-spec.js';

const THREADS = { intraOpNumThreads: 1 };

function expectUnitLength(vectors: readonly Float32Array[]): void {
  for (const vector of vectors) expect(l2Norm(vector)).toBeCloseTo(1, 5);
}

describe('CnnImageModel on the generated test CNN', () => {
  let fixtures: TestModels;
  let spec: CnnModelSpec;
  let model: CnnImageModel;

  beforeAll(async () => {
    fixtures = await writeTestModels(await createTempModelsDir());
    // Through the manifest file and its zod schema, as the service reads it.
    spec = ModelRegistry.fromFile(fixtures.manifestPath).get('test-cnn') as CnnModelSpec;
    model = await CnnImageModel.load(spec, fixtures.modelsDir, THREADS);
  });
  afterAll(async () => {
    await model?.release();
    if (fixtures) await rm(fixtures.modelsDir, { recursive: true, force: true });
  });

  it('embeds a batch into L2-normalised pooled features, equal to a direct computation', async () => {
    const batch = syntheticImageBatch(3);
    const embeddings = await model.embed(batch, 3);
    expect(embeddings).toHaveLength(3);
    expect(embeddings.map((embedding) => embedding.length)).toEqual([64, 64, 64]);
    expect(model.dimension).toBe(TEST_CNN_EMBEDDING_DIMENSION);
    expectUnitLength(embeddings);

    const reference = testCnnReferenceFeatures(fixtures.weights.cnn, batch, 3);
    embeddings.forEach((embedding, n) => {
      const expected = reference.subarray(n * 64, (n + 1) * 64);
      const norm = l2Norm(expected);
      embedding.forEach((value, d) => expect(value).toBeCloseTo(expected[d]! / norm, 5));
    });
  });

  it('gives each image the same embedding alone or in a batch, and the same on every run', async () => {
    const batch = syntheticImageBatch(3);
    const together = await model.embed(batch, 3);
    const alone = await model.embed(syntheticImageBatch(1, 1), 1);
    expect(maxAbsDifference(alone[0]!, together[1]!)).toBeLessThan(1e-6);
    expect(await model.embed(batch, 3)).toEqual(together);
    // Different images, different embeddings (random post-ReLU features share a large common part).
    expect(maxAbsDifference(together[0]!, together[1]!)).toBeGreaterThan(1e-3);
  });

  it('returns nothing for an empty batch and rejects a batch of the wrong length', async () => {
    expect(await model.embed(new Float32Array(0), 0)).toEqual([]);
    await expect(model.embed(new Float32Array(3 * IMAGE_SIZE * IMAGE_SIZE), 2)).rejects.toThrow(
      'An NCHW batch of 2 224×224 RGB images has 301056 values, got 150528',
    );
  });

  it('throws ModelUnavailableError when the file is missing or its sha256 differs', async () => {
    const missing = { ...spec, file: { ...spec.file, path: 'nowhere/test-cnn.onnx' } };
    await expect(CnnImageModel.load(missing, fixtures.modelsDir, THREADS)).rejects.toThrow(
      ModelUnavailableError,
    );
    await expect(CnnImageModel.load(missing, fixtures.modelsDir, THREADS)).rejects.toThrow(
      'Model test-cnn is not available (nowhere/test-cnn.onnx is missing from',
    );
    const tampered = { ...spec, file: { ...spec.file, sha256: 'f'.repeat(64) } };
    await expect(CnnImageModel.load(tampered, fixtures.modelsDir, THREADS)).rejects.toThrow(
      /test-cnn\.onnx has sha256 [0-9a-f]{64}, the manifest expects f{64}/,
    );
  });

  it('refuses a manifest whose dimension or output name does not match the graph', async () => {
    await expect(CnnImageModel.load({ ...spec, dimension: 65 }, fixtures.modelsDir, THREADS)).rejects.toThrow(
      'Model test-cnn: its classifier reads 64-d features, the manifest says dimension 65',
    );
    await expect(
      CnnImageModel.load({ ...spec, output: 'logits' }, fixtures.modelsDir, THREADS),
    ).rejects.toThrow('Model test-cnn: The ONNX model has no output "logits"');
  });

  it('reports a file onnxruntime cannot parse even though its sha256 matches', async () => {
    const garbage = Buffer.from('not an onnx model');
    await writeFile(join(fixtures.modelsDir, 'garbage.onnx'), garbage);
    const file = { path: 'garbage.onnx', sha256: sha256Hex(garbage) };
    await expect(CnnImageModel.load({ ...spec, file }, fixtures.modelsDir, THREADS)).rejects.toThrow(
      /^Model test-cnn: /,
    );
  });
});

/** A test-only stand-in for the service's preprocessing: short side 256, centre crop 224, normalise. */
async function preprocess(paths: readonly string[], spec: PreprocessSpec): Promise<Float32Array> {
  const plane = spec.cropSize * spec.cropSize;
  const batch = new Float32Array(paths.length * 3 * plane);
  for (const [n, path] of paths.entries()) {
    const pixels = await sharp(path)
      .removeAlpha()
      .toColourspace('srgb')
      .resize(spec.resizeShortSide, spec.resizeShortSide, { fit: 'outside' })
      .resize(spec.cropSize, spec.cropSize, { fit: 'cover', position: 'centre' })
      .raw()
      .toBuffer();
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) {
        batch[(n * 3 + c) * plane + i] = (pixels[i * 3 + c]! * spec.rescale - spec.mean[c]!) / spec.std[c]!;
      }
    }
  }
  return batch;
}

const photos = ['skimage/chelsea.png', 'caffe/cat.jpg', 'skimage/motorcycle_left.png'].map((file) =>
  join(SHARED_IMAGES_DIR, file),
);
const realModelAvailable = sharedMobileNetAvailable && photos.every((photo) => existsSync(photo));
if (!realModelAvailable)
  console.warn(
    `Skipping the real MobileNetV2 CnnImageModel tests: ${SHARED_MODELS_DIR} or its photos are missing`,
  );

describe.skipIf(!realModelAvailable)(
  'CnnImageModel on the shared MobileNetV2-int8 (the repository manifest entry)',
  () => {
    let model: CnnImageModel;
    let spec: CnnModelSpec;

    beforeAll(async () => {
      spec = ModelRegistry.fromFile(fromProjectRoot('models', 'manifest.json')).get(
        'mobilenetv2-12-int8',
      ) as CnnModelSpec;
      model = await CnnImageModel.load(spec, SHARED_MODELS_DIR, THREADS);
    });
    afterAll(async () => {
      await model?.release();
    });

    it('embeds photos into 1280-d unit vectors where two cats are closer than a cat and a motorcycle', async () => {
      const batch = await preprocess(photos, spec.preprocess);
      const embeddings = await model.embed(batch, 3);
      const logits = await originalLogits(spec, batch, 3);
      expect(embeddings.map((embedding) => embedding.length)).toEqual([1280, 1280, 1280]);
      expectUnitLength(embeddings);
      expect(Math.min(...embeddings.flatMap((embedding) => Array.from(embedding)))).toBeGreaterThanOrEqual(0);

      const [chelsea, cat, motorcycle] = embeddings as [Float32Array, Float32Array, Float32Array];
      expect(cosine(chelsea, cat)).toBeGreaterThan(cosine(chelsea, motorcycle) + 0.05);
      expect(cosine(chelsea, cat)).toBeGreaterThan(cosine(cat, motorcycle) + 0.05);

      // ImageNet classes 281–285 are the domestic cats; 670 is motor scooter, 665 moped.
      const top1 = logits.map((row) => row.indexOf(Math.max(...row)));
      expect(top1[0]).toBeGreaterThanOrEqual(281);
      expect(top1[0]).toBeLessThanOrEqual(285);
      expect([665, 670]).toContain(top1[2]);
    });
  },
);

/** The unedited model's own classifier logits, run directly: what the embedding's graph edit must not change. */
async function originalLogits(
  spec: CnnModelSpec,
  batch: Float32Array,
  count: number,
): Promise<Float32Array[]> {
  const session = await InferenceSession.create(join(SHARED_MODELS_DIR, spec.file.path));
  try {
    const size = spec.preprocess.cropSize;
    const input = new Tensor('float32', batch, [count, 3, size, size]);
    const output = (await session.run({ [spec.input]: input }))[spec.output]!.data as Float32Array;
    const classes = output.length / count;
    return Array.from({ length: count }, (_, row) => output.slice(row * classes, (row + 1) * classes));
  } finally {
    await session.release();
  }
}
