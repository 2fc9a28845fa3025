// trendingProducts: what shoppers turn to now. Validates the request, asks the repository for the
// window's time-decayed popularity and, when fewer than k products qualify there, fills up from
// all-time popularity and newness, so k products come back whenever k pass the filter.
import { type ProductFilter } from '../catalogue/product.domain.js';
import { type ProductService } from '../catalogue/product.service.js';
import { type FieldProblem, ValidationError } from '../errors/domain-errors.js';
import { kProblem } from '../recommendations/recommendation-request.js';
import { K_DEFAULT, type ScoredProduct } from '../recommendations/recommendation.domain.js';
import { type InteractionWeights } from './interaction.domain.js';
import { type TrendingRepository } from './trending.repository.js';

export const WINDOW_DAYS_DEFAULT = 7;
export const WINDOW_DAYS_MAX = 365;
/** An event a quarter of the window old counts half: the window's oldest events count 1/16. */
const HALF_LIVES_PER_WINDOW = 4;

export interface TrendingRequest {
  readonly k?: number | null | undefined;
  readonly filter?: ProductFilter | null | undefined;
  readonly windowDays?: number | null | undefined;
  /** Products never to return (a shopper's seen products). */
  readonly excludeIds?: readonly string[] | undefined;
}

export class TrendingService {
  constructor(
    private readonly repository: TrendingRepository,
    private readonly products: ProductService,
    private readonly weights: InteractionWeights,
  ) {}

  /**
   * Scores are the decayed, weighted event counts of the window (0 for products filled in);
   * distance is 1 − score / the best score.
   */
  async trending(request: TrendingRequest): Promise<ScoredProduct[]> {
    const k = request.k ?? K_DEFAULT;
    const windowDays = request.windowDays ?? WINDOW_DAYS_DEFAULT;
    const problems: FieldProblem[] = [];
    const kIssue = kProblem(k, 'k');
    if (kIssue) problems.push(kIssue);
    if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > WINDOW_DAYS_MAX) {
      problems.push({
        field: 'windowDays',
        message: `must be an integer between 1 and ${WINDOW_DAYS_MAX}, got ${windowDays}`,
      });
    }
    if (problems.length > 0) throw new ValidationError(problems);
    const filter = this.products.resolveFilter(request.filter, 'filter');
    const query = {
      weights: this.weights,
      windowDays,
      halfLifeDays: windowDays / HALF_LIVES_PER_WINDOW,
      filter,
      limit: k,
    };
    const excluded = request.excludeIds ?? [];
    const trending = await this.repository.trending({ ...query, excludeIds: excluded });
    const fill =
      trending.length < k
        ? await this.repository.popularOverall({ ...query, limit: k - trending.length }, [
            ...excluded,
            ...trending.map((row) => row.record.id),
          ])
        : [];
    const best = trending[0]?.score ?? 0;
    return [...trending, ...fill.map((record) => ({ record, score: 0 }))].map(({ record, score }) => ({
      product: this.products.toProduct(record),
      score,
      distance: best > 0 ? 1 - score / best : 1,
    }));
  }
}
