// Turns the images of product input into what is stored: the canonical copy and its embedding by
// every configured model that is installed. Runs before any write, so a failing image leaves no
// half-written product; a model that is not installed only leaves that embedding missing. In an API
// process of a scaled-out deployment (ROLE=api) the embeddings are left to the workers: photos are
// stored without them and, once stored, an embedding job is queued (README "Scaling out").
import { createHash } from 'node:crypto';
import { type Logger } from 'pino';
import { ModelUnavailableError } from '../errors/domain-errors.js';
import { type ImageEncoder, type ModelProvider } from '../inference/ports.js';
import {
  type ImageCanonicalizer,
  type ImageSource,
  type ImageSourceInput,
  type ImageTensorizer,
} from '../imaging/image-source.js';
import { type PreprocessSpec } from '../imaging/preprocess-spec.js';
import { type ProductEmbedding, type ProductMedia } from './embedding.domain.js';
import { ImageSpace } from '../inference/ports.js';
import { type EmbeddingSpaceService } from './embedding-space.service.js';

/** Images fetched at the same time: enough to overlap network waits, few enough to be polite. */
const FETCH_CONCURRENCY = 8;
/** Images per inference call. */
export const INFERENCE_BATCH = 16;

export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export class ProductMediaService {
  /** The last model run queued by this process (see embedWith). */
  private lane: Promise<void> = Promise.resolve();

  constructor(
    private readonly source: ImageSource,
    private readonly canonicalizer: ImageCanonicalizer,
    private readonly tensorizer: ImageTensorizer,
    private readonly models: ModelProvider,
    private readonly spaces: EmbeddingSpaceService,
    private readonly logger: Logger,
    /** Given: embed nothing here; after photos are stored, call it to queue their embedding job. */
    private readonly deferTo: (() => Promise<void>) | null = null,
  ) {}

  /** After products with `media` were written: queues their embedding when it is deferred to workers. */
  async stored(media: ReadonlyArray<ProductMedia | null | undefined>): Promise<void> {
    if (!this.deferTo || !media.some((entry) => entry)) return;
    try {
      await this.deferTo();
    } catch (error) {
      // The products are stored; a worker's start-up finds their missing vectors anyway.
      this.logger.warn({ err: error }, 'queuing the embedding of stored photos failed');
    }
  }

  /**
   * Loads, canonicalises and embeds the given images (null entries stay null). Throws the first
   * image's error, naming its field, before anything is written.
   */
  async prepare(
    inputs: ReadonlyArray<ImageSourceInput | null | undefined>,
    fieldOf: (index: number) => string,
  ): Promise<Array<ProductMedia | null>> {
    const images = await mapWithConcurrency(inputs, FETCH_CONCURRENCY, async (input, index) => {
      if (!input) return null;
      const loaded = await this.source.load(input, fieldOf(index));
      const canonical = await this.canonicalizer.toCanonicalJpeg(loaded.bytes, fieldOf(index));
      return {
        bytes: canonical.bytes,
        sha256: createHash('sha256').update(canonical.bytes).digest('hex'),
        width: canonical.width,
        height: canonical.height,
        sourceUrl: input.url ?? null,
      };
    });
    const present = images.flatMap((image, index) => (image && !this.deferTo ? [{ image, index }] : []));
    const embeddings = new Map<number, ProductEmbedding[]>();
    if (present.length === 0) return images.map((image) => (image ? { image, embeddings: [] } : null));
    const encoders: ImageEncoder[] = [];
    for (const space of [ImageSpace.IMAGE, ImageSpace.CLIP]) {
      for (const modelId of await this.spaces.ingestModelIds(space)) {
        const encoder = await this.encoder(space, modelId);
        if (encoder) encoders.push(encoder);
      }
    }
    const vectors = await this.embedWith(
      encoders,
      present.map((entry) => entry.image.bytes),
    );
    encoders.forEach((encoder, position) => {
      present.forEach((entry, row) => {
        const list = embeddings.get(entry.index) ?? [];
        list.push({ space: encoder.space, modelId: encoder.modelId, vector: vectors[position]![row]! });
        embeddings.set(entry.index, list);
      });
    });
    return images.map((image, index) => (image ? { image, embeddings: embeddings.get(index) ?? [] } : null));
  }

  /** Embeds canonical images with one model, in batches; null when the model is not installed. */
  async embed(space: ImageSpace, modelId: string, images: readonly Buffer[]): Promise<Float32Array[] | null> {
    const encoder = await this.encoder(space, modelId);
    if (!encoder) return null;
    const [vectors] = await this.embedWith([encoder], images);
    return vectors!;
  }

  /** The encoder of a model; null (logged) when it is not installed. */
  private async encoder(space: ImageSpace, modelId: string): Promise<ImageEncoder | null> {
    try {
      return await this.models.imageEncoder(space, modelId);
    } catch (error) {
      if (!(error instanceof ModelUnavailableError)) throw error;
      this.logger.warn(
        { space, modelId: error.details.modelId },
        `stored without a ${space} embedding: ${error.message}`,
      );
      return null;
    }
  }

  /**
   * Every encoder's embeddings of the canonical images (one list per encoder), in batches of
   * INFERENCE_BATCH, pipelined: each image is decoded once for all encoders (one tensor per distinct
   * preprocessing), and the next batch is decoded and preprocessed on sharp's threads while this one
   * runs inference on onnxruntime's. The runs themselves go one at a time through the process's
   * inference lane, so concurrent requests do not split the cores between two models mid-run.
   */
  private async embedWith(
    encoders: readonly ImageEncoder[],
    images: readonly Buffer[],
  ): Promise<Float32Array[][]> {
    const results = encoders.map((): Float32Array[] => []);
    if (encoders.length === 0 || images.length === 0) return results;
    const specs: PreprocessSpec[] = [];
    const specOf = encoders.map((encoder) => {
      const key = JSON.stringify(encoder.preprocess);
      const known = specs.findIndex((spec) => JSON.stringify(spec) === key);
      if (known >= 0) return known;
      specs.push(encoder.preprocess);
      return specs.length - 1;
    });
    const tensorsOf = (start: number): Promise<Float32Array[]> => {
      const pending = this.tensorizer.preprocessEach(images.slice(start, start + INFERENCE_BATCH), specs);
      // Awaited below unless an earlier batch failed; then its outcome no longer matters.
      pending.catch(() => undefined);
      return pending;
    };
    let next = tensorsOf(0);
    for (let start = 0; start < images.length; start += INFERENCE_BATCH) {
      const count = Math.min(INFERENCE_BATCH, images.length - start);
      const tensors = await next;
      if (start + INFERENCE_BATCH < images.length) next = tensorsOf(start + INFERENCE_BATCH);
      for (const [position, encoder] of encoders.entries()) {
        const batch = tensors[specOf[position]!]!;
        results[position]!.push(...(await this.inferenceLane(() => encoder.embedPreprocessed(batch, count))));
      }
    }
    return results;
  }

  /** Runs `run` after every model run queued before it in this process. */
  private inferenceLane<T>(run: () => Promise<T>): Promise<T> {
    const result = this.lane.then(run);
    this.lane = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
