import { Arg, ID, Int, Query, Resolver } from 'type-graphql';
import { listComplexity } from '../http/query-complexity.js';
import { EmbeddingSpace, RankBy } from './recommendation.model.js';
import { RecommendationService } from './recommendation.service.js';
import { AttributeWeightInput, RankedProduct, ScoredProduct } from './recommendation.type.js';

@Resolver()
export class RecommendationResolver {
  constructor(private readonly recommendations: RecommendationService) {}

  @Query(() => [ScoredProduct], {
    description:
      'The k products most similar to a product (itself excluded), by cosine similarity in one space.',
    complexity: listComplexity('k', 10),
  })
  similarProducts(
    @Arg('productId', () => ID) productId: string,
    @Arg('k', () => Int, { defaultValue: 10, description: '1–100.' }) k: number,
    @Arg('space', () => EmbeddingSpace, { defaultValue: EmbeddingSpace.ATTRIBUTES }) space: EmbeddingSpace,
  ) {
    return this.recommendations.similarProducts(productId, k, space);
  }

  @Query(() => [RankedProduct], {
    description: 'Products ranked by a metric of their attribute vectors, best first.',
    complexity: listComplexity('k', 10),
  })
  rankProducts(
    @Arg('by', () => RankBy, { defaultValue: RankBy.NORM }) by: RankBy,
    @Arg('weights', () => [AttributeWeightInput], { nullable: true }) weights: AttributeWeightInput[] | null,
    @Arg('k', () => Int, { defaultValue: 10 }) k: number,
  ) {
    return this.recommendations.rankProducts(by, weights, k);
  }
}
