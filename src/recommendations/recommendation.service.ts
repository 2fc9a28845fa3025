// Similarity and ranking rules: bounds on k, which products qualify, and how distances become
// scores. The SQL itself lives in RecommendationRepository.
import { type FieldProblem, ModelUnavailableError, ValidationError } from '../errors/domain-errors.js';
import { ImageSpace, type SpaceModel } from '../embeddings/embedding.domain.js';
import { type EmbeddingSpaceService } from '../embeddings/embedding-space.service.js';
import { type AttributeVectorService } from '../catalogue/attribute-vector.service.js';
import { type ProductService } from '../catalogue/product.service.js';
import {
  type AttributeWeight,
  type DistanceMetric,
  EmbeddingSpace,
  K_DEFAULT,
  K_MAX,
  RankBy,
  type RankedProduct,
  type ScoredProduct,
} from './recommendation.domain.js';
import { type RecommendationEngine } from './recommendation-engine.service.js';
import { type RecommendationRepository } from './recommendation.repository.js';

export function assertK(k: number | null | undefined, field = 'k'): number {
  const value = k ?? K_DEFAULT;
  if (!Number.isInteger(value) || value < 1 || value > K_MAX) {
    throw ValidationError.single(field, `must be an integer between 1 and ${K_MAX}, got ${value}`);
  }
  return value;
}

export class RecommendationService {
  constructor(
    private readonly repository: RecommendationRepository,
    private readonly products: ProductService,
    private readonly attributeVectors: AttributeVectorService,
    private readonly spaces: EmbeddingSpaceService,
    private readonly engine: RecommendationEngine,
  ) {}

  /** The model answering queries in an image space; MODEL_UNAVAILABLE when there is none. */
  async activeModel(space: ImageSpace): Promise<SpaceModel> {
    const model = await this.spaces.activeModel(space);
    if (!model) {
      const variable = space === ImageSpace.IMAGE ? 'IMAGE_MODEL' : 'CLIP_MODEL';
      throw new ModelUnavailableError(
        space.toLowerCase(),
        `no ${space} model is configured (set ${variable})`,
      );
    }
    return model;
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
    this.products.assertProductId(productId, 'productId');
    return this.engine.recommend(
      { like: [{ productId }], spaces: [{ space, weight: 1 }], metric: metric ?? null, p: p ?? null, k },
      { productId: () => 'productId' },
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
