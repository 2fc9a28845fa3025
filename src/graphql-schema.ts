// Builds the executable GraphQL schema from the decorated resolvers, resolving each resolver from
// the composition root's instances.
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, type ContainerType, type NonEmptyArray } from 'type-graphql';
import { authChecker } from './auth/authorization.js';
import { AttributeAxisResolver } from './catalogue/attribute-axis.resolver.js';
import { ProductResolver } from './catalogue/product.resolver.js';
import { RecommendationResolver } from './recommendations/recommendation.resolver.js';
import { ClassificationResolver } from './classification/classification.resolver.js';
import { ModelResolver } from './inference/model-status.resolver.js';
import { ReembeddingResolver } from './embeddings/reembedding.resolver.js';
import { ProductFieldsResolver } from './catalogue/product-fields.resolver.js';
import { SearchResolver } from './recommendations/search.resolver.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const RESOLVERS: NonEmptyArray<Function> = [
  ProductResolver,
  ProductFieldsResolver,
  AttributeAxisResolver,
  RecommendationResolver,
  SearchResolver,
  ClassificationResolver,
  ModelResolver,
  ReembeddingResolver,
];

export type ResolverInstances = ReadonlyMap<unknown, object>;

export async function buildGraphQLSchema(instances: ResolverInstances): Promise<GraphQLSchema> {
  const container: ContainerType = {
    get(someClass) {
      const instance = instances.get(someClass);
      if (!instance)
        throw new Error(
          `No instance registered for resolver ${String((someClass as { name?: string }).name)}`,
        );
      return instance;
    },
  };
  return buildSchema({ resolvers: RESOLVERS, container, authChecker, validate: false });
}

/** The SDL committed as schema/schema.graphql: sorted, so diffs show only real changes. */
export function printSdl(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
