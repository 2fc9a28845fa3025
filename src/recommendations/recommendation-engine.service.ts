// The recommendation engine: validate → plan → execute in SQL → re-rank for diversity → explain on
// demand. Each step is a file of its own (recommendation-request, recommendation-planner,
// recommendation.repository/.sql, diversity, explanation); this class only runs them in order.
// Errors name fields relative to the request (`like[0].productId`).
import { type AttributeVectorService } from '../catalogue/attribute-vector.service.js';
import { type ProductService } from '../catalogue/product.service.js';
import { maximalMarginalRelevance } from './diversity.js';
import { explain } from './explanation.js';
import { type RecommendationPlan } from './recommendation-plan.js';
import { type RecommendationPlanner, type SpacePlans } from './recommendation-planner.js';
import { validateRequest } from './recommendation-request.js';
import { EmbeddingSpace, type RecommendationRequest, type ScoredProduct } from './recommendation.domain.js';
import { type RecommendationRepository, type ScoredRow } from './recommendation.repository.js';

/** Products scored for maximal marginal relevance before k are picked. */
const MMR_POOL = 100;

/** Nearest candidates per space and example when several are combined, before the fit below. */
const COMBINED_CANDIDATES = 100;

/**
 * Candidates one index scan of a combined query takes. An HNSW scan's first search returns
 * `hnsw.ef_search` rows (HNSW_EF_SEARCH), and the rows the statement skips — the excluded ids,
 * liked products among them — come out of those; asking for one row more than what remains runs a
 * second search round that costs about as much as the first (BENCHMARKS.md, "Service changes").
 * So the scan takes what fits, down to 3/4 of what it wanted (75 per space kept recall@10 at
 * 1.000, see candidatesPerTarget); where even that does not fit, a second round is paid anyway
 * and it takes all it wanted.
 */
export function candidatesWithinFirstSearch(wanted: number, skipped: number, efSearch: number): number {
  const fits = efSearch - skipped;
  return fits >= Math.ceil((wanted * 3) / 4) ? Math.min(wanted, fits) : wanted;
}

/**
 * Nearest candidates taken per space and example before exact scoring. One space and one example:
 * the index order is the answer (`pool` rows), unless a filter makes the index scan iterative,
 * whose relaxed order needs more candidates for full recall (BENCHMARKS.md). Several spaces or
 * examples: more candidates per space, since the best combined products need not be the best in
 * any single space; each one is then scored exactly in every space. Three weighted spaces (bench,
 * 40 queries, recall@10 against the exact weighted answer): 30 per space gave 1.000 at 10k but
 * 0.910 at 100k; 50: 0.988; 75 and 100: 1.000 at both. Without a filter they are fitted into the
 * first search round; with one the scans skip far more rows than the excluded ids and run further
 * rounds whatever they ask for, so fitting them would only cost recall.
 */
export function candidatesPerTarget(shape: {
  readonly simple: boolean;
  readonly filtered: boolean;
  /** Rows the statement returns (k, or the pool diversity re-ranks). */
  readonly pool: number;
  /** Ids every scan skips: the excluded ids and the examples. */
  readonly skipped: number;
  readonly efSearch: number;
}): number {
  const { simple, filtered, pool } = shape;
  if (simple) return filtered ? Math.max(pool * 4, 40) : pool;
  const combined = Math.max(pool * 4, COMBINED_CANDIDATES);
  return filtered ? combined : candidatesWithinFirstSearch(combined, shape.skipped, shape.efSearch);
}

export interface RecommendationEngineOptions {
  /** hnsw.ef_search of the database sessions: the rows an index scan's first search returns. */
  readonly efSearch: number;
}

export class RecommendationEngine {
  constructor(
    private readonly repository: RecommendationRepository,
    private readonly planner: RecommendationPlanner,
    private readonly products: ProductService,
    private readonly attributeVectors: AttributeVectorService,
    private readonly options: RecommendationEngineOptions,
  ) {}

  async recommend(request: RecommendationRequest): Promise<ScoredProduct[]> {
    const valid = validateRequest(request, {
      attributeDimension: this.attributeVectors.axes().length,
      usableSpaces: await this.planner.usableSpaces(),
    });
    const filter = this.products.resolveFilter(request.filter, 'filter');
    const pool = valid.diversity > 0 ? Math.max(valid.k, Math.min(MMR_POOL, valid.k * 5)) : valid.k;
    const planOf = ({ plans, exampleIds }: SpacePlans): RecommendationPlan => {
      const simple =
        plans.length === 1 && plans[0]!.positives.length === 1 && plans[0]!.negatives.length === 0;
      const excludeIds = [...new Set([...valid.excludeIds, ...exampleIds])];
      return {
        spaces: plans,
        strategy: valid.strategy,
        filter,
        excludeIds,
        limit: pool,
        candidatesPerTarget: candidatesPerTarget({
          simple,
          filtered: Boolean(filter),
          pool,
          skipped: excludeIds.length,
          efSearch: this.options.efSearch,
        }),
        minScore: valid.minScore,
      };
    };

    // Liked product ids only: one statement plans, checks the examples and answers. Anything short
    // of a full answer from existing examples (a missing product, a product with no value in any
    // requested space, too few qualifying products) is answered by the planned path below, which
    // reports the right error or falls back to an exact scan.
    let planned: SpacePlans | null = null;
    let rows: ScoredRow[] | null = null;
    const optimistic = await this.planner.optimisticPlan(valid);
    if (optimistic) {
      const plan = { ...planOf(optimistic), checkExamples: optimistic.exampleIds };
      const attempt = await this.repository.attempt(plan);
      if (
        attempt.rows.length >= plan.limit &&
        attempt.examplesFound === optimistic.exampleIds.length &&
        attempt.spacesPresent?.every(Boolean)
      ) {
        rows = attempt.rows;
        planned = optimistic;
      }
    }
    if (!planned || !rows) {
      planned = await this.planner.plan(valid);
      rows = await this.repository.recommend(planOf(planned));
    }
    const { plans, dropped } = planned;
    const plan = planOf(planned);
    if (valid.diversity > 0) {
      const similarity = await this.repository.pairwiseSimilarity(
        plan,
        rows.map((row) => row.record.id),
      );
      const pair = (a: string, b: string): number => similarity.get(a < b ? `${a}|${b}` : `${b}|${a}`) ?? 0;
      rows = maximalMarginalRelevance(
        rows.map((row) => ({ ...row, id: row.record.id })),
        valid.k,
        valid.diversity,
        pair,
      );
    }

    let attributeQuery: Promise<number[] | null> | null = null;
    const attributePlan = plans.find((s) => s.space === EmbeddingSpace.ATTRIBUTES);
    const queryOnce = (): Promise<number[] | null> =>
      (attributeQuery ??= attributePlan
        ? this.repository.attributeQuery(attributePlan)
        : Promise.resolve(null));
    const single = plans.length === 1;
    return rows.map((row) => {
      const product = this.products.toProduct(row.record);
      return {
        product,
        score: row.score,
        distance: single ? (row.distances[0] ?? 1 - row.score) : 1 - row.score,
        explain: async () =>
          explain({
            plans,
            dropped,
            row,
            axes: this.attributeVectors.axes(),
            productScores: row.record.attributeScores,
            attributeQuery: await queryOnce(),
          }),
      };
    });
  }
}
