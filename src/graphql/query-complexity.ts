// Bounds on what one request may ask for: a depth limit, and a complexity budget in which every
// list field costs its page size times the cost of its items.
import { createRequire } from 'node:module';
import { type ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type * as QueryComplexity from 'graphql-query-complexity';
import { type ComplexityEstimator } from 'graphql-query-complexity';
import { ErrorCode } from '../errors/domain-errors.js';

// graphql-query-complexity's ES build imports `graphql/index.mjs`, a second copy of graphql beside
// the CommonJS one every other package loads, and graphql refuses schemas from "another realm".
// Its CommonJS build shares the one copy.
const { fieldExtensionsEstimator, getComplexity, simpleEstimator } = createRequire(import.meta.url)(
  'graphql-query-complexity',
) as typeof QueryComplexity;

/** Complexity of a list field whose size is the argument `argName` (or `fallback`). */
export function listComplexity(argName: string, fallback: number): ComplexityEstimator {
  return ({ args, childComplexity }) => {
    const requested: unknown = args[argName];
    const size = typeof requested === 'number' ? requested : fallback;
    return 1 + Math.max(1, size) * Math.max(1, childComplexity);
  };
}

export function complexityLimitPlugin(schema: GraphQLSchema, maximum: number): ApolloServerPlugin {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ request, document }) {
          const complexity = getComplexity({
            schema,
            query: document,
            ...(request.operationName ? { operationName: request.operationName } : {}),
            variables: request.variables ?? {},
            estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
          });
          if (complexity > maximum) {
            return Promise.reject(
              new GraphQLError(
                `The query is too complex: complexity ${complexity} exceeds the limit of ${maximum}; ask for fewer items or fields`,
                { extensions: { code: ErrorCode.BAD_USER_INPUT, complexity, maximum } },
              ),
            );
          }
          return Promise.resolve();
        },
      });
    },
  };
}
