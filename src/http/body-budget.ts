// MAX_INFLIGHT_BODY_BYTES: a semaphore on request-body bytes. Each request with a body takes its
// Content-Length (MAX_BODY_BYTES when it streams without one, since that is what it may grow to)
// before its body is read, and gives it back when its response closes, so the bodies read, parsed
// and held by running requests never add up to more than the budget. A request that does not fit
// is refused at once with 503 SERVICE_UNAVAILABLE and Retry-After, its body left unread.
import { type RequestHandler } from 'express';
import { ErrorCode } from '../errors/domain-errors.js';
import { sendError } from './http-errors.js';

export const BODY_BUDGET_RETRY_AFTER_SECONDS = 1;

export class BodyByteBudget {
  private inUse = 0;

  constructor(readonly capacity: number) {}

  get used(): number {
    return this.inUse;
  }

  tryTake(bytes: number): boolean {
    if (this.inUse + bytes > this.capacity) return false;
    this.inUse += bytes;
    return true;
  }

  give(bytes: number): void {
    this.inUse -= bytes;
  }
}

/** The bytes a request's body may occupy: 0 for none, or for one the body parser refuses unread (413). */
function bodyBytes(
  headers: { 'content-length'?: string | undefined; 'transfer-encoding'?: string | undefined },
  maxBodyBytes: number,
): number {
  const declared = headers['content-length'];
  if (declared !== undefined) {
    const length = Number(declared);
    if (!Number.isSafeInteger(length) || length < 0) return 0; // node refuses such requests itself
    return length > maxBodyBytes ? 0 : length;
  }
  return headers['transfer-encoding'] !== undefined ? maxBodyBytes : 0;
}

export function bodyBudget(budget: BodyByteBudget, maxBodyBytes: number): RequestHandler {
  return (request, response, next) => {
    const bytes = bodyBytes(request.headers, maxBodyBytes);
    if (bytes === 0) return next();
    if (!budget.tryTake(bytes)) {
      request.log.warn(
        { bytes, inUse: budget.used, capacity: budget.capacity },
        'request body refused: MAX_INFLIGHT_BODY_BYTES in use',
      );
      // The body is not read: close the connection rather than drain it.
      response.setHeader('connection', 'close');
      sendError(
        response,
        503,
        ErrorCode.SERVICE_UNAVAILABLE,
        'The server is reading too many request bodies at once; retry shortly',
        BODY_BUDGET_RETRY_AFTER_SECONDS,
      );
      return;
    }
    response.once('close', () => budget.give(bytes));
    next();
  };
}
