import { Arg, Extensions, FieldResolver, Float, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { listComplexity, VECTOR_QUERY } from '../graphql/query-complexity.js';
import { DistanceMetric, EmbeddingSpace, K_DEFAULT, K_MAX, RankBy } from './recommendation.domain.js';
import { RecommendationService } from './recommendation.service.js';
import {
  AttributeWeightInput,
  Explanation,
  RankedProduct,
  RecommendationInput,
  ScoredProduct,
} from './recommendation.type.js';

@Resolver(() => ScoredProduct)
export class RecommendationResolver {
  constructor(private readonly recommendationService: RecommendationService) {}

  @Extensions(VECTOR_QUERY)
  @Query(() => [ScoredProduct], {
    description:
      'The k products most similar to a product (itself excluded) in one space, by a metric (default COSINE).',
    complexity: listComplexity('k', K_DEFAULT),
  })
  similarProducts(
    @Arg('productId', () => ID) productId: string,
    @Arg('k', () => Int, { defaultValue: K_DEFAULT, description: `1–${K_MAX}.` }) k: number,
    @Arg('space', () => EmbeddingSpace, { defaultValue: EmbeddingSpace.ATTRIBUTES }) space: EmbeddingSpace,
    @Arg('metric', () => DistanceMetric, { nullable: true }) metric: DistanceMetric | null,
    @Arg('p', () => Float, { nullable: true, description: 'MINKOWSKI exponent.' }) p: number | null,
  ) {
    return this.recommendationService.similarProducts(productId, k, space, metric, p);
  }

  @Extensions(VECTOR_QUERY)
  @Query(() => [ScoredProduct], {
    description:
      'More like these, less like those: examples, weighted spaces, filters that keep k, any metric, diversity, explanations.',
    complexity: ({ args, childComplexity }) => {
      const input = args['input'] as { k?: number } | undefined;
      return 1 + Math.max(1, input?.k ?? K_DEFAULT) * Math.max(1, childComplexity);
    },
  })
  recommendations(@Arg('input', () => RecommendationInput) input: RecommendationInput) {
    return this.recommendationService.recommend(input);
  }

  @FieldResolver(() => Explanation, {
    nullable: true,
    description: "The score's parts per space (and per attribute axis); computed only when asked for.",
  })
  explanation(@Root() scored: ScoredProduct & { explain?: () => Promise<Explanation> }) {
    return scored.explain ? scored.explain() : null;
  }

  @Extensions(VECTOR_QUERY)
  @Query(() => [RankedProduct], {
    description: 'Products ranked by a metric of their attribute vectors, best first.',
    complexity: listComplexity('k', K_DEFAULT),
  })
  rankProducts(
    @Arg('by', () => RankBy, { defaultValue: RankBy.NORM }) by: RankBy,
    @Arg('weights', () => [AttributeWeightInput], { nullable: true }) weights: AttributeWeightInput[] | null,
    @Arg('k', () => Int, { defaultValue: K_DEFAULT }) k: number,
  ) {
    return this.recommendationService.rankProducts(by, weights, k);
  }
}
