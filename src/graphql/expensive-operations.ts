// The rate limit on expensive operations: every root field that runs a vector query or a model
// (`@Extensions(VECTOR_QUERY)`) and every mutation field costs one point of the client's budget
// (RATE_LIMIT_EXPENSIVE_OPERATIONS per RATE_LIMIT_EXPENSIVE_WINDOW_SECONDS). Past it: 429
// RATE_LIMITED with Retry-After, before anything runs. Operations without an HTTP client
// (in-process calls) are not limited.
import { type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import {
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLObjectType,
  Kind,
  type OperationDefinitionNode,
  OperationTypeNode,
  type SelectionSetNode,
} from 'graphql';
import { ErrorCode } from '../errors/domain-errors.js';
import { type RequestContext } from './request-context.js';

/** Counts expensive work per client; resolves to the seconds to wait when the budget is spent. */
export interface OperationRateLimiter {
  consumeExpensive(clientKey: string, points: number): Promise<number | null>;
}

/** The expensive root fields of an operation (aliases each count; fragments are followed). */
export function expensiveRootFields(
  operation: OperationDefinitionNode,
  rootType: GraphQLObjectType,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): number {
  const everyField = operation.operation === OperationTypeNode.MUTATION;
  const seen = new Set<string>();
  const count = (selectionSet: SelectionSetNode): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = rootType.getFields()[selection.name.value];
        const extensions = field?.extensions as { vectorQuery?: boolean } | undefined;
        if (field && (everyField || extensions?.vectorQuery)) total += 1;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += count(selection.selectionSet);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !seen.has(fragment.name.value)) {
          seen.add(fragment.name.value);
          total += count(fragment.selectionSet);
        }
      }
    }
    return total;
  };
  return count(operation.selectionSet);
}

export function expensiveOperationLimitPlugin(
  limiter: OperationRateLimiter,
): ApolloServerPlugin<RequestContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        async didResolveOperation({ contextValue, operation, document, schema }) {
          const client = contextValue.client;
          if (!client || !operation) return;
          const rootType =
            operation.operation === OperationTypeNode.MUTATION
              ? schema.getMutationType()
              : schema.getQueryType();
          if (!rootType) return;
          const fragments = new Map(
            document.definitions
              .filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION)
              .map((fragment) => [fragment.name.value, fragment] as const),
          );
          const points = expensiveRootFields(operation, rootType, fragments);
          if (points === 0) return;
          const waitSeconds = await limiter.consumeExpensive(client.rateLimitKey, points);
          if (waitSeconds === null) return;
          contextValue.logger.warn({ points, waitSeconds }, 'expensive operations rate limit reached');
          throw new GraphQLError(
            `Too many expensive operations (vector queries, models, mutations) from this client; retry in ${waitSeconds} s`,
            {
              extensions: {
                code: ErrorCode.RATE_LIMITED,
                retryAfterSeconds: waitSeconds,
                http: { status: 429, headers: new HeaderMap([['retry-after', String(waitSeconds)]]) },
              },
            },
          );
        },
      });
    },
  };
}
