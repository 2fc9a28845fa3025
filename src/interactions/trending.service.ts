// trendingProducts: what shoppers turn to now. Validates the request, asks the repository for the
// window's time-decayed popularity and, when fewer than k products qualify there, fills up from
// all-time popularity and newness, so k products come back whenever k pass the filter. Keeps the
// window's snapshot fresh: the first request for a window length computes it (and waits), a
// request finding it older than TRENDING_REFRESH_SECONDS recomputes it in the background; events
// recorded after a snapshot count at once either way (the repository adds them live).
import { type ProductFilter } from '../catalogue/product.domain.js';
import { type ProductService } from '../catalogue/product.service.js';
import { type FieldProblem, ValidationError } from '../errors/domain-errors.js';
import { kProblem } from '../recommendations/recommendation-request.js';
import { K_DEFAULT, type ScoredProduct } from '../recommendations/recommendation.domain.js';
import { type InteractionWeights } from './interaction.domain.js';
import { type TrendingRepository, type TrendingWindow } from './trending.repository.js';

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

export interface TrendingSettings {
  readonly weights: InteractionWeights;
  /** Age at which a window's snapshot is recomputed (TRENDING_REFRESH_SECONDS). */
  readonly refreshMs: number;
}

export class TrendingService {
  /** Per window length: when this process last knew its snapshot to be computed. */
  private readonly computedAt = new Map<number, number>();
  /** Per window length: the recomputation in flight, shared by every request that needs it. */
  private readonly refreshing = new Map<number, Promise<void>>();

  constructor(
    private readonly repository: TrendingRepository,
    private readonly products: ProductService,
    private readonly settings: TrendingSettings,
    private readonly log: { error(fields: object, message: string): void },
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
    const window = {
      weights: this.settings.weights,
      windowDays,
      halfLifeDays: windowDays / HALF_LIVES_PER_WINDOW,
    };
    const justMade = await this.ensureSnapshot(window);
    const query = { ...window, filter, limit: k };
    const excluded = request.excludeIds ?? [];
    const trending = await this.repository.trending({ ...query, excludeIds: excluded }, justMade);
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

  /**
   * A snapshot for the window, computed with the configured weights, and not older than the refresh
   * age. True when this request had to wait for it to be made.
   */
  private async ensureSnapshot(window: TrendingWindow): Promise<boolean> {
    let computedAt = this.computedAt.get(window.windowDays);
    if (computedAt === undefined) {
      const stored = await this.repository.snapshot(window.windowDays);
      if (!stored || !sameWeights(stored.weights, window.weights)) {
        await this.refresh(window);
        return true;
      }
      computedAt = stored.computedAt.getTime();
      this.computedAt.set(window.windowDays, computedAt);
    }
    if (Date.now() - computedAt >= this.settings.refreshMs) {
      this.refresh(window).catch((error: unknown) =>
        this.log.error(
          { err: error, windowDays: window.windowDays },
          'recomputing the trending snapshot failed',
        ),
      );
    }
    return false;
  }

  private refresh(window: TrendingWindow): Promise<void> {
    const inFlight = this.refreshing.get(window.windowDays);
    if (inFlight) return inFlight;
    const started = Date.now();
    const refresh = this.repository
      .refresh(window)
      .then(() => void this.computedAt.set(window.windowDays, started))
      .finally(() => this.refreshing.delete(window.windowDays));
    this.refreshing.set(window.windowDays, refresh);
    return refresh;
  }
}

function sameWeights(a: InteractionWeights, b: InteractionWeights): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof InteractionWeights>;
  return [...keys].every((key) => a[key] === b[key]);
}
