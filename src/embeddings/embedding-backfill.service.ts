// Computes the embeddings stored products are missing for a model: products added while the model
// was not installed, or every product when a new model replaces the active one. Resumable by
// construction: each batch is committed, and the next run starts from what is still missing.
import { ModelUnavailableError } from '../errors/domain-errors.js';
import { type ProductMediaService } from './product-media.service.js';
import { type ImageSpace } from '../inference/ports.js';
import { type EmbeddingRepository } from './embedding.repository.js';

export interface BackfillProgress {
  readonly modelId: string;
  readonly done: number;
  readonly total: number;
}

export class EmbeddingBackfillService {
  constructor(
    private readonly embeddings: EmbeddingRepository,
    private readonly media: ProductMediaService,
  ) {}

  async run(
    space: ImageSpace,
    modelId: string,
    options: {
      batchSize?: number;
      onProgress?: (progress: BackfillProgress) => void;
      signal?: AbortSignal;
    } = {},
  ): Promise<BackfillProgress> {
    const batchSize = options.batchSize ?? 32;
    const { missing } = await this.embeddings.countMissing(modelId);
    let done = 0;
    options.onProgress?.({ modelId, done, total: missing });
    while (!options.signal?.aborted) {
      const batch = await this.embeddings.missingEmbeddings(modelId, batchSize);
      if (batch.length === 0) break;
      const vectors = await this.media.embed(
        space,
        modelId,
        batch.map((row) => row.image),
      );
      if (!vectors) throw new ModelUnavailableError(modelId, 'its files are missing or invalid');
      await this.embeddings.saveEmbeddings(
        batch.map((row, index) => ({ productId: row.productId, space, modelId, vector: vectors[index]! })),
      );
      done += batch.length;
      options.onProgress?.({ modelId, done, total: Math.max(missing, done) });
    }
    return { modelId, done, total: Math.max(missing, done) };
  }
}
