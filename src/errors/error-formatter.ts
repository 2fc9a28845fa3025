// The one place that turns internal errors into client errors. Domain errors keep their message
// and code; errors raised by GraphQL itself (parse, validation, variable coercion) keep theirs;
// anything else is hidden from the client and logged by `errorLoggingPlugin` with the request id.
import { type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { type GraphQLFormattedError } from 'graphql';
import { type RequestContext } from '../http/request-context.js';
import { DomainError, ErrorCode } from './domain-errors.js';

function isClientError(formatted: GraphQLFormattedError, original: unknown): boolean {
  if (original instanceof DomainError) return true;
  const code = formatted.extensions?.['code'];
  return typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR;
}

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const where = {
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
  if (original instanceof DomainError) {
    return { message: original.message, ...where, extensions: { code: original.code, ...original.details } };
  }
  if (isClientError(formatted, original)) {
    return { message: formatted.message, ...where, extensions: { code: formatted.extensions?.['code'] } };
  }
  return { message: 'Internal server error', ...where, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

export const errorLoggingPlugin: ApolloServerPlugin<RequestContext> = {
  requestDidStart() {
    return Promise.resolve({
      didEncounterErrors({ contextValue, errors }) {
        for (const error of errors) {
          const original = unwrapResolverError(error);
          if (original instanceof DomainError) continue;
          if (typeof error.extensions['code'] === 'string' && error.extensions['code'] !== ErrorCode.INTERNAL_SERVER_ERROR) {
            continue;
          }
          contextValue.logger.error({ err: original, path: error.path }, 'unexpected error while resolving a request');
        }
        return Promise.resolve();
      },
    });
  },
};
