// recommendedForUser: "for you". The shopper's taste vector in the BEHAVIOR space, computed at
// query time from their history (ShopperProfileService), ranks products by the engine; one slot in
// five (NEW_PRODUCT_SHARE) goes to products added since the last training (no behaviour yet),
// closest to the shopper's taste in attributes; whatever is still missing comes from trending. A shopper without usable history, or a
// service without a trained model, gets trending products (cold start, never an error). Seen
// products are left out by default. k come back whenever k products pass the filter.
import { type ProductFilter } from '../catalogue/product.domain.js';
import { type ProductService } from '../catalogue/product.service.js';
import { SEEN_LIMIT, type ShopperProfileService } from '../behavior/shopper-profile.service.js';
import { withFieldsRenamed } from '../errors/domain-errors.js';
import { type RecommendationEngine } from '../recommendations/recommendation-engine.service.js';
import { assertK } from '../recommendations/recommendation-request.js';
import { EmbeddingSpace, type ScoredProduct } from '../recommendations/recommendation.domain.js';
import { type FreshProductRepository } from './fresh-products.repository.js';
import { type TrendingService } from './trending.service.js';

export class UserRecommendationService {
  constructor(
    private readonly shoppers: ShopperProfileService,
    private readonly engine: RecommendationEngine,
    private readonly fresh: FreshProductRepository,
    private readonly trending: TrendingService,
    private readonly products: ProductService,
    /** Share of k for products without behaviour (NEW_PRODUCT_SHARE). */
    private readonly newProductShare: number,
  ) {}

  async recommend(
    userToken: string,
    k: number | null | undefined,
    filter: ProductFilter | null | undefined,
    excludeSeen = true,
  ): Promise<ScoredProduct[]> {
    const limit = assertK(k);
    const resolvedFilter = this.products.resolveFilter(filter, 'filter');
    const profile = await this.shoppers.profile(userToken);
    const seen = excludeSeen ? profile.seen : [];
    if (!profile.behaviorVector || !profile.behaviorModel) {
      return this.trending.trending({ k: limit, filter, excludeIds: seen });
    }
    // Products without behaviour have no BEHAVIOR vector, so the engine cannot return them: both
    // queries run at once, and the engine is asked for all k in case fewer new products qualify.
    const freshSlots = Math.floor(limit * this.newProductShare);
    const vector = profile.behaviorVector;
    const [fresh, byBehavior] = await Promise.all([
      this.fresh.closest({
        addedSince: profile.behaviorModel.trainedFrom,
        attributeTaste: profile.attributeVector,
        filter: resolvedFilter,
        excludeIds: seen,
        limit: freshSlots,
      }),
      withFieldsRenamed(
        (field) => (field.startsWith('like') ? 'userToken' : field),
        () =>
          this.engine.recommend({
            like: [{ vector, space: EmbeddingSpace.BEHAVIOR }],
            spaces: [{ space: EmbeddingSpace.BEHAVIOR, weight: 1 }],
            filter,
            k: limit,
            excludeIds: seen.slice(0, SEEN_LIMIT),
          }),
      ),
    ]);
    const freshIds = new Set(fresh.map(({ record }) => record.id));
    const freshScored = fresh.map(({ record, similarity }) => this.freshProduct(record, similarity));
    const known = byBehavior.filter((row) => !freshIds.has(row.product.id)).slice(0, limit - fresh.length);
    const combined = interleave(known, freshScored);
    if (combined.length >= limit) return combined;
    const filler = await this.trending.trending({
      k: limit - combined.length,
      filter,
      excludeIds: [...seen, ...combined.map((row) => row.product.id)],
    });
    return [...combined, ...filler];
  }

  private freshProduct(
    record: Parameters<ProductService['toProduct']>[0],
    similarity: number | null,
  ): ScoredProduct {
    const score = similarity ?? 0;
    const summary =
      similarity === null
        ? 'new: no behaviour yet, among the newest products.'
        : `new: no behaviour yet; its attributes are ${similarity.toFixed(3)} cosine-similar to what this shopper interacted with.`;
    return {
      product: this.products.toProduct(record),
      score,
      distance: 1 - score,
      explain: () =>
        Promise.resolve({
          summary,
          spaces: [],
          missingSpaces: [EmbeddingSpace.BEHAVIOR],
          renormalized: false,
          attributes: null,
        }),
    };
  }
}

/** Behaviour matches with one product without behaviour after every four. */
function interleave(main: readonly ScoredProduct[], fresh: readonly ScoredProduct[]): ScoredProduct[] {
  const out: ScoredProduct[] = [];
  let m = 0;
  let f = 0;
  while (m < main.length || f < fresh.length) {
    if (f < fresh.length && (out.length % 5 === 4 || m >= main.length)) out.push(fresh[f++]!);
    else out.push(main[m++]!);
  }
  return out;
}
