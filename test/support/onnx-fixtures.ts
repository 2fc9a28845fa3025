// Small deterministic ONNX models with exactly the production signatures, built in TypeScript with
// onnx-proto and run by the real onnxruntime-node in tests. Weights come from a seeded PRNG, so the
// same seed gives byte-identical files (and sha256s) on every machine; the weights are returned too,
// so tests can compute expected outputs independently in plain TypeScript.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  type ClipModelSpec,
  type CnnModelSpec,
  type ModelFile,
  type ModelManifest,
} from '../../src/inference/model-manifest.js';
import { type PreprocessSpec } from '../../src/imaging/preprocess-spec.js';
import { int64ToNumber, onnx } from '../../src/inference/onnx-proto.js';
import { PROJECT_ROOT } from '../../src/paths.js';

const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

// ---------------------------------------------------------------------------------------------
// Shared assets at ../shared (absent in a fresh clone: tests using them skip with a message).

export const SHARED_MODELS_DIR = join(PROJECT_ROOT, '..', 'shared', 'models');
export const SHARED_MOBILENET_PATH = join(SHARED_MODELS_DIR, 'mobilenetv2-12-int8.onnx');
export const SHARED_CLIP_TOKENIZER_DIR = join(SHARED_MODELS_DIR, 'clip-tokenizer');
export const SHARED_IMAGES_DIR = join(PROJECT_ROOT, '..', 'shared', 'images');
export const sharedMobileNetAvailable = existsSync(SHARED_MOBILENET_PATH);
export const sharedClipTokenizerAvailable = existsSync(join(SHARED_CLIP_TOKENIZER_DIR, 'tokenizer.json'));

// ---------------------------------------------------------------------------------------------
// Signatures and sizes.

export const IMAGE_SIZE = 224;
export const CLIP_EMBEDDING_DIMENSION = 512;
export const CLIP_CONTEXT_LENGTH = 77;
export const TEST_CNN_EMBEDDING_DIMENSION = 64;
export const TEST_CNN_CLASSES = 1000;
/** The test CNN's Conv: kernel = stride, so each output pixel sees one 8×8 patch. */
export const TEST_CNN_PATCH = 8;
/** The test CLIP vision tower averages 28×28 regions: an 8×8 grid of mean colours. */
export const TEST_CLIP_VISION_REGION = 28;
/** Token ids are taken modulo this before the embedding lookup, keeping the table small. */
export const TEST_CLIP_TEXT_BUCKETS = 1024;
export const TEST_CLIP_TEXT_WIDTH = 64;

// ---------------------------------------------------------------------------------------------
// Deterministic weights.

/** mulberry32: a tiny, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` values uniform in [-scale, scale). */
export function uniformWeights(random: () => number, count: number, scale: number): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = (random() * 2 - 1) * scale;
  return values;
}

// ---------------------------------------------------------------------------------------------
// Graph building blocks (also used by specs to build one-off graphs).

function littleEndianBytes(byteLength: number, write: (view: DataView) => void): Uint8Array {
  const bytes = new Uint8Array(byteLength);
  write(new DataView(bytes.buffer));
  return bytes;
}

/** A float32 initializer; ONNX raw_data is little-endian whatever the host. */
export function floatTensor(name: string, dims: readonly number[], values: Float32Array): onnx.ITensorProto {
  const rawData = littleEndianBytes(values.length * 4, (view) =>
    values.forEach((value, i) => view.setFloat32(i * 4, value, true)),
  );
  return { name, dataType: DataType.FLOAT, dims: [...dims], rawData };
}

export function int64Tensor(
  name: string,
  dims: readonly number[],
  values: readonly number[],
): onnx.ITensorProto {
  const rawData = littleEndianBytes(values.length * 8, (view) =>
    values.forEach((value, i) => view.setBigInt64(i * 8, BigInt(value), true)),
  );
  return { name, dataType: DataType.INT64, dims: [...dims], rawData };
}

export function uint8Tensor(
  name: string,
  dims: readonly number[],
  values: readonly number[],
): onnx.ITensorProto {
  return { name, dataType: DataType.UINT8, dims: [...dims], rawData: Uint8Array.from(values) };
}

export type AttributeValue = number | readonly number[];

/** A node; integer attributes only (`number` → INT, `number[]` → INTS), which is all these graphs need. */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes: Readonly<Record<string, AttributeValue>> = {},
  domain = '',
): onnx.INodeProto {
  const attribute = Object.entries(attributes).map(([name, value]): onnx.IAttributeProto =>
    typeof value === 'number'
      ? { name, type: AttributeType.INT, i: value }
      : { name, type: AttributeType.INTS, ints: [...value] },
  );
  return {
    opType,
    domain,
    name: `${opType}_${outputs[0] ?? ''}`,
    input: [...inputs],
    output: [...outputs],
    attribute,
  };
}

/** A tensor's declared type; string dimensions are symbolic (`'N'` for the batch). */
export function tensorInfo(
  name: string,
  elemType: number,
  dims: readonly (number | string)[],
): onnx.IValueInfoProto {
  const dim = dims.map((d): onnx.TensorShapeProto.IDimension =>
    typeof d === 'number' ? { dimValue: d } : { dimParam: d },
  );
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/** IR 7 and opset 13: old enough for any onnxruntime in use, new enough for int64 Mod and axes-as-input. */
export function encodeModel(
  graph: onnx.IGraphProto,
  opsetImport: onnx.IOperatorSetIdProto[] = [{ domain: '', version: 13 }],
): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 7,
    producerName: 'product-recommender test fixtures',
    opsetImport,
    graph,
  }).finish();
}

/**
 * The values of a decoded initializer as numbers, whichever of raw_data or the typed fields holds
 * them (small scalars are often in float_data / int32_data; 8-bit ints live in int32_data then).
 */
export function tensorValues(tensor: onnx.ITensorProto): number[] {
  const raw = tensor.rawData;
  if (raw && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    switch (tensor.dataType) {
      case DataType.FLOAT:
        return Array.from({ length: raw.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
      case DataType.UINT8:
        return Array.from(raw);
      case DataType.INT8:
        return Array.from({ length: raw.length }, (_, i) => view.getInt8(i));
      case DataType.INT32:
        return Array.from({ length: raw.length / 4 }, (_, i) => view.getInt32(i * 4, true));
      case DataType.INT64:
        return Array.from({ length: raw.length / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
      default:
        throw new Error(`tensorValues: data type ${tensor.dataType} is not handled`);
    }
  }
  if (tensor.floatData && tensor.floatData.length > 0) return [...tensor.floatData];
  if (tensor.int32Data && tensor.int32Data.length > 0) return [...tensor.int32Data];
  return (tensor.int64Data ?? []).map((value) => int64ToNumber(value));
}

export interface GeneratedModelFile {
  /** Absolute path of the written file. */
  path: string;
  sha256: string;
  bytes: number;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function writeModelFile(path: string, model: Uint8Array): Promise<GeneratedModelFile> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, model);
  return { path, sha256: sha256Hex(model), bytes: model.byteLength };
}

// ---------------------------------------------------------------------------------------------
// CNN classifier: input [N,3,224,224] → Conv 8×8/8 → Relu → GlobalAveragePool → Flatten → Gemm → output [N,1000].

export interface TestCnnWeights {
  /** [D, 3, 8, 8] */
  conv: Float32Array;
  /** [D] */
  convBias: Float32Array;
  /** [1000, D]: torchvision's Linear layout, hence Gemm transB=1. */
  fc: Float32Array;
  /** [1000] */
  fcBias: Float32Array;
}

/** `dimension`: the features' width (the embedding's); above 2000 the service stores them as halfvec. */
export function testCnnWeights(seed = 1, dimension = TEST_CNN_EMBEDDING_DIMENSION): TestCnnWeights {
  const random = seededRandom(seed);
  const D = dimension;
  const fanIn = 3 * TEST_CNN_PATCH * TEST_CNN_PATCH;
  return {
    conv: uniformWeights(random, D * fanIn, 1 / Math.sqrt(fanIn)),
    convBias: uniformWeights(random, D, 0.1),
    fc: uniformWeights(random, TEST_CNN_CLASSES * D, 1 / Math.sqrt(D)),
    fcBias: uniformWeights(random, TEST_CNN_CLASSES, 0.1),
  };
}

/** Names inside the test CNN, for tests that look at the graph. */
export const TEST_CNN_FEATURES = 'features';

export function buildTestCnnModel(weights: TestCnnWeights = testCnnWeights()): Uint8Array {
  const D = weights.convBias.length;
  const P = TEST_CNN_PATCH;
  return encodeModel({
    name: 'test-cnn',
    input: [tensorInfo('input', DataType.FLOAT, ['N', 3, IMAGE_SIZE, IMAGE_SIZE])],
    output: [tensorInfo('output', DataType.FLOAT, ['N', TEST_CNN_CLASSES])],
    initializer: [
      floatTensor('conv.weight', [D, 3, P, P], weights.conv),
      floatTensor('conv.bias', [D], weights.convBias),
      floatTensor('fc.weight', [TEST_CNN_CLASSES, D], weights.fc),
      floatTensor('fc.bias', [TEST_CNN_CLASSES], weights.fcBias),
    ],
    node: [
      node('Conv', ['input', 'conv.weight', 'conv.bias'], ['conv'], {
        kernel_shape: [P, P],
        strides: [P, P],
      }),
      node('Relu', ['conv'], ['relu']),
      node('GlobalAveragePool', ['relu'], ['pooled']),
      node('Flatten', ['pooled'], [TEST_CNN_FEATURES], { axis: 1 }),
      node('Gemm', [TEST_CNN_FEATURES, 'fc.weight', 'fc.bias'], ['output'], { transB: 1 }),
    ],
  });
}

/** Writes `directory/fileName` (default `test-cnn.onnx`). */
export async function writeTestCnnModel(
  directory: string,
  {
    fileName = 'test-cnn.onnx',
    weights = testCnnWeights(),
  }: { fileName?: string; weights?: TestCnnWeights } = {},
): Promise<GeneratedModelFile> {
  return writeModelFile(join(directory, fileName), buildTestCnnModel(weights));
}

// ---------------------------------------------------------------------------------------------
// CLIP vision: pixel_values [N,3,224,224] → AveragePool 28×28/28 → Flatten [N,192] → MatMul → image_embeds [N,512].
// Linear in the 8×8 grid of mean colours: similar images embed close, other colours or layouts apart.

export interface TestClipVisionWeights {
  /** [192, 512] */
  projection: Float32Array;
}

export const TEST_CLIP_VISION_FEATURES = 3 * (IMAGE_SIZE / TEST_CLIP_VISION_REGION) ** 2;

export function testClipVisionWeights(seed = 2): TestClipVisionWeights {
  const random = seededRandom(seed);
  return {
    projection: uniformWeights(
      random,
      TEST_CLIP_VISION_FEATURES * CLIP_EMBEDDING_DIMENSION,
      1 / Math.sqrt(TEST_CLIP_VISION_FEATURES),
    ),
  };
}

export function buildTestClipVisionModel(
  weights: TestClipVisionWeights = testClipVisionWeights(),
): Uint8Array {
  const R = TEST_CLIP_VISION_REGION;
  return encodeModel({
    name: 'test-clip-vision',
    input: [tensorInfo('pixel_values', DataType.FLOAT, ['N', 3, IMAGE_SIZE, IMAGE_SIZE])],
    output: [tensorInfo('image_embeds', DataType.FLOAT, ['N', CLIP_EMBEDDING_DIMENSION])],
    initializer: [
      floatTensor('visual.proj', [TEST_CLIP_VISION_FEATURES, CLIP_EMBEDDING_DIMENSION], weights.projection),
    ],
    node: [
      node('AveragePool', ['pixel_values'], ['regions'], { kernel_shape: [R, R], strides: [R, R] }),
      node('Flatten', ['regions'], ['region_colours'], { axis: 1 }),
      node('MatMul', ['region_colours', 'visual.proj'], ['image_embeds']),
    ],
  });
}

/** Writes `directory/fileName` (default `vision.onnx`). */
export async function writeTestClipVisionModel(
  directory: string,
  {
    fileName = 'vision.onnx',
    weights = testClipVisionWeights(),
  }: { fileName?: string; weights?: TestClipVisionWeights } = {},
): Promise<GeneratedModelFile> {
  return writeModelFile(join(directory, fileName), buildTestClipVisionModel(weights));
}

// ---------------------------------------------------------------------------------------------
// CLIP text: input_ids int64 [N,77] (+ attention_mask int64 [N,77]) → Mod 1024 → Gather from a
// [1024, 64] table → mean over the unmasked positions → MatMul → text_embeds [N,512].

export interface TestClipTextWeights {
  /** [TEST_CLIP_TEXT_BUCKETS, TEST_CLIP_TEXT_WIDTH] */
  tokenEmbedding: Float32Array;
  /** [TEST_CLIP_TEXT_WIDTH, 512] */
  projection: Float32Array;
}

export function testClipTextWeights(seed = 3): TestClipTextWeights {
  const random = seededRandom(seed);
  return {
    tokenEmbedding: uniformWeights(random, TEST_CLIP_TEXT_BUCKETS * TEST_CLIP_TEXT_WIDTH, 1),
    projection: uniformWeights(
      random,
      TEST_CLIP_TEXT_WIDTH * CLIP_EMBEDDING_DIMENSION,
      1 / Math.sqrt(TEST_CLIP_TEXT_WIDTH),
    ),
  };
}

export interface TestClipTextOptions {
  /** Without it the model has only `input_ids` and averages all 77 positions (manifest `attentionMask: null`). */
  attentionMask?: boolean;
}

export function buildTestClipTextModel(
  weights: TestClipTextWeights = testClipTextWeights(),
  { attentionMask = true }: TestClipTextOptions = {},
): Uint8Array {
  const ids = tensorInfo('input_ids', DataType.INT64, ['N', CLIP_CONTEXT_LENGTH]);
  const mask = tensorInfo('attention_mask', DataType.INT64, ['N', CLIP_CONTEXT_LENGTH]);
  const lookup = [
    node('Mod', ['input_ids', 'buckets'], ['bucket_ids']),
    node('Gather', ['token_embedding', 'bucket_ids'], ['token_vectors'], { axis: 0 }),
  ];
  const pooling = attentionMask
    ? [
        node('Cast', ['attention_mask'], ['mask_float'], { to: DataType.FLOAT }),
        node('Unsqueeze', ['mask_float', 'last_axis'], ['mask_column']),
        node('Mul', ['token_vectors', 'mask_column'], ['masked_vectors']),
        node('ReduceSum', ['masked_vectors', 'sequence_axis'], ['vector_sum'], { keepdims: 0 }),
        node('ReduceSum', ['mask_float', 'sequence_axis'], ['token_count'], { keepdims: 1 }),
        node('Div', ['vector_sum', 'token_count'], ['text_features']),
      ]
    : [node('ReduceMean', ['token_vectors'], ['text_features'], { axes: [1], keepdims: 0 })];
  return encodeModel({
    name: 'test-clip-text',
    input: attentionMask ? [ids, mask] : [ids],
    output: [tensorInfo('text_embeds', DataType.FLOAT, ['N', CLIP_EMBEDDING_DIMENSION])],
    initializer: [
      int64Tensor('buckets', [], [TEST_CLIP_TEXT_BUCKETS]),
      ...(attentionMask ? [int64Tensor('sequence_axis', [1], [1]), int64Tensor('last_axis', [1], [2])] : []),
      floatTensor('token_embedding', [TEST_CLIP_TEXT_BUCKETS, TEST_CLIP_TEXT_WIDTH], weights.tokenEmbedding),
      floatTensor('text.proj', [TEST_CLIP_TEXT_WIDTH, CLIP_EMBEDDING_DIMENSION], weights.projection),
    ],
    node: [...lookup, ...pooling, node('MatMul', ['text_features', 'text.proj'], ['text_embeds'])],
  });
}

/** Writes `directory/fileName` (default `text.onnx`). */
export async function writeTestClipTextModel(
  directory: string,
  {
    fileName = 'text.onnx',
    weights = testClipTextWeights(),
    ...options
  }: TestClipTextOptions & { fileName?: string; weights?: TestClipTextWeights } = {},
): Promise<GeneratedModelFile> {
  return writeModelFile(join(directory, fileName), buildTestClipTextModel(weights, options));
}

// ---------------------------------------------------------------------------------------------
// Synthetic inputs, and the generated models computed directly in plain TypeScript.

const PLANE = IMAGE_SIZE * IMAGE_SIZE;

/** `count` smooth, different images, image i of the batch being pattern `first + i`. */
export function syntheticImageBatch(count: number, first = 0): Float32Array {
  const batch = new Float32Array(count * 3 * PLANE);
  for (let n = 0; n < count; n++) {
    const pattern = first + n;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < IMAGE_SIZE; y++) {
        for (let x = 0; x < IMAGE_SIZE; x++) {
          batch[(n * 3 + c) * PLANE + y * IMAGE_SIZE + x] =
            1.5 * Math.sin((x * (c + 1) + y * (pattern + 1)) / 23) +
            0.5 * Math.cos((x - y) / (11 + 7 * pattern));
        }
      }
    }
  }
  return batch;
}

export type Rgb = readonly [number, number, number];

/** One normalised NCHW image [3,224,224] whose pixel (x, y) is `paint(x, y)`, plus optional seeded noise. */
export function paintedImage(
  paint: (x: number, y: number) => Rgb,
  noise?: { seed: number; amplitude: number },
): Float32Array {
  const image = new Float32Array(3 * PLANE);
  const random = noise ? seededRandom(noise.seed) : null;
  for (let y = 0; y < IMAGE_SIZE; y++) {
    for (let x = 0; x < IMAGE_SIZE; x++) {
      const rgb = paint(x, y);
      for (let c = 0; c < 3; c++) {
        const jitter = random && noise ? (random() * 2 - 1) * noise.amplitude : 0;
        image[c * PLANE + y * IMAGE_SIZE + x] = rgb[c]! + jitter;
      }
    }
  }
  return image;
}

/** Single images concatenated into one NCHW batch. */
export function imageBatch(images: readonly Float32Array[]): Float32Array {
  const batch = new Float32Array(images.reduce((total, image) => total + image.length, 0));
  let offset = 0;
  for (const image of images) {
    batch.set(image, offset);
    offset += image.length;
  }
  return batch;
}

/** The test CNN's Conv 8×8/8 → Relu → GlobalAveragePool: [count, 64] features. */
export function testCnnReferenceFeatures(
  weights: TestCnnWeights,
  images: Float32Array,
  count: number,
): Float64Array {
  const D = TEST_CNN_EMBEDDING_DIMENSION;
  const P = TEST_CNN_PATCH;
  const grid = IMAGE_SIZE / P;
  const features = new Float64Array(count * D);
  for (let n = 0; n < count; n++) {
    for (let d = 0; d < D; d++) {
      let sum = 0;
      for (let gy = 0; gy < grid; gy++) {
        for (let gx = 0; gx < grid; gx++) {
          let activation = weights.convBias[d]!;
          for (let c = 0; c < 3; c++) {
            for (let ky = 0; ky < P; ky++) {
              for (let kx = 0; kx < P; kx++) {
                const pixel = images[(n * 3 + c) * PLANE + (gy * P + ky) * IMAGE_SIZE + gx * P + kx]!;
                activation += weights.conv[((d * 3 + c) * P + ky) * P + kx]! * pixel;
              }
            }
          }
          sum += Math.max(0, activation);
        }
      }
      features[n * D + d] = sum / (grid * grid);
    }
  }
  return features;
}

/** The test CLIP vision tower: [count, 512] image_embeds (not normalised). */
export function testClipVisionReference(
  weights: TestClipVisionWeights,
  images: Float32Array,
  count: number,
): Float64Array {
  const R = TEST_CLIP_VISION_REGION;
  const grid = IMAGE_SIZE / R;
  const embeds = new Float64Array(count * CLIP_EMBEDDING_DIMENSION);
  for (let n = 0; n < count; n++) {
    const regions: number[] = [];
    for (let c = 0; c < 3; c++) {
      for (let gy = 0; gy < grid; gy++) {
        for (let gx = 0; gx < grid; gx++) {
          let sum = 0;
          for (let y = gy * R; y < (gy + 1) * R; y++) {
            for (let x = gx * R; x < (gx + 1) * R; x++)
              sum += images[(n * 3 + c) * PLANE + y * IMAGE_SIZE + x]!;
          }
          regions.push(sum / (R * R));
        }
      }
    }
    for (let j = 0; j < CLIP_EMBEDDING_DIMENSION; j++) {
      let value = 0;
      regions.forEach(
        (region, i) => (value += region * weights.projection[i * CLIP_EMBEDDING_DIMENSION + j]!),
      );
      embeds[n * CLIP_EMBEDDING_DIMENSION + j] = value;
    }
  }
  return embeds;
}

/** The test CLIP text tower for one token window: [512] text_embeds (not normalised); no mask = all positions. */
export function testClipTextReference(
  weights: TestClipTextWeights,
  inputIds: readonly number[],
  attentionMask: readonly number[] | null,
): Float64Array {
  const W = TEST_CLIP_TEXT_WIDTH;
  const pooled = new Float64Array(W);
  let tokens = 0;
  inputIds.forEach((id, position) => {
    if (attentionMask && attentionMask[position] === 0) return;
    tokens++;
    const row = (id % TEST_CLIP_TEXT_BUCKETS) * W;
    for (let k = 0; k < W; k++) pooled[k]! += weights.tokenEmbedding[row + k]!;
  });
  const embeds = new Float64Array(CLIP_EMBEDDING_DIMENSION);
  for (let j = 0; j < CLIP_EMBEDDING_DIMENSION; j++) {
    for (let k = 0; k < W; k++)
      embeds[j]! += (pooled[k]! / tokens) * weights.projection[k * CLIP_EMBEDDING_DIMENSION + j]!;
  }
  return embeds;
}

/** Cosine similarity of two vectors (normalised or not). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(aa * bb);
}

/** The largest absolute difference between two equally long arrays (Infinity when lengths differ). */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** L2 norm, for asserting unit length. */
export function l2Norm(vector: ArrayLike<number>): number {
  let squares = 0;
  for (let i = 0; i < vector.length; i++) squares += vector[i]! * vector[i]!;
  return Math.sqrt(squares);
}

// ---------------------------------------------------------------------------------------------
// Tokenizer files: the real CLIP tokenizer from ../shared, or a minimal stand-in.

/**
 * A minimal valid `tokenizer.json` in CLIP's shape (BPE model, RobertaProcessing with
 * <|startoftext|>/<|endoftext|>): a few whole words with CLIP's real ids ("a photo of a cat" encodes
 * as with the real tokenizer) and single letters/digits for everything else. Lets the generated-model
 * tests run in a fresh clone without ../shared; tokenizer-semantics tests need the real files.
 */
export function minimalClipTokenizerJson(): Record<string, unknown> {
  const words: Record<string, number> = {
    a: 320,
    photo: 1125,
    of: 539,
    cat: 2368,
    dog: 1929,
    red: 736,
    blue: 1746,
  };
  const letters = Object.fromEntries([...'abcdefghijklmnopqrstuvwxyz'].map((letter, i) => [letter, 64 + i]));
  const digits = Object.fromEntries([...'0123456789'].map((digit, i) => [digit, 15 + i]));
  const special = (id: number, content: string, normalized: boolean): Record<string, unknown> => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(49406, '<|startoftext|>', true), special(49407, '<|endoftext|>', false)],
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: {
      type: 'RobertaProcessing',
      sep: ['<|endoftext|>', 49407],
      cls: ['<|startoftext|>', 49406],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: null,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<|endoftext|>',
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      // Whole words are looked up directly; with no merges anything else falls apart into letters.
      ignore_merges: true,
      vocab: { ...letters, ...digits, ...words, '<|startoftext|>': 49406, '<|endoftext|>': 49407 },
      merges: [],
    },
  };
}

/** The fields of CLIP's tokenizer_config.json the code reads (pad = eos = <|endoftext|>). */
export function minimalClipTokenizerConfig(): Record<string, unknown> {
  return {
    bos_token: '<|startoftext|>',
    eos_token: '<|endoftext|>',
    pad_token: '<|endoftext|>',
    unk_token: '<|endoftext|>',
    model_max_length: CLIP_CONTEXT_LENGTH,
    tokenizer_class: 'CLIPTokenizer',
  };
}

export type TokenizerSource = 'shared' | 'minimal';

/** Writes tokenizer.json and tokenizer_config.json into `directory`: symlinks to ../shared when present. */
export async function writeClipTokenizerFiles(
  directory: string,
  source: TokenizerSource = sharedClipTokenizerAvailable ? 'shared' : 'minimal',
): Promise<{ tokenizer: GeneratedModelFile; config: GeneratedModelFile; source: TokenizerSource }> {
  await mkdir(directory, { recursive: true });
  const tokenizerPath = join(directory, 'tokenizer.json');
  const configPath = join(directory, 'tokenizer_config.json');
  if (source === 'shared') {
    await symlink(join(SHARED_CLIP_TOKENIZER_DIR, 'tokenizer.json'), tokenizerPath);
    await symlink(join(SHARED_CLIP_TOKENIZER_DIR, 'tokenizer_config.json'), configPath);
  } else {
    await writeFile(tokenizerPath, JSON.stringify(minimalClipTokenizerJson()));
    await writeFile(configPath, JSON.stringify(minimalClipTokenizerConfig()));
  }
  const describeFile = async (path: string): Promise<GeneratedModelFile> => {
    const bytes = await readFile(path);
    return { path, sha256: sha256Hex(bytes), bytes: bytes.byteLength };
  };
  return { tokenizer: await describeFile(tokenizerPath), config: await describeFile(configPath), source };
}

// ---------------------------------------------------------------------------------------------
// A models directory with a manifest, as the service reads it.

export const IMAGENET_PREPROCESS: PreprocessSpec = {
  resizeShortSide: 256,
  interpolation: 'bilinear',
  cropSize: IMAGE_SIZE,
  rescale: 1 / 255,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  channelOrder: 'RGB',
  layout: 'NCHW',
};

export const CLIP_PREPROCESS: PreprocessSpec = {
  resizeShortSide: IMAGE_SIZE,
  interpolation: 'bicubic',
  cropSize: IMAGE_SIZE,
  rescale: 1 / 255,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
  channelOrder: 'RGB',
  layout: 'NCHW',
};

export interface TestModels {
  modelsDir: string;
  manifestPath: string;
  manifest: ModelManifest;
  cnn: CnnModelSpec;
  clip: ClipModelSpec;
  tokenizerSource: TokenizerSource;
  weights: { cnn: TestCnnWeights; clipVision: TestClipVisionWeights; clipText: TestClipTextWeights };
}

export interface TestModelsOptions {
  tokenizer?: TokenizerSource;
  /** Writes the text tower without `attention_mask` and sets `attentionMask: null` in the manifest. */
  textAttentionMask?: boolean;
  /** The test CNN's embedding dimension (default TEST_CNN_EMBEDDING_DIMENSION). */
  cnnDimension?: number;
}

/** A fresh temporary directory for generated models; the caller removes it (`rm(dir, { recursive: true })`). */
export async function createTempModelsDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'recommender-models-'));
}

/**
 * Writes `test-cnn` and `test-clip` (vision, text, tokenizer files) into `modelsDir` and a
 * `manifest.json` describing them with their sha256, in the schema of models/manifest.json.
 */
export async function writeTestModels(
  modelsDir: string,
  options: TestModelsOptions = {},
): Promise<TestModels> {
  const weights = {
    cnn: testCnnWeights(1, options.cnnDimension),
    clipVision: testClipVisionWeights(),
    clipText: testClipTextWeights(),
  };
  const attentionMask = options.textAttentionMask ?? true;
  const clipDir = join(modelsDir, 'test-clip');
  const cnnFile = await writeTestCnnModel(modelsDir, { weights: weights.cnn });
  const visionFile = await writeTestClipVisionModel(clipDir, { weights: weights.clipVision });
  const textFile = await writeTestClipTextModel(clipDir, { weights: weights.clipText, attentionMask });
  const tokenizer = await writeClipTokenizerFiles(clipDir, options.tokenizer);
  const entry = (relativePath: string, file: GeneratedModelFile): ModelFile => ({
    path: relativePath,
    sha256: file.sha256,
    bytes: file.bytes,
  });

  const cnn: CnnModelSpec = {
    id: 'test-cnn',
    version: '1',
    kind: 'cnn',
    space: 'IMAGE',
    description: 'Generated test CNN: Conv 8×8/8 → Relu → GlobalAveragePool → Flatten → Gemm.',
    dimension: weights.cnn.convBias.length,
    file: entry('test-cnn.onnx', cnnFile),
    input: 'input',
    output: 'output',
    preprocess: IMAGENET_PREPROCESS,
  };
  const clip: ClipModelSpec = {
    id: 'test-clip',
    version: '1',
    kind: 'clip',
    space: 'CLIP',
    description: 'Generated test CLIP towers with the signatures of openai/clip-vit-base-patch32 exports.',
    dimension: CLIP_EMBEDDING_DIMENSION,
    logitScale: 100,
    vision: {
      file: entry('test-clip/vision.onnx', visionFile),
      input: 'pixel_values',
      output: 'image_embeds',
      preprocess: CLIP_PREPROCESS,
    },
    text: {
      file: entry('test-clip/text.onnx', textFile),
      inputIds: 'input_ids',
      attentionMask: attentionMask ? 'attention_mask' : null,
      output: 'text_embeds',
      tokenizer: {
        files: {
          tokenizer: entry('test-clip/tokenizer.json', tokenizer.tokenizer),
          config: entry('test-clip/tokenizer_config.json', tokenizer.config),
        },
        contextLength: CLIP_CONTEXT_LENGTH,
      },
    },
  };
  const manifest: ModelManifest = { models: [cnn, clip] };
  const manifestPath = join(modelsDir, 'manifest.json');
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { modelsDir, manifestPath, manifest, cnn, clip, tokenizerSource: tokenizer.source, weights };
}
