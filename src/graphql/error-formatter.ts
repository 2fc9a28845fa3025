// The one place that turns internal errors into client errors. Domain errors keep their message
// and code; errors raised by GraphQL itself (parse, validation, variable coercion) keep theirs;
// a database outage (db/outage.ts) becomes SERVICE_UNAVAILABLE with HTTP 503 and Retry-After;
// anything else is hidden from the client and logged by `errorLoggingPlugin` with the request id.
import { type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { type RequestContext } from './request-context.js';
import { databaseOutageOf, OUTAGE_RETRY_AFTER_SECONDS } from '../db/outage.js';
import { DomainError, ErrorCode } from '../errors/domain-errors.js';

/** What a client is told about an outage: retryable, and nothing about hosts or drivers. */
export const SERVICE_UNAVAILABLE_MESSAGE = 'The database is unavailable right now; retry later';

/** Codes GraphQL and Apollo assign themselves (GRAPHQL_PARSE_FAILED, BAD_USER_INPUT …) are safe to show. */
function hasClientCode(extensions: Readonly<Record<string, unknown>> | undefined): boolean {
  const code: unknown = extensions?.['code'];
  return typeof code === 'string' && code !== String(ErrorCode.INTERNAL_SERVER_ERROR);
}

/**
 * A refusal of the client's whole operation before it executes (limits, unusable input): HTTP 400
 * and BAD_USER_INPUT, never a 500. A domain error given as the reason keeps its details (`field`).
 */
export function operationRefused(reason: string | DomainError): GraphQLError {
  return typeof reason === 'string'
    ? new GraphQLError(reason, { extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } } })
    : new GraphQLError(reason.message, {
        originalError: reason,
        extensions: { code: reason.code, http: { status: 400 } },
      });
}

/**
 * graphql-js stops coercing variables after 50 errors and adds one of its own, without a code: the
 * client's mistake still, so BAD_USER_INPUT like the 50 before it, not an internal error.
 */
const VARIABLE_ERROR_LIMIT = 'Too many errors processing variables, error limit reached. Execution aborted.';

function isVariableErrorLimit(error: unknown): boolean {
  return error instanceof GraphQLError && error.message === VARIABLE_ERROR_LIMIT && !error.originalError;
}

/** The domain error behind `error`: thrown by a resolver, or the reason of an operation refusal. */
function domainErrorOf(error: unknown): DomainError | undefined {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) return original;
  if (original instanceof GraphQLError && original.originalError instanceof DomainError) {
    return original.originalError;
  }
  return undefined;
}

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = domainErrorOf(error);
  const where = {
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
  if (original) {
    return { message: original.message, ...where, extensions: { code: original.code, ...original.details } };
  }
  if (databaseOutageOf(unwrapResolverError(error))) {
    return {
      message: SERVICE_UNAVAILABLE_MESSAGE,
      ...where,
      extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryAfterSeconds: OUTAGE_RETRY_AFTER_SECONDS },
    };
  }
  if (hasClientCode(formatted.extensions)) {
    return { message: formatted.message, ...where, extensions: { code: formatted.extensions?.['code'] } };
  }
  if (isVariableErrorLimit(error)) {
    return { message: formatted.message, ...where, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  return {
    message: 'Internal server error',
    ...where,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

/**
 * Logs what the client is not told (with the request id of the context's logger), and answers an
 * operation that met a database outage with HTTP 503 and Retry-After.
 */
export const errorLoggingPlugin: ApolloServerPlugin<RequestContext> = {
  requestDidStart() {
    return Promise.resolve({
      didEncounterErrors({ contextValue, errors, response }) {
        for (const error of errors) {
          if (domainErrorOf(error)) continue;
          const outage = databaseOutageOf(unwrapResolverError(error));
          if (outage) {
            contextValue.logger.warn(
              { outage: outage.kind, detail: outage.detail, path: error.path },
              'database unavailable while resolving a request',
            );
            response.http.status = 503;
            response.http.headers.set('retry-after', String(OUTAGE_RETRY_AFTER_SECONDS));
            continue;
          }
          if (hasClientCode(error.extensions) || isVariableErrorLimit(error)) continue;
          contextValue.logger.error(
            { err: unwrapResolverError(error), path: error.path },
            'unexpected error while resolving a request',
          );
        }
        return Promise.resolve();
      },
    });
  },
};
