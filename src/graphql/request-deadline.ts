// Abandons a GraphQL operation whose HTTP request passed REQUEST_TIMEOUT_MS (the client already has
// its 504): no further field starts resolving, so aliases and nested lists still to come cost nothing.
// The check is folded into each field's resolver once, when the schema is built. As an Apollo
// `willResolveField` hook it cost more than the check itself: with any such hook Apollo dispatches
// every field of every request through its plugin machinery (~100 µs a request of 80 fields,
// BENCHMARKS.md "Service changes").
import { defaultFieldResolver, GraphQLError, GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { ErrorCode } from '../errors/domain-errors.js';
import { type RequestContext } from './request-context.js';

/** Makes every field of `schema` refuse to start once its request's deadline has passed. */
export function abandonFieldsAfterDeadline(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: Partial<RequestContext> | undefined, info) => {
        if (context?.deadline?.aborted) {
          throw new GraphQLError('The request timed out; it was abandoned', {
            extensions: { code: ErrorCode.REQUEST_TIMEOUT },
          });
        }
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}
