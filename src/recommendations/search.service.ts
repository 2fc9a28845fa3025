// Search by example from outside the catalogue: a text (CLIP) or an uploaded photo, compared with
// stored product embeddings of the same model in Postgres.
import { ModelUnavailableError, ValidationError } from '../errors/domain-errors.js';
import {
  type ImageCanonicalizer,
  type ImageSource,
  type ImageSourceInput,
  type ModelProvider,
} from '../embeddings/embedding-engine.js';
import { ImageSpace } from '../embeddings/embedding.model.js';
import { type EmbeddingRepository } from '../embeddings/embedding.repository.js';
import { EmbeddingSpace, type ScoredProduct } from './recommendation.model.js';
import { assertK, type RecommendationService } from './recommendation.service.js';

export const MAX_QUERY_TEXT_LENGTH = 1000;

export function assertText(text: string, field: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw ValidationError.single(field, 'must not be empty');
  if (trimmed.length > MAX_QUERY_TEXT_LENGTH) {
    throw ValidationError.single(field, `must be at most ${MAX_QUERY_TEXT_LENGTH} characters`);
  }
  return trimmed;
}

export class SearchService {
  constructor(
    private readonly recommendations: RecommendationService,
    private readonly embeddings: EmbeddingRepository,
    private readonly models: ModelProvider,
    private readonly source: ImageSource,
    private readonly canonicalizer: ImageCanonicalizer,
  ) {}

  /** Products whose photos match a text, by CLIP. */
  async searchProducts(text: string, k: number | null | undefined): Promise<ScoredProduct[]> {
    const limit = assertK(k);
    const query = assertText(text, 'text');
    const model = await this.recommendations.activeModel(ImageSpace.CLIP);
    const encoder = await this.models.textEncoder();
    if (encoder.modelId !== model.modelId) {
      throw new ModelUnavailableError(
        encoder.modelId,
        `the catalogue's CLIP vectors are by ${model.modelId}; text search resumes when re-embedding completes`,
      );
    }
    const [vector] = await encoder.encode([query]);
    return this.recommendations.toScored(await this.embeddings.nearestToVector(model, vector!, limit));
  }

  /** Products that look like an uploaded photo, in the IMAGE (CNN) or CLIP space. */
  async searchByImage(
    image: ImageSourceInput,
    space: EmbeddingSpace,
    k: number | null | undefined,
  ): Promise<ScoredProduct[]> {
    const limit = assertK(k);
    if (space === EmbeddingSpace.ATTRIBUTES) {
      throw ValidationError.single('space', 'searchByImage compares photos: use IMAGE or CLIP');
    }
    const imageSpace = space === EmbeddingSpace.IMAGE ? ImageSpace.IMAGE : ImageSpace.CLIP;
    const model = await this.recommendations.activeModel(imageSpace);
    const vector = await this.embedImage(image, 'image', imageSpace, model.modelId);
    return this.recommendations.toScored(await this.embeddings.nearestToVector(model, vector, limit));
  }

  /** The embedding of a client's photo, computed exactly as stored product photos are. */
  async embedImage(
    image: ImageSourceInput,
    field: string,
    space: ImageSpace,
    modelId?: string,
  ): Promise<Float32Array> {
    const encoder = await this.models.imageEncoder(space, modelId);
    const loaded = await this.source.load(image, field);
    const canonical = await this.canonicalizer.toCanonicalJpeg(loaded.bytes, field);
    const [vector] = await encoder.encode([canonical.bytes]);
    return vector!;
  }
}
