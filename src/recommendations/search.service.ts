// Search by example from outside the catalogue: a text (CLIP) or an uploaded photo, compared with
// stored product embeddings of the same model in Postgres.
import { ValidationError } from '../errors/domain-errors.js';
import { type ImageSourceInput } from '../imaging/image-source.js';
import { ImageSpace } from '../inference/ports.js';
import { type RecommendationEngine } from './recommendation-engine.service.js';
import { type QueryEmbedder } from '../embeddings/query-embedder.service.js';
import { EmbeddingSpace, imageSpaceOf, type ScoredProduct } from './recommendation.domain.js';
import { assertK } from './recommendation-request.js';
import { assertQueryText } from '../embeddings/query-text.js';
import { type EmbeddingSpaceService } from '../embeddings/embedding-space.service.js';

export class SearchService {
  constructor(
    private readonly engine: RecommendationEngine,
    private readonly spaces: EmbeddingSpaceService,
    private readonly embedder: QueryEmbedder,
  ) {}

  /** Products whose photos match a text, by CLIP. */
  async searchProducts(text: string, k: number | null | undefined): Promise<ScoredProduct[]> {
    const limit = assertK(k);
    const query = assertQueryText(text, 'text');
    const model = await this.spaces.requireActiveModel(ImageSpace.CLIP);
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
    const imageSpace = imageSpaceOf(space);
    if (!imageSpace)
      throw ValidationError.single('space', 'searchByImage compares photos: use IMAGE or CLIP');
    const model = await this.spaces.requireActiveModel(imageSpace);
    const vector = await this.embedder.embedImage(image, 'image', imageSpace, model.modelId);
    return this.engine.recommend({
      like: [{ vector: Array.from(vector), space }],
      spaces: [{ space, weight: 1 }],
      k: limit,
    });
  }
}
