// A CLIP text tower from the manifest, run by onnxruntime: texts → tokens (ClipTokenizer) →
// input_ids / attention_mask int64 [N, contextLength] → text_embeds [N, 512]. Zero-shot prompts and
// catalogue queries repeat, so embeddings are kept in a bounded LRU keyed by the exact text.
import { type InferenceSession, Tensor } from 'onnxruntime-node';
import { ClipTokenizer, type TokenizedText } from './clip-tokenizer.js';
import { LruCache } from './lru-cache.js';
import { readVerifiedModelFile } from './model-file.reader.js';
import { type ClipModelSpec } from './model-manifest.js';
import {
  createCpuSession,
  unitEmbeddings,
  requireSessionNames,
  type OnnxSessionOptions,
} from './onnx-session.js';

/** 1024 × 512 floats ≈ 2 MB. */
export const DEFAULT_TEXT_CACHE_CAPACITY = 1024;

export interface ClipTextModelOptions extends OnnxSessionOptions {
  /** Texts whose embeddings are kept; 0 disables the cache. */
  cacheCapacity?: number;
}

export class ClipTextModel {
  private readonly cache: LruCache<string, Float32Array>;

  constructor(
    readonly spec: ClipModelSpec,
    private readonly session: InferenceSession,
    readonly tokenizer: ClipTokenizer,
    cacheCapacity = DEFAULT_TEXT_CACHE_CAPACITY,
  ) {
    const { inputIds, attentionMask, output, tokenizer: tokenizerSpec } = spec.text;
    requireSessionNames(
      spec.id,
      'input',
      session.inputNames,
      attentionMask ? [inputIds, attentionMask] : [inputIds],
    );
    requireSessionNames(spec.id, 'output', session.outputNames, [output]);
    if (tokenizer.contextLength !== tokenizerSpec.contextLength) {
      throw new Error(
        `Model ${spec.id}: the tokenizer pads to ${tokenizer.contextLength} tokens, the manifest says ${tokenizerSpec.contextLength}`,
      );
    }
    this.cache = new LruCache(cacheCapacity);
  }

  /** Reads and verifies the text tower and tokenizer files and opens one session. */
  static async load(
    spec: ClipModelSpec,
    modelsDir: string,
    options: ClipTextModelOptions = {},
  ): Promise<ClipTextModel> {
    const [model, tokenizer] = await Promise.all([
      readVerifiedModelFile(spec.id, modelsDir, spec.text.file),
      ClipTokenizer.load(spec, modelsDir),
    ]);
    const session = await createCpuSession(spec.id, model, options);
    return new ClipTextModel(spec, session, tokenizer, options.cacheCapacity);
  }

  get dimension(): number {
    return this.spec.dimension;
  }

  /**
   * L2-normalised embeddings, in the order of `texts`. Cached and repeated texts are not run again;
   * all others go through one session.run. Returned arrays are the caller's to keep or change.
   */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const found = new Map<string, Float32Array>();
    const missing: string[] = [];
    for (const text of new Set(texts)) {
      const cached = this.cache.get(text);
      if (cached) found.set(text, cached);
      else missing.push(text);
    }
    if (missing.length > 0) {
      const embeddings = await this.embedTokens(missing.map((text) => this.tokenizer.encode(text)));
      missing.forEach((text, i) => {
        const embedding = embeddings[i] as Float32Array;
        this.cache.set(text, embedding);
        found.set(text, embedding);
      });
    }
    return texts.map((text) => (found.get(text) as Float32Array).slice());
  }

  /** L2-normalised embeddings of already tokenised texts, in one session.run, uncached. */
  async embedTokens(batch: readonly TokenizedText[]): Promise<Float32Array[]> {
    const count = batch.length;
    if (count === 0) return [];
    const { inputIds, attentionMask, output } = this.spec.text;
    const length = this.tokenizer.contextLength;
    const shape = [count, length];
    const ids = new BigInt64Array(count * length);
    const mask = new BigInt64Array(count * length);
    batch.forEach((tokens, row) => {
      if (tokens.inputIds.length !== length || tokens.attentionMask.length !== length) {
        throw new RangeError(
          `Tokenised text ${row} has ${tokens.inputIds.length} ids, the context length is ${length}`,
        );
      }
      for (let i = 0; i < length; i++) {
        ids[row * length + i] = BigInt(tokens.inputIds[i] ?? 0);
        mask[row * length + i] = BigInt(tokens.attentionMask[i] ?? 0);
      }
    });
    const feeds: Record<string, Tensor> = { [inputIds]: new Tensor('int64', ids, shape) };
    if (attentionMask) feeds[attentionMask] = new Tensor('int64', mask, shape);
    const outputs = await this.session.run(feeds, [output]);
    return unitEmbeddings(this.spec.id, outputs, output, count, this.spec.dimension);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
