// REQUEST_TIMEOUT_MS, counted once the body is read: a request still running at its deadline is answered 504 REQUEST_TIMEOUT at
// once. Its work is abandoned as far as it can be: the deadline reaches the GraphQL
// context, where no further field starts resolving (graphql/request-deadline.ts); a statement
// already in Postgres ends by its own DB_STATEMENT_TIMEOUT_MS. The late answer is dropped.
import { type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import { ErrorCode } from '../errors/domain-errors.js';
import { type RequestDeadline } from '../graphql/request-context.js';
import { sendError } from './http-errors.js';

const DEADLINE = Symbol('request deadline');

/** A flag, not an AbortSignal: nothing waits on it, and a signal per request cost ~20 µs to make. */
class Deadline implements RequestDeadline {
  aborted = false;
}

type WithDeadline = Response & { [DEADLINE]?: Deadline };

/** The request's deadline, aborted when REQUEST_TIMEOUT_MS passes (undefined when disabled). */
export function requestDeadline(response: Response): RequestDeadline | undefined {
  return (response as WithDeadline)[DEADLINE];
}

export function requestTimeout(timeoutMs: number): RequestHandler {
  return (request, response, next) => {
    if (timeoutMs <= 0) return next();
    const deadline = new Deadline();
    (response as WithDeadline)[DEADLINE] = deadline;
    const timer = setTimeout(() => {
      deadline.aborted = true;
      if (response.headersSent) return;
      request.log.warn({ timeoutMs }, 'request timed out (REQUEST_TIMEOUT_MS)');
      sendError(
        response,
        504,
        ErrorCode.REQUEST_TIMEOUT,
        `The request did not finish within ${timeoutMs} ms; it was abandoned`,
      );
    }, timeoutMs);
    response.once('close', () => clearTimeout(timer));
    next();
  };
}

/** Swallows the error of writing a late answer to a request that was already answered 504. */
export const lateAnswerAfterTimeout: ErrorRequestHandler = (error, _request, response, next) => {
  if (response.headersSent && requestDeadline(response)?.aborted) return;
  next(error);
};
