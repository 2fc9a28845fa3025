// Ingest: products with photos through `addProducts` (base64 in the request: decoding, the stored
// canonical JPEG, preprocessing, both models' inference, storage), against the models' own limit —
// raw onnxruntime sessions, opened as the service opens them, on already-preprocessed tensors of
// the same batches. Plus an in-process profile of where the pipeline's time goes.
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InferenceSession } from 'onnxruntime-node';
import { loadConfig } from '../src/config.js';
import { type Database } from '../src/db/database.js';
import { ImageSpace } from '../src/inference/ports.js';
import { INFERENCE_BATCH } from '../src/embeddings/product-media.service.js';
import { createLogger } from '../src/logger.js';
import { createServices } from '../src/services.js';
// The two imaging classes are timed in the profile below (their stages run inside the service's
// ProductMediaService, which has no instrumentation seam), and the preprocessor alone gives the
// canonical-JPEG cost the report lists next to the model limit.
import { ImageLoader } from '../src/imaging/image-loader.js';
import { ImagePreprocessor } from '../src/imaging/image-preprocessor.js';
import { type UsageWindow, sampleUsage } from './measure.js';
import { ADMIN_KEY, graphql } from './service-process.js';
import { type CapturedStatement, capture, inProcessApp } from './statement-capture.js';

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

/**
 * onnxruntime-node's session.run calls made while `work` runs, as intervals named by model. The
 * sessions are the service's own (its model provider opens them); only their run time is read.
 */
async function timeSessionRuns<T>(work: () => Promise<T>, intervals: Map<string, Interval[]>): Promise<T> {
  const restore = wrap(
    // The factory is the implementing class at run time; sessions share its prototype.
    (InferenceSession as unknown as { prototype: object }).prototype,
    'run',
    (_args, self) =>
      `inference ${(self as InferenceSession).inputNames.includes('pixel_values') ? 'CLIP vision' : 'CNN'} (onnxruntime)`,
    intervals,
  );
  try {
    return await work();
  } finally {
    restore();
  }
}

const sumMs = (intervals: readonly Interval[] = []): number =>
  intervals.reduce((total, [start, end]) => total + end - start, 0);

/**
 * Both models as the service runs them — its model provider (sessions opened with its options and
 * its CNN graph edit), in the media service's batches of INFERENCE_BATCH — timing only onnxruntime's
 * session.run, back to back, on tensors preprocessed beforehand (so no preprocessing competes with
 * the runs): products per second = images / (CNN run time + CLIP run time). The preprocessing is
 * timed on its own, one model at a time, as before the service decoded once for both.
 */
export async function modelLimit(
  database: Database,
  env: Record<string, string>,
  ids: { cnn: string; clip: string },
  photos: readonly Buffer[],
  images: number,
): Promise<ModelLimitResult> {
  const config = loadConfig({ LOG_LEVEL: 'silent', MODELS_AUTO_DOWNLOAD: 'false', ...env });
  const services = await createServices(database, config, createLogger('silent'));
  const preprocessor = new ImagePreprocessor({ maxPixels: config.images.maxPixels });
  const sources = Array.from({ length: images }, (_, index) => photos[index % photos.length]!);

  let started = performance.now();
  const canonical: Buffer[] = [];
  for (const source of sources) canonical.push((await preprocessor.toCanonicalJpeg(source)).bytes);
  const canonicalMs = performance.now() - started;

  try {
    const encoders = {
      cnn: await services.models.imageEncoder(ImageSpace.IMAGE, ids.cnn),
      clip: await services.models.imageEncoder(ImageSpace.CLIP, ids.clip),
    };
    const batches: Array<{ count: number; cnn: Float32Array; clip: Float32Array }> = [];
    let cnnPreprocessMs = 0;
    let clipPreprocessMs = 0;
    for (let start = 0; start < canonical.length; start += INFERENCE_BATCH) {
      const chunk = canonical.slice(start, start + INFERENCE_BATCH);
      started = performance.now();
      const cnn = await preprocessor.preprocess(chunk, encoders.cnn.preprocess);
      cnnPreprocessMs += performance.now() - started;
      started = performance.now();
      const clip = await preprocessor.preprocess(chunk, encoders.clip.preprocess);
      clipPreprocessMs += performance.now() - started;
      batches.push({ count: chunk.length, cnn, clip });
    }
    // Warm-up: the first run of a session allocates its arenas.
    await encoders.cnn.embedPreprocessed(batches[0]!.cnn, batches[0]!.count);
    await encoders.clip.embedPreprocessed(batches[0]!.clip, batches[0]!.count);
    const intervals = new Map<string, Interval[]>();
    const usage = sampleUsage(process.pid);
    await timeSessionRuns(async () => {
      for (const batch of batches) await encoders.cnn.embedPreprocessed(batch.cnn, batch.count);
      for (const batch of batches) await encoders.clip.embedPreprocessed(batch.clip, batch.count);
    }, intervals);
    const window = usage.stop();
    const cnnRuns = intervals.get('inference CNN (onnxruntime)') ?? [];
    const clipRuns = intervals.get('inference CLIP vision (onnxruntime)') ?? [];
    if (cnnRuns.length === 0 || clipRuns.length === 0) throw new Error('no onnxruntime runs were timed');
    const cnnMs = sumMs(cnnRuns);
    const clipMs = sumMs(clipRuns);
    return {
      batchSize: INFERENCE_BATCH,
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
    await services.models.close();
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

/**
 * SQL stages of an ingest, from the captured statements: each transaction (BEGIN … COMMIT on one
 * connection) is the write of products, images and embeddings; single statements are the SKU
 * lookups or the embedding-space state, by the table they read.
 */
function sqlStages(statements: readonly CapturedStatement[]): Map<string, Interval[]> {
  const stages = new Map<string, Interval[]>();
  const add = (stage: string, interval: Interval): void => {
    stages.set(stage, [...(stages.get(stage) ?? []), interval]);
  };
  const open = new Map<number, number>();
  for (const statement of statements) {
    const text = statement.text.trim().toUpperCase();
    const end = statement.started + statement.ms;
    if (text === 'BEGIN') {
      open.set(statement.connection, statement.started);
    } else if (open.has(statement.connection)) {
      if (text === 'COMMIT' || text === 'ROLLBACK') {
        add('SQL: insert products, images, embeddings (one transaction)', [
          open.get(statement.connection)!,
          end,
        ]);
        open.delete(statement.connection);
      }
    } else if (/embedding_space/i.test(statement.text)) {
      add('SQL: embedding space state', [statement.started, end]);
    } else if (/"sku"/i.test(statement.text)) {
      add('SQL: SKU lookups', [statement.started, end]);
    } else {
      add('SQL: other', [statement.started, end]);
    }
  }
  return stages;
}

/**
 * Runs `batches` × `batchSize` products through the service's ProductService in this process, timed
 * by stage. `database` must be a capturing one (openCapturingDatabase) for the SQL stages.
 */
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
      ImagePreprocessor.prototype,
      'preprocessEach',
      (args) =>
        (args[1] as readonly unknown[]).length > 1
          ? 'preprocess for both models (one sharp decode, two resizes, JS crop/normalise)'
          : 'preprocess for one model (sharp decode + resize, JS crop/normalise)',
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
  ];
  try {
    const axes = app.app.services.attributeVectors.axes().map((axis) => axis.name);
    // Warm-up (loads both models), not timed.
    await app.app.services.products.addMany(
      productInputs(`${options.prefix}-warm`, 0, 2, photos, axes).map((input) => ({ ...input })),
    );
    intervals.clear();
    const started = performance.now();
    // The SQL stages come from the statements the (capturing) database saw.
    const { statements } = await capture(async () => {
      for (let batch = 0; batch < options.batches; batch++) {
        await app.app.services.products.addMany(
          productInputs(options.prefix, batch * options.batchSize, options.batchSize, photos, axes),
        );
      }
    });
    const wall = performance.now() - started;
    for (const [stage, list] of sqlStages(statements)) intervals.set(stage, list);
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
