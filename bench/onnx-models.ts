// Architecture-cost stand-ins for the production models, generated with onnx-proto the way
// test/support/onnx-fixtures.ts builds its small graphs: a ResNet-50 v1 (the ONNX Model Zoo's
// resnet50-v1-7 layer structure and signature) and a CLIP ViT-B/32 vision tower (the Xenova export's
// signature), both with RANDOM weights from a seeded PRNG. They cost what the real models cost to
// run (same layers, shapes and FLOPs) but their embeddings mean nothing; the report says so.
//
// Files are written once into a cache directory and reused; a manifest in the schema of
// models/manifest.json, with the sha256 of the files actually written, points the service at them.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  type ClipModelSpec,
  type CnnModelSpec,
  type ModelManifest,
} from '../src/inference/model-manifest.js';
import { onnx } from '../src/inference/onnx-proto.js';
import {
  CLIP_PREPROCESS,
  IMAGENET_PREPROCESS,
  encodeModel,
  int64Tensor,
  node,
  seededRandom,
  sharedClipTokenizerAvailable,
  tensorInfo,
  writeClipTokenizerFiles,
  writeTestClipTextModel,
} from '../test/support/onnx-fixtures.js';

const { DataType } = onnx.TensorProto;

/** Bump when a generator changes: cached files of another version are rebuilt. */
const GENERATOR_VERSION = 3;

export const CNN_MODEL_ID = 'resnet50-v1-7';
export const CLIP_MODEL_ID = 'clip-vit-base-patch32';

/** A float32 initializer from a little-endian host's bytes (no per-value copy: these are ~100M values). */
function floatInitializer(name: string, dims: readonly number[], values: Float32Array): onnx.ITensorProto {
  return {
    name,
    dataType: DataType.FLOAT,
    dims: [...dims],
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  };
}

/** Approximately normal values (sum of uniforms) with the given standard deviation. */
function normalWeights(random: () => number, count: number, std: number): Float32Array {
  const values = new Float32Array(count);
  // Irwin–Hall with 4 uniforms: variance 4/12, cheap and smooth enough for weights.
  const scale = std * Math.sqrt(3);
  for (let i = 0; i < count; i++) values[i] = (random() + random() + random() + random() - 2) * scale;
  return values;
}

function constant(count: number, value: number): Float32Array {
  return new Float32Array(count).fill(value);
}

class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  weight(name: string, dims: readonly number[], std: number): string {
    const count = dims.reduce((a, b) => a * b, 1);
    this.initializers.push(floatInitializer(name, dims, normalWeights(this.random, count, std)));
    return name;
  }

  fill(name: string, dims: readonly number[], value: number): string {
    const count = dims.reduce((a, b) => a * b, 1);
    this.initializers.push(floatInitializer(name, dims, constant(count, value)));
    return name;
  }

  ints(name: string, values: readonly number[]): string {
    this.initializers.push(int64Tensor(name, [values.length], values));
    return name;
  }

  add(
    opType: string,
    inputs: readonly string[],
    output: string,
    attributes: Record<string, number | readonly number[]> = {},
  ): string {
    this.nodes.push(node(opType, inputs, [output], attributes));
    return output;
  }
}

// ---------------------------------------------------------------------------------------------
// ResNet-50 v1 (Gluon resnet50_v1 as exported to the zoo's resnet50-v1-7): 7×7/2 conv 64, 3×3/2 max
// pool, bottleneck stages of 3/4/6/3 blocks (1×1 reduce with the stage's stride — v1 strides in
// the first 1×1 — then 3×3, then 1×1 expand ×4; projection shortcut in each stage's first block),
// global average pool, flatten, Gemm 2048→1000. Batch norms are folded into the convolutions'
// biases, which is what onnxruntime does to the real graph at load time (Conv+BatchNormalization
// fusion), so the cost is the same.

export function buildResNet50(seed = 50): Uint8Array {
  const g = new GraphBuilder(seed);
  let convIndex = 0;
  const conv = (
    input: string,
    inChannels: number,
    outChannels: number,
    kernel: number,
    stride: number,
    relu: boolean,
    gain = 1,
  ): string => {
    const name = `resnetv17_conv${convIndex++}`;
    const fanIn = inChannels * kernel * kernel;
    const weight = g.weight(
      `${name}_weight`,
      [outChannels, inChannels, kernel, kernel],
      gain * Math.sqrt(2 / fanIn),
    );
    const bias = g.fill(`${name}_bias`, [outChannels], 0.01);
    const pad = Math.floor(kernel / 2);
    const out = g.add('Conv', [input, weight, bias], `${name}_fwd`, {
      kernel_shape: [kernel, kernel],
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
    });
    return relu ? g.add('Relu', [out], `${name}_relu`) : out;
  };

  let x = conv('data', 3, 64, 7, 2, true);
  x = g.add('MaxPool', [x], 'resnetv17_pool0_fwd', {
    kernel_shape: [3, 3],
    strides: [2, 2],
    pads: [1, 1, 1, 1],
  });
  let channels = 64;
  const stages = [
    { blocks: 3, width: 64, stride: 1 },
    { blocks: 4, width: 128, stride: 2 },
    { blocks: 6, width: 256, stride: 2 },
    { blocks: 3, width: 512, stride: 2 },
  ];
  stages.forEach((stage, stageIndex) => {
    for (let block = 0; block < stage.blocks; block++) {
      const stride = block === 0 ? stage.stride : 1;
      const out = stage.width * 4;
      const reduced = conv(x, channels, stage.width, 1, stride, true);
      const spatial = conv(reduced, stage.width, stage.width, 3, 1, true);
      // Small gain on the last conv of a residual branch keeps activations bounded over 16 blocks.
      const expanded = conv(spatial, stage.width, out, 1, 1, false, 0.2);
      const shortcut = block === 0 ? conv(x, channels, out, 1, stride, false) : x;
      const sum = g.add('Add', [expanded, shortcut], `resnetv17_stage${stageIndex + 1}_add${block}`);
      x = g.add('Relu', [sum], `resnetv17_stage${stageIndex + 1}_activation${block}`);
      channels = out;
    }
  });
  const pooled = g.add('GlobalAveragePool', [x], 'resnetv17_pool1_fwd');
  const flat = g.add('Flatten', [pooled], 'resnetv17_flatten0', { axis: 1 });
  const fcWeight = g.weight('resnetv17_dense0_weight', [1000, 2048], 1 / Math.sqrt(2048));
  const fcBias = g.fill('resnetv17_dense0_bias', [1000], 0);
  g.add('Gemm', [flat, fcWeight, fcBias], 'resnetv17_dense0_fwd', { transB: 1 });
  return encodeModel({
    name: 'resnet50-v1-shaped (random weights)',
    input: [tensorInfo('data', DataType.FLOAT, ['N', 3, 224, 224])],
    output: [tensorInfo('resnetv17_dense0_fwd', DataType.FLOAT, ['N', 1000])],
    initializer: g.initializers,
    node: g.nodes,
  });
}

// ---------------------------------------------------------------------------------------------
// CLIP ViT-B/32 vision tower (openai/clip-vit-base-patch32 as exported by Xenova): 32×32/32 patch
// conv to width 768 (no bias) → 49 tokens, a class token in front, position embeddings, pre-LN;
// 12 pre-LN transformer blocks (12 heads of 64, separate q/k/v projections with bias, output
// projection, MLP 768→3072→768 with QuickGELU); post-LN of the class token; projection 768→512
// without bias → image_embeds.

const WIDTH = 768;
const HEADS = 12;
const HEAD_DIM = WIDTH / HEADS;
const TOKENS = 50;
const MLP = 3072;

export function buildClipVitB32Vision(seed = 32): Uint8Array {
  const g = new GraphBuilder(seed);
  const layerNorm = (input: string, name: string): string => {
    const scale = g.fill(`${name}.weight`, [WIDTH], 1);
    const bias = g.fill(`${name}.bias`, [WIDTH], 0);
    return g.add('LayerNormalization', [input, scale, bias], `${name}_out`, { axis: -1 });
  };
  const linear = (input: string, name: string, inDim: number, outDim: number, withBias = true): string => {
    const weight = g.weight(`${name}.weight`, [inDim, outDim], 1 / Math.sqrt(inDim));
    const product = g.add('MatMul', [input, weight], `${name}_matmul`);
    if (!withBias) return product;
    const bias = g.fill(`${name}.bias`, [outDim], 0);
    return g.add('Add', [product, bias], `${name}_out`);
  };

  const patchWeight = g.weight('vision_model.embeddings.patch_embedding.weight', [WIDTH, 3, 32, 32], 0.02);
  const patches = g.add('Conv', ['pixel_values', patchWeight], 'patch_embeds', {
    kernel_shape: [32, 32],
    strides: [32, 32],
  });
  const flatPatches = g.add('Reshape', [patches, g.ints('patch_shape', [0, WIDTH, 49])], 'patch_flat');
  const tokens = g.add('Transpose', [flatPatches], 'patch_tokens', { perm: [0, 2, 1] });
  // The class token, broadcast to the batch: [N, 1, 768].
  const batch = g.add(
    'Gather',
    [g.add('Shape', ['pixel_values'], 'input_shape'), g.ints('zero', [0])],
    'batch',
  );
  const classShape = g.add('Concat', [batch, g.ints('class_tail', [1, WIDTH])], 'class_shape', { axis: 0 });
  const classEmbedding = g.weight('vision_model.embeddings.class_embedding', [1, 1, WIDTH], 0.02);
  const classTokens = g.add('Expand', [classEmbedding, classShape], 'class_tokens');
  const sequence = g.add('Concat', [classTokens, tokens], 'embeddings', { axis: 1 });
  const positions = g.weight('vision_model.embeddings.position_embedding.weight', [TOKENS, WIDTH], 0.02);
  let x = g.add('Add', [sequence, positions], 'embeddings_positioned');
  x = layerNorm(x, 'vision_model.pre_layrnorm');

  const headsShape = g.ints('heads_shape', [0, 0, HEADS, HEAD_DIM]);
  const widthShape = g.ints('width_shape', [0, 0, WIDTH]);
  const attentionScale = g.fill('attention_scale', [], 1 / Math.sqrt(HEAD_DIM));
  const quickGeluScale = g.fill('quick_gelu_scale', [], 1.702);
  for (let layer = 0; layer < 12; layer++) {
    const p = `vision_model.encoder.layers.${layer}`;
    const normed = layerNorm(x, `${p}.layer_norm1`);
    const split = (name: string, perm: number[]): string => {
      const projected = linear(normed, `${p}.self_attn.${name}_proj`, WIDTH, WIDTH);
      const heads = g.add('Reshape', [projected, headsShape], `${p}.${name}_heads`);
      return g.add('Transpose', [heads], `${p}.${name}_t`, { perm });
    };
    const q = split('q', [0, 2, 1, 3]);
    const k = split('k', [0, 2, 3, 1]);
    const v = split('v', [0, 2, 1, 3]);
    const logits = g.add('MatMul', [q, k], `${p}.attn_logits`);
    const scaled = g.add('Mul', [logits, attentionScale], `${p}.attn_scaled`);
    const weights = g.add('Softmax', [scaled], `${p}.attn_weights`, { axis: -1 });
    const context = g.add('MatMul', [weights, v], `${p}.attn_context`);
    const merged = g.add('Transpose', [context], `${p}.attn_merged_t`, { perm: [0, 2, 1, 3] });
    const flat = g.add('Reshape', [merged, widthShape], `${p}.attn_merged`);
    const attended = linear(flat, `${p}.self_attn.out_proj`, WIDTH, WIDTH);
    x = g.add('Add', [x, attended], `${p}.residual1`);
    const normed2 = layerNorm(x, `${p}.layer_norm2`);
    const hidden = linear(normed2, `${p}.mlp.fc1`, WIDTH, MLP);
    const gate = g.add('Sigmoid', [g.add('Mul', [hidden, quickGeluScale], `${p}.gelu_in`)], `${p}.gelu_gate`);
    const activated = g.add('Mul', [hidden, gate], `${p}.gelu_out`);
    const mlp = linear(activated, `${p}.mlp.fc2`, MLP, WIDTH);
    x = g.add('Add', [x, mlp], `${p}.residual2`);
  }
  const classOut = g.add('Gather', [x, g.ints('class_index', [0])], 'class_out', { axis: 1 });
  const pooled = g.add('Reshape', [classOut, g.ints('pooled_shape', [0, WIDTH])], 'pooled');
  const postNormed = layerNorm(pooled, 'vision_model.post_layernorm');
  const projectionWeight = g.weight('visual_projection.weight', [WIDTH, 512], 1 / Math.sqrt(WIDTH));
  g.add('MatMul', [postNormed, projectionWeight], 'image_embeds');
  return encodeModel(
    {
      name: 'clip-vit-b32-vision-shaped (random weights)',
      input: [tensorInfo('pixel_values', DataType.FLOAT, ['N', 3, 224, 224])],
      output: [tensorInfo('image_embeds', DataType.FLOAT, ['N', 512])],
      initializer: g.initializers,
      node: g.nodes,
    },
    // LayerNormalization is an opset-17 operator.
    [{ domain: '', version: 17 }],
  );
}

// ---------------------------------------------------------------------------------------------
// The models directory the benchmark points the service at.

export interface BenchModels {
  readonly modelsDir: string;
  readonly manifestPath: string;
  /** True when the generated random-weight graphs are used (the real files were not installed). */
  readonly generated: boolean;
  /** Whether the real CLIP tokenizer from ../shared is in use (classification needs it). */
  readonly sharedTokenizer: boolean;
  readonly files: ReadonlyArray<{ path: string; bytes: number; sha256: string }>;
  /** Seconds spent generating files this run (0 when cached). */
  readonly generationSeconds: number;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function cachedFile(
  path: string,
  build: () => Uint8Array,
): Promise<{ bytes: number; sha256: string; built: boolean }> {
  const stampPath = `${path}.json`;
  if (existsSync(path) && existsSync(stampPath)) {
    const stamp = JSON.parse(await readFile(stampPath, 'utf8')) as {
      version: number;
      sha256: string;
      bytes: number;
    };
    if (stamp.version === GENERATOR_VERSION)
      return { bytes: stamp.bytes, sha256: stamp.sha256, built: false };
  }
  await mkdir(dirname(path), { recursive: true });
  const model = build();
  const temporary = `${path}.${process.pid}.part`;
  await writeFile(temporary, model);
  await rename(temporary, path);
  const described = { version: GENERATOR_VERSION, sha256: sha256(model), bytes: model.byteLength };
  await writeFile(stampPath, JSON.stringify(described));
  return { bytes: described.bytes, sha256: described.sha256, built: true };
}

/** Where the real downloaded models would live (models/ in the project), if they are installed. */
async function realModelsInstalled(projectModelsDir: string): Promise<boolean> {
  const manifest = JSON.parse(
    await readFile(join(projectModelsDir, 'manifest.json'), 'utf8'),
  ) as ModelManifest;
  const files = manifest.models
    .filter((model) => model.id === CNN_MODEL_ID || model.id === CLIP_MODEL_ID)
    .flatMap((model) => (model.kind === 'cnn' ? [model.file] : [model.vision.file, model.text.file]));
  return files.length === 3 && files.every((file) => existsSync(join(projectModelsDir, file.path)));
}

/**
 * The models the benchmark runs: the real ones when installed under `projectModelsDir`, otherwise
 * the generated graphs from `cacheDir` (written on first use) with the small generated CLIP text
 * tower (only the 20 label prompts of the classification case go through it).
 */
export async function prepareBenchModels(cacheDir: string, projectModelsDir: string): Promise<BenchModels> {
  if (await realModelsInstalled(projectModelsDir)) {
    return {
      modelsDir: projectModelsDir,
      manifestPath: join(projectModelsDir, 'manifest.json'),
      generated: false,
      sharedTokenizer: true,
      files: [],
      generationSeconds: 0,
    };
  }
  const started = performance.now();
  const modelsDir = join(cacheDir, 'models');
  const cnn = await cachedFile(join(modelsDir, 'resnet50-v1-shaped.onnx'), () => buildResNet50());
  const vision = await cachedFile(join(modelsDir, 'clip-vit-b32-shaped/vision.onnx'), () =>
    buildClipVitB32Vision(),
  );
  const clipDir = join(modelsDir, 'clip-vit-b32-shaped');
  await rm(join(clipDir, 'text.onnx'), { force: true });
  const text = await writeTestClipTextModel(clipDir, { fileName: 'text.onnx', attentionMask: false });
  await rm(join(clipDir, 'tokenizer.json'), { force: true });
  await rm(join(clipDir, 'tokenizer_config.json'), { force: true });
  const tokenizer = await writeClipTokenizerFiles(
    clipDir,
    sharedClipTokenizerAvailable ? 'shared' : 'minimal',
  );

  const cnnSpec: CnnModelSpec = {
    id: CNN_MODEL_ID,
    version: `bench-generated-${GENERATOR_VERSION}`,
    kind: 'cnn',
    space: 'IMAGE',
    description:
      'BENCHMARK STAND-IN: a ResNet-50 v1-shaped graph with random weights (real layer structure and cost, meaningless features).',
    dimension: 2048,
    file: { path: 'resnet50-v1-shaped.onnx', sha256: cnn.sha256, bytes: cnn.bytes },
    input: 'data',
    output: 'resnetv17_dense0_fwd',
    preprocess: IMAGENET_PREPROCESS,
  };
  const clipSpec: ClipModelSpec = {
    id: CLIP_MODEL_ID,
    version: `bench-generated-${GENERATOR_VERSION}`,
    kind: 'clip',
    space: 'CLIP',
    description:
      'BENCHMARK STAND-IN: a CLIP ViT-B/32 vision-tower-shaped graph with random weights, and a tiny generated text tower.',
    dimension: 512,
    logitScale: 100,
    vision: {
      file: { path: 'clip-vit-b32-shaped/vision.onnx', sha256: vision.sha256, bytes: vision.bytes },
      input: 'pixel_values',
      output: 'image_embeds',
      preprocess: CLIP_PREPROCESS,
    },
    text: {
      file: { path: 'clip-vit-b32-shaped/text.onnx', sha256: text.sha256, bytes: text.bytes },
      inputIds: 'input_ids',
      attentionMask: null,
      output: 'text_embeds',
      tokenizer: {
        files: {
          tokenizer: {
            path: 'clip-vit-b32-shaped/tokenizer.json',
            sha256: tokenizer.tokenizer.sha256,
            bytes: tokenizer.tokenizer.bytes,
          },
          config: {
            path: 'clip-vit-b32-shaped/tokenizer_config.json',
            sha256: tokenizer.config.sha256,
            bytes: tokenizer.config.bytes,
          },
        },
        contextLength: 77,
      },
    },
  };
  const manifest: ModelManifest = { models: [cnnSpec, clipSpec] };
  const manifestPath = join(modelsDir, 'manifest.json');
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return {
    modelsDir,
    manifestPath,
    generated: true,
    sharedTokenizer: tokenizer.source === 'shared',
    files: [
      { path: cnnSpec.file.path, bytes: cnn.bytes, sha256: cnn.sha256 },
      { path: clipSpec.vision.file.path, bytes: vision.bytes, sha256: vision.sha256 },
      { path: clipSpec.text.file.path, bytes: text.bytes, sha256: text.sha256 },
    ],
    generationSeconds: cnn.built || vision.built ? (performance.now() - started) / 1000 : 0,
  };
}
