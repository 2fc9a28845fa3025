// Ingest: products with photos through `addProducts` (base64 in the request: decoding, the stored
// canonical JPEG, preprocessing, both models' inference, storage), against the models' own limit —
// raw onnxruntime sessions, opened as the service opens them, on already-preprocessed tensors of
// the same batches. Plus an in-process profile of where the pipeline's time goes.
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { type Database } from '../src/db/database.js';
import { EmbeddingSpaceService } from '../src/embeddings/embedding-space.service.js';
import { ImageLoader } from '../src/imaging/image-loader.js';
import { ImagePreprocessor } from '../src/imaging/image-preprocessor.js';
import { readVerifiedModelFile } from '../src/inference/model-file.reader.js';
import { type ClipModelSpec, type CnnModelSpec, ModelRegistry } from '../src/inference/model-manifest.js';
import { createCpuSession } from '../src/inference/onnx-session.js';
import { exposePenultimateOutput } from '../src/inference/penultimate-layer.js';
import { INFERENCE_BATCH } from '../src/embeddings/product-media.service.js';
import { ProductRepository } from '../src/catalogue/product.repository.js';
import { type UsageWindow, sampleUsage } from './measure.js';
import { ADMIN_KEY, graphql } from './service-process.js';
import { inProcessApp } from './statement-capture.js';

const ADD_PRODUCTS = `mutation Add($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id } }`;

interface ProductInputBody {
  sku: string;
  name: string;
  category: string;
  price: number;
  attributes: Array<{ axis: string; value: number }>;
  image: { base64: string };
}

function productInputs(
  prefix: string,
  first: number,
  count: number,
  photos: readonly Buffer[],
  axes: readonly string[],
): ProductInputBody[] {
  return Array.from({ length: count }, (_, offset) => {
    const index = first + offset;
    return {
      sku: `${prefix}-${index}`,
      name: `Ingested product ${index}`,
      category: `category-${index % 40}`,
      price: 10 + (index % 90),
      attributes: axes.map((axis, position) => ({ axis, value: 1 + ((index * (position + 3)) % 98) })),
      image: { base64: photos[index % photos.length]!.toString('base64') },
    };
  });
}

export async function attributeAxes(url: string): Promise<string[]> {
  const data = await graphql<{ attributeAxes: Array<{ name: string }> }>(
    url,
    '{ attributeAxes { name } }',
    {},
  );
  return data.attributeAxes.map((axis) => axis.name);
}

export interface PipelineResult {
  readonly inFlight: number;
  readonly batchSize: number;
  readonly products: number;
  readonly seconds: number;
  readonly itemsPerSec: number;
  readonly requestP50Seconds: number;
  readonly usage: UsageWindow;
}

/**
 * `batches` requests of `batchSize` products, `inFlight` at a time, timed end to end on the client,
 * with the server process's CPU and memory sampled meanwhile.
 */
export async function ingestOverHttp(
  url: string,
  serverPid: number,
  photos: readonly Buffer[],
  axes: readonly string[],
  options: { prefix: string; batchSize: number; batches: number; inFlight: number },
): Promise<PipelineResult> {
  const bodies = Array.from({ length: options.batches }, (_, batch) =>
    productInputs(options.prefix, batch * options.batchSize, options.batchSize, photos, axes),
  );
  const durations: number[] = [];
  let next = 0;
  const usage = sampleUsage(serverPid);
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const inputs = bodies[next++]!;
      const requestStarted = performance.now();
      const data = await graphql<{ addProducts: Array<{ id: string }> }>(
        url,
        ADD_PRODUCTS,
        { inputs },
        ADMIN_KEY,
      );
      if (data.addProducts.length !== inputs.length) throw new Error('addProducts stored a different number');
      durations.push((performance.now() - requestStarted) / 1000);
    }
  };
  await Promise.all(Array.from({ length: options.inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  const window = usage.stop();
  durations.sort((a, b) => a - b);
  const products = options.batches * options.batchSize;
  return {
    inFlight: options.inFlight,
    batchSize: options.batchSize,
    products,
    seconds,
    itemsPerSec: products / seconds,
    requestP50Seconds: durations[Math.floor(durations.length / 2)] ?? 0,
    usage: window,
  };
}

/** One request of a few products: loads both models in the server (first use). */
export async function warmIngest(
  url: string,
  photos: readonly Buffer[],
  axes: readonly string[],
  prefix: string,
): Promise<number> {
  const started = performance.now();
  await graphql(url, ADD_PRODUCTS, { inputs: productInputs(prefix, 0, 2, photos, axes) }, ADMIN_KEY);
  return (performance.now() - started) / 1000;
}

// ---------------------------------------------------------------------------------------------
// The model limit.

export interface ModelLimitResult {
  readonly batchSize: number;
  readonly images: number;
  readonly cnnMsPerImage: number;
  readonly clipMsPerImage: number;
  /** Images per second through both models, one after the other, as the service runs them. */
  readonly itemsPerSec: number;
  /** Cores onnxruntime kept busy while running. */
  readonly cores: number;
  /** Per image, in this process: the service's preprocessing, for the profile. */
  readonly canonicalMsPerImage: number;
  readonly cnnPreprocessMsPerImage: number;
  readonly clipPreprocessMsPerImage: number;
  readonly intraOpThreads: string;
}

interface OpenedModel {
  session: InferenceSession;
  input: string;
  output: string;
}

async function openCnn(spec: CnnModelSpec, modelsDir: string): Promise<OpenedModel> {
  const original = await readVerifiedModelFile(spec.id, modelsDir, spec.file);
  const edited = exposePenultimateOutput(original, spec.output);
  return {
    session: await createCpuSession(spec.id, edited.model),
    input: spec.input,
    output: edited.embeddingOutput,
  };
}

async function openClipVision(spec: ClipModelSpec, modelsDir: string): Promise<OpenedModel> {
  const model = await readVerifiedModelFile(spec.id, modelsDir, spec.vision.file);
  return {
    session: await createCpuSession(spec.id, model),
    input: spec.vision.input,
    output: spec.vision.output,
  };
}

const runOnce = async (model: OpenedModel, batch: Float32Array, count: number): Promise<void> => {
  await model.session.run({ [model.input]: new Tensor('float32', batch, [count, 3, 224, 224]) }, [
    model.output,
  ]);
};

/** Raw sessions (the service's session options, its CNN graph edit) on preprocessed tensors. */
export async function modelLimit(
  manifestPath: string,
  modelsDir: string,
  ids: { cnn: string; clip: string },
  photos: readonly Buffer[],
  images: number,
): Promise<ModelLimitResult> {
  const registry = ModelRegistry.fromFile(manifestPath);
  const cnnSpec = registry.get(ids.cnn) as CnnModelSpec;
  const clipSpec = registry.get(ids.clip) as ClipModelSpec;
  const preprocessor = new ImagePreprocessor();
  const batchSize = INFERENCE_BATCH;
  const sources = Array.from({ length: images }, (_, index) => photos[index % photos.length]!);

  let started = performance.now();
  const canonical: Buffer[] = [];
  for (const source of sources) canonical.push((await preprocessor.toCanonicalJpeg(source)).bytes);
  const canonicalMs = performance.now() - started;
  const batches: Array<{ count: number; cnn: Float32Array; clip: Float32Array }> = [];
  let cnnPreprocessMs = 0;
  let clipPreprocessMs = 0;
  for (let start = 0; start < canonical.length; start += batchSize) {
    const slice = canonical.slice(start, start + batchSize);
    started = performance.now();
    const cnn = await preprocessor.preprocess(slice, cnnSpec.preprocess);
    cnnPreprocessMs += performance.now() - started;
    started = performance.now();
    const clip = await preprocessor.preprocess(slice, clipSpec.vision.preprocess);
    clipPreprocessMs += performance.now() - started;
    batches.push({ count: slice.length, cnn, clip });
  }

  const cnn = await openCnn(cnnSpec, modelsDir);
  const clip = await openClipVision(clipSpec, modelsDir);
  try {
    // Warm-up: the first run of a session allocates its arenas.
    await runOnce(cnn, batches[0]!.cnn, batches[0]!.count);
    await runOnce(clip, batches[0]!.clip, batches[0]!.count);
    let cnnMs = 0;
    let clipMs = 0;
    const usage = sampleUsage(process.pid);
    for (const batch of batches) {
      started = performance.now();
      await runOnce(cnn, batch.cnn, batch.count);
      cnnMs += performance.now() - started;
      started = performance.now();
      await runOnce(clip, batch.clip, batch.count);
      clipMs += performance.now() - started;
    }
    const window = usage.stop();
    return {
      batchSize,
      images,
      cnnMsPerImage: cnnMs / images,
      clipMsPerImage: clipMs / images,
      itemsPerSec: images / ((cnnMs + clipMs) / 1000),
      cores: window.processCores,
      canonicalMsPerImage: canonicalMs / images,
      cnnPreprocessMsPerImage: cnnPreprocessMs / images,
      clipPreprocessMsPerImage: clipPreprocessMs / images,
      intraOpThreads: 'cores (the service default; MODEL_THREADS unset)',
    };
  } finally {
    await cnn.session.release();
    await clip.session.release();
  }
}

// ---------------------------------------------------------------------------------------------
// Where the pipeline's time goes: the service's own code in this process, with its collaborators'
// methods wrapped in timers. Stages run partly concurrently (several images at once), so each
// stage's time is the union of its intervals: the wall time during which that stage was running.

type Interval = [number, number];

function unionSeconds(intervals: readonly Interval[]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let current: Interval | null = null;
  for (const interval of sorted) {
    if (!current || interval[0] > current[1]) {
      if (current) total += current[1] - current[0];
      current = [interval[0], interval[1]];
    } else current[1] = Math.max(current[1], interval[1]);
  }
  if (current) total += current[1] - current[0];
  return total / 1000;
}

export interface PipelineProfile {
  readonly products: number;
  readonly wallSeconds: number;
  readonly itemsPerSec: number;
  /** Stage → seconds of wall time during which it ran, per product. */
  readonly stageMsPerProduct: Record<string, number>;
  /** Wall time during which none of the timed stages ran (validation, JSON, GraphQL, waiting), per product. */
  readonly otherMsPerProduct: number;
}

type AnyMethod = (...args: unknown[]) => unknown;

function wrap(
  target: object,
  method: string,
  stage: (args: unknown[], self: unknown) => string,
  intervals: Map<string, Interval[]>,
): () => void {
  const holder = target as Record<string, AnyMethod>;
  const original = holder[method]!;
  holder[method] = function (this: unknown, ...args: unknown[]) {
    const started = performance.now();
    const name = stage(args, this);
    const record = (): void => {
      const list = intervals.get(name) ?? [];
      list.push([started, performance.now()]);
      intervals.set(name, list);
    };
    const result = original.apply(this, args);
    if (result instanceof Promise) return result.finally(record);
    record();
    return result;
  };
  return () => {
    holder[method] = original;
  };
}

/** Runs `batches` × `batchSize` products through the service's ProductService in this process, timed by stage. */
export async function profilePipeline(
  database: Database,
  env: Record<string, string>,
  photos: readonly Buffer[],
  options: { prefix: string; batchSize: number; batches: number; variant?: SessionVariant },
): Promise<PipelineProfile> {
  const restoreVariant = options.variant ? withSessionVariant(options.variant) : () => undefined;
  const app = await inProcessApp(database, env);
  const intervals = new Map<string, Interval[]>();
  const restore = [
    wrap(ImageLoader.prototype, 'load', () => 'decode base64 + inspect (sharp metadata)', intervals),
    wrap(
      ImagePreprocessor.prototype,
      'toCanonicalJpeg',
      () => 'canonical JPEG (sharp: decode, resize ≤512, encode)',
      intervals,
    ),
    wrap(
      ImagePreprocessor.prototype,
      'preprocess',
      (args) =>
        `preprocess for ${(args[1] as { interpolation: string }).interpolation === 'bicubic' ? 'CLIP' : 'CNN'} (sharp decode + resize, JS crop/normalise)`,
      intervals,
    ),
    wrap(
      // The factory is the implementing class at run time; sessions share its prototype.
      (InferenceSession as unknown as { prototype: object }).prototype,
      'run',
      (_args, self) =>
        `inference ${(self as InferenceSession).inputNames.includes('pixel_values') ? 'CLIP vision' : 'CNN'} (onnxruntime)`,
      intervals,
    ),
    wrap(
      ProductRepository.prototype,
      'createMany',
      () => 'SQL: insert products, images, embeddings (one transaction)',
      intervals,
    ),
    wrap(ProductRepository.prototype, 'existingSkus', () => 'SQL: SKU lookups', intervals),
    wrap(EmbeddingSpaceService.prototype, 'ingestModelIds', () => 'SQL: embedding space state', intervals),
  ];
  try {
    const axes = app.app.services.attributeVectors.axes().map((axis) => axis.name);
    // Warm-up (loads both models), not timed.
    await app.app.services.products.addMany(
      productInputs(`${options.prefix}-warm`, 0, 2, photos, axes).map((input) => ({ ...input })),
    );
    intervals.clear();
    const started = performance.now();
    for (let batch = 0; batch < options.batches; batch++) {
      await app.app.services.products.addMany(
        productInputs(options.prefix, batch * options.batchSize, options.batchSize, photos, axes),
      );
    }
    const wall = performance.now() - started;
    const products = options.batches * options.batchSize;
    const all: Interval[] = [...intervals.values()].flat();
    return {
      products,
      wallSeconds: wall / 1000,
      itemsPerSec: products / (wall / 1000),
      stageMsPerProduct: Object.fromEntries(
        [...intervals].map(([stage, list]) => [stage, (unionSeconds(list) * 1000) / products]),
      ),
      otherMsPerProduct: (wall - unionSeconds(all) * 1000) / products,
    };
  } finally {
    for (const undo of restore) undo();
    await app.close();
    restoreVariant();
  }
}

/** A prototype of a service change, applied to onnxruntime sessions the service opens in this process. */
export interface SessionVariant {
  readonly name: string;
  /** onnxruntime session config entries (SessionOptions.extra). */
  readonly extra: Record<string, unknown>;
}

/** Idle intra-op threads sleep instead of spinning, leaving the cores to sharp and JavaScript between runs. */
export const NO_SPINNING: SessionVariant = {
  name: 'onnxruntime intra-op threads do not spin (session.intra_op.allow_spinning = 0)',
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
};

function withSessionVariant(variant: SessionVariant): () => void {
  const factory = InferenceSession as unknown as {
    create: (model: unknown, options?: Record<string, unknown>) => Promise<InferenceSession>;
  };
  const original = factory.create;
  factory.create = (model, options) => original.call(factory, model, { ...options, extra: variant.extra });
  return () => {
    factory.create = original;
  };
}

/**
 * The same change for the service process, without touching src/: an ES module preloaded with
 * `node --import`, wrapping onnxruntime-node's InferenceSession.create (the service's own module
 * instance) to add the variant's session config entries.
 */
export async function writeSessionVariantPreload(
  directory: string,
  variant: SessionVariant,
): Promise<string> {
  const path = join(directory, 'session-variant-preload.mjs');
  await mkdir(directory, { recursive: true });
  await writeFile(
    path,
    `import ort from '${pathToFileURL(createRequire(import.meta.url).resolve('onnxruntime-node')).href}';
const session = ort.InferenceSession;
const create = session.create;
session.create = (model, options) => create.call(session, model, { ...options, extra: ${JSON.stringify(variant.extra)} });
`,
  );
  return path;
}
