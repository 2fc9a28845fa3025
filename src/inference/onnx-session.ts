// How this service runs onnxruntime: one CPU session per model file, created once and shared by
// all requests (session.run is safe to call concurrently), plus the checks that turn a model whose
// inputs or outputs do not match its manifest entry into a clear error at load time.
import { availableParallelism } from 'node:os';
import { InferenceSession, type Tensor } from 'onnxruntime-node';
import { l2NormalizedRows } from './embedding-vector.js';

export interface OnnxSessionOptions {
  /** Threads one session.run may use. Defaults to the number of cores. */
  intraOpNumThreads?: number;
}

export async function createCpuSession(
  modelId: string,
  model: Uint8Array,
  options: OnnxSessionOptions = {},
): Promise<InferenceSession> {
  try {
    return await InferenceSession.create(model, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: options.intraOpNumThreads ?? availableParallelism(),
      // One model is a chain of ops: parallelism comes from intra-op threads, not from running
      // independent branches side by side.
      interOpNumThreads: 1,
      executionMode: 'sequential',
      enableCpuMemArena: true,
      enableMemPattern: true,
      // Warnings only; onnxruntime's info level logs every graph transformation.
      logSeverityLevel: 2,
    });
  } catch (error) {
    // The file passed its sha256 check, so this is a manifest or runtime mismatch, not a bad download.
    throw new Error(`onnxruntime cannot load model ${modelId}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Throws unless every `wanted` name is among the session's inputs or outputs. */
export function requireSessionNames(
  modelId: string,
  kind: 'input' | 'output',
  available: readonly string[],
  wanted: readonly string[],
): void {
  const missing = wanted.filter((name) => !available.includes(name));
  if (missing.length > 0) {
    throw new Error(
      `Model ${modelId} has no ${kind} ${missing.map((name) => JSON.stringify(name)).join(', ')} as its manifest ` +
        `entry says; its ${kind}s are: ${available.join(', ')}`,
    );
  }
}

/** The [count, 3, size, size] shape of an NCHW image batch, after checking its length. */
export function imageBatchShape(
  batch: Float32Array,
  count: number,
  size: number,
): [number, number, number, number] {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`Image count must be a natural number, got ${count}`);
  const expected = count * 3 * size * size;
  if (batch.length !== expected) {
    throw new RangeError(
      `An NCHW batch of ${count} ${size}×${size} RGB images has ${expected} values, got ${batch.length}`,
    );
  }
  return [count, 3, size, size];
}

/** The float32 data of output `name`, checked to be [count, dimension]. */
export function float32Output(
  modelId: string,
  outputs: InferenceSession.ReturnType,
  name: string,
  count: number,
  dimension: number,
): Float32Array {
  const tensor: Tensor | undefined = outputs[name];
  if (!tensor) throw new Error(`Model ${modelId} returned no ${JSON.stringify(name)}`);
  const [rows, columns, ...rest] = tensor.dims;
  if (!(tensor.data instanceof Float32Array) || rows !== count || columns !== dimension || rest.length > 0) {
    throw new Error(
      `Model ${modelId} output ${JSON.stringify(name)} is ${tensor.type} [${tensor.dims.join(', ')}], ` +
        `expected float32 [${count}, ${dimension}]`,
    );
  }
  return tensor.data;
}

/** Output `name` as `count` embeddings of `dimension`, each scaled to unit length. */
export function unitEmbeddings(
  modelId: string,
  outputs: InferenceSession.ReturnType,
  name: string,
  count: number,
  dimension: number,
): Float32Array[] {
  return l2NormalizedRows(float32Output(modelId, outputs, name, count, dimension), count, dimension);
}
