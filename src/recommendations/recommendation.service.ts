// The recommendation queries of the API: `recommendations` and `similarProducts` on the engine,
// and `rankProducts` by a metric of the attribute vectors. Translates the engine's request paths
// into each operation's own argument names.
import { type AttributeVectorService } from '../catalogue/attribute-vector.service.js';
import { assertProductId } from '../catalogue/product-id.js';
import { type ProductService } from '../catalogue/product.service.js';
import {
  type FieldProblem,
  underArgument,
  ValidationError,
  withFieldsRenamed,
} from '../errors/domain-errors.js';
import { type RecommendationEngine } from './recommendation-engine.service.js';
import { assertK } from './recommendation-request.js';
import {
  type AttributeWeight,
  type DistanceMetric,
  EmbeddingSpace,
  RankBy,
  type RankedProduct,
  type RecommendationRequest,
  type ScoredProduct,
} from './recommendation.domain.js';
import { type RecommendationRepository } from './recommendation.repository.js';

export class RecommendationService {
  constructor(
    private readonly repository: RecommendationRepository,
    private readonly products: ProductService,
    private readonly attributeVectors: AttributeVectorService,
    private readonly engine: RecommendationEngine,
  ) {}

  /** `recommendations(input)`: the engine, with error paths under the `input` argument. */
  async recommend(input: RecommendationRequest): Promise<ScoredProduct[]> {
    return withFieldsRenamed(underArgument('input'), () => this.engine.recommend(input));
  }

  /**
   * The storefront call: the k products most similar to one product in one space, on the same engine
   * as `recommendations`.
   */
  async similarProducts(
    productId: string,
    k: number | null | undefined,
    space: EmbeddingSpace = EmbeddingSpace.ATTRIBUTES,
    metric?: DistanceMetric | null,
    p?: number | null,
  ): Promise<ScoredProduct[]> {
    assertK(k);
    assertProductId(productId, 'productId');
    return withFieldsRenamed(
      (field) => (field.startsWith('like[0]') ? 'productId' : field),
      () =>
        this.engine.recommend({
          like: [{ productId }],
          spaces: [{ space, weight: 1 }],
          metric: metric ?? null,
          p: p ?? null,
          k,
        }),
    );
  }

  async rankProducts(
    by: RankBy = RankBy.NORM,
    weights: readonly AttributeWeight[] | null | undefined,
    k: number | null | undefined,
  ): Promise<RankedProduct[]> {
    const limit = assertK(k);
    let rows;
    if (by === RankBy.NORM) {
      if (weights && weights.length > 0) {
        throw ValidationError.single('weights', 'weights apply only to by: WEIGHTED_SUM');
      }
      rows = await this.repository.topByNorm(limit);
    } else {
      rows = await this.repository.topByWeightedSum(this.weightVector(weights), limit);
    }
    return rows.map(({ record, score }, index) => ({
      product: this.products.toProduct(record),
      rank: index + 1,
      score,
    }));
  }

  private weightVector(weights: readonly AttributeWeight[] | null | undefined): number[] {
    if (!weights || weights.length === 0) {
      throw ValidationError.single('weights', 'by: WEIGHTED_SUM needs at least one axis weight');
    }
    const axes = this.attributeVectors.axes();
    const vector = axes.map(() => 0);
    const problems: FieldProblem[] = [];
    const seen = new Set<string>();
    weights.forEach((weight, index) => {
      const position = axes.findIndex((axis) => axis.name === weight.axis);
      if (position < 0) {
        problems.push({
          field: `weights[${index}].axis`,
          message: `unknown attribute axis ${JSON.stringify(weight.axis)}; known axes: ${axes.map((a) => a.name).join(', ')}`,
        });
      } else if (seen.has(weight.axis)) {
        problems.push({
          field: `weights[${index}].axis`,
          message: `axis ${weight.axis} is given more than once`,
        });
      } else if (!Number.isFinite(weight.weight) || Math.abs(weight.weight) > 1e6) {
        problems.push({
          field: `weights[${index}].weight`,
          message: 'must be a finite number between -1e6 and 1e6',
        });
      } else {
        vector[position] = weight.weight;
      }
      seen.add(weight.axis);
    });
    if (problems.length > 0) throw new ValidationError(problems);
    return vector;
  }
}
