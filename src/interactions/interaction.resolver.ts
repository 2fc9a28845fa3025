// Interaction events in, and the behaviour queries that read them.
import { Arg, Authorized, Extensions, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../auth/principal.js';
import { ProductFilter } from '../catalogue/product.input.js';
import { listComplexity, VECTOR_QUERY } from '../graphql/query-complexity.js';
import { K_DEFAULT, K_MAX } from '../recommendations/recommendation.domain.js';
import { ScoredProduct } from '../recommendations/recommendation.type.js';
import { InteractionInput } from './interaction.input.js';
import { RecommendationIntent } from './interaction.domain.js';
import { InteractionService } from './interaction.service.js';
import { ProductRecommendationService } from './product-recommendation.service.js';
import { UserRecommendationService } from './user-recommendation.service.js';
import { RecordInteractionsResult } from './interaction.type.js';
import { TrendingService, WINDOW_DAYS_DEFAULT, WINDOW_DAYS_MAX } from './trending.service.js';

@Resolver()
export class InteractionResolver {
  constructor(
    private readonly interactionService: InteractionService,
    private readonly trendingService: TrendingService,
    private readonly productRecommendationService: ProductRecommendationService,
    private readonly userRecommendationService: UserRecommendationService,
  ) {}

  @Extensions(VECTOR_QUERY)
  @Query(() => [ScoredProduct], {
    description:
      "For you: products matching the shopper's taste, from their history at query time (newer and stronger events weigh more) in the BEHAVIOR space, with one slot in five for products without behaviour yet. An unknown shopper, or one without usable history, gets trending products. k whenever k products pass the filter.",
    complexity: listComplexity('k', K_DEFAULT),
  })
  recommendedForUser(
    @Arg('userToken', () => String, { description: 'The shopper, as in recordInteractions.' })
    userToken: string,
    @Arg('k', () => Int, { defaultValue: K_DEFAULT, description: `1–${K_MAX}.` }) k: number,
    @Arg('filter', () => ProductFilter, { nullable: true }) filter: ProductFilter | null,
    @Arg('excludeSeen', () => Boolean, {
      defaultValue: true,
      description: 'Leave out products the shopper interacted with (the latest 1000).',
    })
    excludeSeen: boolean,
  ) {
    return this.userRecommendationService.recommend(userToken, k, filter, excludeSeen);
  }

  @Authorized(Role.EVENTS)
  @Mutation(() => RecordInteractionsResult, {
    description:
      'Records up to 1000 shopper events (EVENTS or ADMIN key). The whole batch is validated first: one bad event refuses it all and nothing is written.',
  })
  recordInteractions(@Arg('events', () => [InteractionInput]) events: InteractionInput[]) {
    return this.interactionService.record(events);
  }

  @Extensions(VECTOR_QUERY)
  @Query(() => [ScoredProduct], {
    description:
      'What shoppers turn to now: time-decayed, weighted popularity over the last windowDays (score: decayed weighted events; distance: 1 − score / best score). Filled up from all-time popularity, then newness, when fewer than k products had events in the window.',
    complexity: listComplexity('k', K_DEFAULT),
  })
  trendingProducts(
    @Arg('k', () => Int, { defaultValue: K_DEFAULT, description: `1–${K_MAX}.` }) k: number,
    @Arg('filter', () => ProductFilter, { nullable: true }) filter: ProductFilter | null,
    @Arg('windowDays', () => Int, {
      defaultValue: WINDOW_DAYS_DEFAULT,
      description: `1–${WINDOW_DAYS_MAX}; events a quarter of the window old count half.`,
    })
    windowDays: number,
  ) {
    return this.trendingService.trending({ k, filter, windowDays });
  }

  @Extensions(VECTOR_QUERY)
  @Query(() => [ScoredProduct], {
    description:
      'For a product page: RELATED products (like this one) or COMPLEMENTARY ones (bought with it; score: the share of its baskets that hold them). k products whenever k pass the filter.',
    complexity: listComplexity('k', K_DEFAULT),
  })
  productRecommendations(
    @Arg('productId', () => ID) productId: string,
    @Arg('intent', () => RecommendationIntent, { defaultValue: RecommendationIntent.RELATED })
    intent: RecommendationIntent,
    @Arg('k', () => Int, { defaultValue: K_DEFAULT, description: `1–${K_MAX}.` }) k: number,
    @Arg('filter', () => ProductFilter, { nullable: true }) filter: ProductFilter | null,
  ) {
    return this.productRecommendationService.recommend(productId, intent, k, filter);
  }
}
