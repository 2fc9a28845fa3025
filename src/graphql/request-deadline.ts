// Abandons a GraphQL operation whose HTTP request passed REQUEST_TIMEOUT_MS (the client already has
// its 504): no further field starts resolving, so aliases and nested lists still to come cost nothing.
import { type ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors/domain-errors.js';
import { type RequestContext } from './request-context.js';

export const requestDeadlinePlugin: ApolloServerPlugin<RequestContext> = {
  requestDidStart() {
    return Promise.resolve({
      executionDidStart() {
        return Promise.resolve({
          willResolveField({ contextValue }) {
            if (contextValue.deadline?.aborted) {
              throw new GraphQLError('The request timed out; it was abandoned', {
                extensions: { code: ErrorCode.REQUEST_TIMEOUT },
              });
            }
          },
        });
      },
    });
  },
};
