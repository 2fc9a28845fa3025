// The one place that turns internal errors into client errors. Domain errors keep their message
// and code; errors raised by GraphQL itself (parse, validation, variable coercion) keep theirs;
// anything else is hidden from the client and logged by `errorLoggingPlugin` with the request id.
import { type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { type GraphQLFormattedError } from 'graphql';
import { type RequestContext } from './request-context.js';
import { DomainError, ErrorCode } from '../errors/domain-errors.js';

/** Codes GraphQL and Apollo assign themselves (GRAPHQL_PARSE_FAILED, BAD_USER_INPUT …) are safe to show. */
function hasClientCode(extensions: Readonly<Record<string, unknown>> | undefined): boolean {
  const code: unknown = extensions?.['code'];
  return typeof code === 'string' && code !== String(ErrorCode.INTERNAL_SERVER_ERROR);
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
  if (hasClientCode(formatted.extensions)) {
    return { message: formatted.message, ...where, extensions: { code: formatted.extensions?.['code'] } };
  }
  return {
    message: 'Internal server error',
    ...where,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

export const errorLoggingPlugin: ApolloServerPlugin<RequestContext> = {
  requestDidStart() {
    return Promise.resolve({
      didEncounterErrors({ contextValue, errors }) {
        for (const error of errors) {
          const original = unwrapResolverError(error);
          if (original instanceof DomainError) continue;
          if (hasClientCode(error.extensions)) continue;
          contextValue.logger.error(
            { err: original, path: error.path },
            'unexpected error while resolving a request',
          );
        }
        return Promise.resolve();
      },
    });
  },
};
