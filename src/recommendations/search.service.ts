// Search by example from outside the catalogue: a text (CLIP) or an uploaded photo, compared with
// stored product embeddings of the same model in Postgres.
import { ValidationError } from '../errors/domain-errors.js';
import { type ImageSourceInput } from '../inference/ports.js';
import { ImageSpace } from '../embeddings/embedding.domain.js';
import { type RecommendationEngine } from './recommendation-engine.service.js';
import { type QueryEmbedder } from '../embeddings/query-embedder.service.js';
import { EmbeddingSpace, type ScoredProduct } from './recommendation.domain.js';
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
    private readonly engine: RecommendationEngine,
    private readonly embedder: QueryEmbedder,
  ) {}

  /** Products whose photos match a text, by CLIP. */
  async searchProducts(text: string, k: number | null | undefined): Promise<ScoredProduct[]> {
    const limit = assertK(k);
    const query = assertText(text, 'text');
    const model = await this.recommendations.activeModel(ImageSpace.CLIP);
    const {
      vectors: [vector],
    } = await this.embedder.embedTexts([query], model.modelId);
    return this.engine.recommend({
      like: [{ vector: Array.from(vector!), space: EmbeddingSpace.CLIP }],
      spaces: [{ space: EmbeddingSpace.CLIP, weight: 1 }],
      k: limit,
    });
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
    const vector = await this.embedder.embedImage(image, 'image', imageSpace, model.modelId);
    return this.engine.recommend({
      like: [{ vector: Array.from(vector), space }],
      spaces: [{ space, weight: 1 }],
      k: limit,
    });
  }
}
