// The one registry of resolvers: each resolver class with the factory that builds it from the
// services. A resolver listed here is in the schema and has its instance; there is no second list.
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, type ContainerType, type NonEmptyArray } from 'type-graphql';
import { EmbeddingMapResolver } from './analytics/embedding-map.resolver.js';
import { BehaviorModelResolver } from './behavior/behavior-model.resolver.js';
import { AttributeAxisResolver } from './catalogue/attribute-axis.resolver.js';
import { ProductFieldsResolver } from './catalogue/product-fields.resolver.js';
import { ProductResolver } from './catalogue/product.resolver.js';
import { ClassificationResolver } from './classification/classification.resolver.js';
import { ReembeddingResolver } from './embeddings/reembedding.resolver.js';
import { authChecker } from './graphql/auth-checker.js';
import { InteractionResolver } from './interactions/interaction.resolver.js';
import { ModelStatusResolver } from './inference/model-status.resolver.js';
import { RecommendationResolver } from './recommendations/recommendation.resolver.js';
import { SearchResolver } from './recommendations/search.resolver.js';
import { type Services } from './services.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type ResolverEntry = readonly [resolver: Function, create: (services: Services) => object];

const RESOLVERS: readonly ResolverEntry[] = [
  [ProductResolver, (s) => new ProductResolver(s.products)],
  [ProductFieldsResolver, (s) => new ProductFieldsResolver(s.spaces, s.products)],
  [AttributeAxisResolver, (s) => new AttributeAxisResolver(s.attributeVectors)],
  [RecommendationResolver, (s) => new RecommendationResolver(s.recommendations)],
  [SearchResolver, (s) => new SearchResolver(s.search)],
  [ClassificationResolver, (s) => new ClassificationResolver(s.classification)],
  [EmbeddingMapResolver, (s) => new EmbeddingMapResolver(s.maps)],
  [ModelStatusResolver, (s) => new ModelStatusResolver(s.models)],
  [ReembeddingResolver, (s) => new ReembeddingResolver(s.reembedding)],
  [BehaviorModelResolver, (s) => new BehaviorModelResolver(s.behavior)],
  [
    InteractionResolver,
    (s) =>
      new InteractionResolver(s.interactions, s.trending, s.productRecommendations, s.userRecommendations),
  ],
];

/** The executable schema; without services (emitting the SDL) resolvers cannot run. */
export async function buildGraphQLSchema(services: Services | null): Promise<GraphQLSchema> {
  const instances = new Map(
    RESOLVERS.map(([resolver, create]) => [resolver, services ? create(services) : null]),
  );
  const container: ContainerType = {
    get(someClass) {
      const instance = instances.get(someClass as ResolverEntry[0]);
      if (!instance)
        throw new Error(
          `No instance of resolver ${String((someClass as { name?: string }).name)} (no services)`,
        );
      return instance;
    },
  };
  const resolvers = RESOLVERS.map(([resolver]) => resolver) as NonEmptyArray<ResolverEntry[0]>;
  return buildSchema({ resolvers, container, authChecker, validate: false });
}

/** The SDL committed as schema/schema.graphql: sorted, so diffs show only real changes. */
export function printSdl(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
