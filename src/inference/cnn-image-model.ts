// An ImageNet CNN from the manifest, run by onnxruntime: its embedding is the input of its final
// classifier ("all layers but the last"), exposed as an extra output of the same graph, so the
// classifier's own output stays a valid output of the same graph. Takes preprocessed NCHW tensors only.
import { type InferenceSession, Tensor } from 'onnxruntime-node';
import { readVerifiedModelFile } from './model-file.reader.js';
import { type CnnModelSpec } from './model-manifest.js';
import {
  createCpuSession,
  unitEmbeddings,
  imageBatchShape,
  requireSessionNames,
  type OnnxSessionOptions,
} from './onnx-session.js';
import { exposePenultimateOutput } from './penultimate-layer.js';

export class CnnImageModel {
  constructor(
    readonly spec: CnnModelSpec,
    private readonly session: InferenceSession,
    /** The graph output added by exposePenultimateOutput. */
    private readonly embeddingOutput: string,
  ) {
    requireSessionNames(spec.id, 'input', session.inputNames, [spec.input]);
    requireSessionNames(spec.id, 'output', session.outputNames, [spec.output, embeddingOutput]);
  }

  /** Reads and verifies `modelsDir/spec.file.path`, exposes its penultimate layer in memory and opens one session. */
  static async load(
    spec: CnnModelSpec,
    modelsDir: string,
    options: OnnxSessionOptions = {},
  ): Promise<CnnImageModel> {
    const original = await readVerifiedModelFile(spec.id, modelsDir, spec.file);
    const edited = withModelId(spec.id, () => exposePenultimateOutput(original, spec.output));
    if (edited.dimension !== null && edited.dimension !== spec.dimension) {
      throw new Error(
        `Model ${spec.id}: its classifier reads ${edited.dimension}-d features, the manifest says dimension ${spec.dimension}`,
      );
    }
    const session = await createCpuSession(spec.id, edited.model, options);
    return new CnnImageModel(spec, session, edited.embeddingOutput);
  }

  get dimension(): number {
    return this.spec.dimension;
  }

  /** L2-normalised embeddings of `count` preprocessed images ([count, 3, crop, crop] NCHW), in one session.run. */
  async embed(batch: Float32Array, count: number): Promise<Float32Array[]> {
    if (count === 0) return [];
    // Fetching only the embedding lets onnxruntime skip the classifier.
    const outputs = await this.run(batch, count, [this.embeddingOutput]);
    return unitEmbeddings(this.spec.id, outputs, this.embeddingOutput, count, this.spec.dimension);
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private run(
    batch: Float32Array,
    count: number,
    fetches: readonly string[],
  ): Promise<InferenceSession.ReturnType> {
    const shape = imageBatchShape(batch, count, this.spec.preprocess.cropSize);
    return this.session.run({ [this.spec.input]: new Tensor('float32', batch, shape) }, fetches);
  }
}

function withModelId<T>(modelId: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    throw new Error(`Model ${modelId}: ${(error as Error).message}`, { cause: error });
  }
}
