// A CLIP vision tower from the manifest, run by onnxruntime: pixel_values [N,3,224,224] →
// image_embeds [N,512] (the projected embedding, which CLIP compares by cosine with text_embeds).
// Takes preprocessed NCHW tensors only.
import { type InferenceSession, Tensor } from 'onnxruntime-node';
import { readVerifiedModelFile } from './model-file.reader.js';
import { type ClipModelSpec } from './model-manifest.js';
import {
  createCpuSession,
  unitEmbeddings,
  imageBatchShape,
  requireSessionNames,
  type OnnxSessionOptions,
} from './onnx-session.js';

export class ClipImageModel {
  constructor(
    readonly spec: ClipModelSpec,
    private readonly session: InferenceSession,
  ) {
    requireSessionNames(spec.id, 'input', session.inputNames, [spec.vision.input]);
    requireSessionNames(spec.id, 'output', session.outputNames, [spec.vision.output]);
  }

  /** Reads and verifies the vision tower file and opens one session. */
  static async load(
    spec: ClipModelSpec,
    modelsDir: string,
    options: OnnxSessionOptions = {},
  ): Promise<ClipImageModel> {
    const model = await readVerifiedModelFile(spec.id, modelsDir, spec.vision.file);
    return new ClipImageModel(spec, await createCpuSession(spec.id, model, options));
  }

  get dimension(): number {
    return this.spec.dimension;
  }

  /** L2-normalised embeddings of `count` preprocessed images ([count, 3, crop, crop] NCHW), in one session.run. */
  async embed(batch: Float32Array, count: number): Promise<Float32Array[]> {
    if (count === 0) return [];
    const { input, output, preprocess } = this.spec.vision;
    const shape = imageBatchShape(batch, count, preprocess.cropSize);
    const outputs = await this.session.run({ [input]: new Tensor('float32', batch, shape) }, [output]);
    return unitEmbeddings(this.spec.id, outputs, output, count, this.spec.dimension);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
