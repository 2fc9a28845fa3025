// Turns the images of product input into what is stored: the canonical copy and its embedding by
// every configured model that is installed. Runs before any write, so a failing image leaves no
// half-written product; a model that is not installed only leaves that embedding missing. In an API
// process of a scaled-out deployment (ROLE=api) the embeddings are left to the workers: photos are
// stored without them and, once stored, an embedding job is queued (README "Scaling out").
import { createHash } from 'node:crypto';
import { type Logger } from 'pino';
import { ModelUnavailableError } from '../errors/domain-errors.js';
import { type ModelProvider } from '../inference/ports.js';
import { type ImageCanonicalizer, type ImageSource, type ImageSourceInput } from '../imaging/image-source.js';
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
  constructor(
    private readonly source: ImageSource,
    private readonly canonicalizer: ImageCanonicalizer,
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
    for (const space of [ImageSpace.IMAGE, ImageSpace.CLIP]) {
      if (present.length === 0) break;
      for (const modelId of await this.spaces.ingestModelIds(space)) {
        const vectors = await this.embed(
          space,
          modelId,
          present.map((entry) => entry.image.bytes),
        );
        if (!vectors) continue;
        present.forEach((entry, position) => {
          const list = embeddings.get(entry.index) ?? [];
          list.push({ space, modelId, vector: vectors[position]! });
          embeddings.set(entry.index, list);
        });
      }
    }
    return images.map((image, index) => (image ? { image, embeddings: embeddings.get(index) ?? [] } : null));
  }

  /** Embeds canonical images with one model, in batches; null when the model is not installed. */
  async embed(space: ImageSpace, modelId: string, images: readonly Buffer[]): Promise<Float32Array[] | null> {
    try {
      const encoder = await this.models.imageEncoder(space, modelId);
      const vectors: Float32Array[] = [];
      for (let start = 0; start < images.length; start += INFERENCE_BATCH) {
        vectors.push(...(await encoder.encode(images.slice(start, start + INFERENCE_BATCH))));
      }
      return vectors;
    } catch (error) {
      if (!(error instanceof ModelUnavailableError)) throw error;
      this.logger.warn(
        { space, modelId: error.details.modelId },
        `stored without a ${space} embedding: ${error.message}`,
      );
      return null;
    }
  }
}
