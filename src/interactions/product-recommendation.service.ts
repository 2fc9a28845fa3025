// productRecommendations: RELATED is the recommendation engine with the product as its example;
// COMPLEMENTARY ranks what was bought in the same baskets (BasketRepository) and, when fewer than
// k products qualify there — a product nobody bought in an order yet — fills up with RELATED ones,
// so k come back whenever k products pass the filter.
import { assertProductId } from '../catalogue/product-id.js';
import { type ProductFilter } from '../catalogue/product.domain.js';
import { type ProductService } from '../catalogue/product.service.js';
import { type EmbeddingSpaceService } from '../embeddings/embedding-space.service.js';
import { ProductNotFoundError, withFieldsRenamed } from '../errors/domain-errors.js';
import { ImageSpace } from '../inference/ports.js';
import { type RecommendationEngine } from '../recommendations/recommendation-engine.service.js';
import { assertK } from '../recommendations/recommendation-request.js';
import { type ScoredProduct } from '../recommendations/recommendation.domain.js';
import { type BasketRepository, type CoPurchase } from './basket.repository.js';
import { RecommendationIntent } from './interaction.domain.js';

/** Same category and CLIP cosine at least this: another photo of the same thing, not a complement. */
const NEAR_DUPLICATE_CLIP_SIMILARITY = 0.95;
/** Without CLIP vectors: same category and attribute scores this close (Euclidean, axis scale). */
const NEAR_DUPLICATE_ATTRIBUTE_DISTANCE = 2;

export interface ComplementSettings {
  /** Fewest shared baskets (COMPLEMENTARY_MIN_SUPPORT). */
  readonly minSupport: number;
  /** Least lift (COMPLEMENTARY_MIN_LIFT). */
  readonly minLift: number;
}

export class ProductRecommendationService {
  constructor(
    private readonly baskets: BasketRepository,
    private readonly engine: RecommendationEngine,
    private readonly products: ProductService,
    private readonly spaces: EmbeddingSpaceService,
    private readonly settings: ComplementSettings,
  ) {}

  async recommend(
    productId: string,
    intent: RecommendationIntent,
    k: number | null | undefined,
    filter: ProductFilter | null | undefined,
  ): Promise<ScoredProduct[]> {
    const limit = assertK(k);
    assertProductId(productId, 'productId');
    if (intent === RecommendationIntent.RELATED) return this.related(productId, limit, filter, []);
    const resolvedFilter = this.products.resolveFilter(filter, 'filter');
    if (!(await this.products.getById(productId))) throw new ProductNotFoundError(productId, 'productId');
    const clip = await this.spaces.activeModel(ImageSpace.CLIP);
    const pairs = await this.baskets.coPurchases({
      productId,
      filter: resolvedFilter,
      limit,
      minSupport: this.settings.minSupport,
      minLift: this.settings.minLift,
      nearDuplicate: {
        clipModelId: clip?.modelId ?? null,
        clipSimilarity: NEAR_DUPLICATE_CLIP_SIMILARITY,
        attributeDistance: NEAR_DUPLICATE_ATTRIBUTE_DISTANCE,
      },
    });
    const complements = pairs.map((pair) => this.complement(pair));
    if (complements.length >= limit) return complements;
    const related = await this.related(
      productId,
      limit - complements.length,
      filter,
      complements.map((scored) => scored.product.id),
    );
    return [...complements, ...related];
  }

  /** The engine with the product as its one example, error paths named as this query's arguments. */
  private related(
    productId: string,
    k: number,
    filter: ProductFilter | null | undefined,
    excludeIds: readonly string[],
  ): Promise<ScoredProduct[]> {
    return withFieldsRenamed(
      (field) => (field.startsWith('like[0]') ? 'productId' : field),
      () => this.engine.recommend({ like: [{ productId }], filter: filter ?? null, k, excludeIds }),
    );
  }

  /** A co-purchase as a scored product: score is the confidence, explained in words. */
  private complement(pair: CoPurchase): ScoredProduct {
    const summary = `bought together in ${pair.together} of ${pair.anchorBaskets} baskets holding this product (confidence ${pair.confidence.toFixed(2)}, lift ${pair.lift.toFixed(1)})`;
    return {
      product: this.products.toProduct(pair.record),
      score: pair.confidence,
      distance: 1 - pair.confidence,
      explain: () =>
        Promise.resolve({
          summary: `${summary}.`,
          spaces: [],
          missingSpaces: [],
          renormalized: false,
          attributes: null,
        }),
    };
  }
}
