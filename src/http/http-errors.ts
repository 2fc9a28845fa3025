// Answers refused outside GraphQL execution (body limits, timeouts, rate limits, busy) in the shape
// of a GraphQL error response, so clients read one format whatever refused them.
import { type Response } from 'express';
import { type ErrorCode } from '../errors/domain-errors.js';

export function sendError(
  response: Response,
  status: number,
  code: ErrorCode | 'PAYLOAD_TOO_LARGE' | 'BAD_REQUEST',
  message: string,
  retryAfterSeconds?: number,
): void {
  if (retryAfterSeconds !== undefined) response.setHeader('retry-after', String(retryAfterSeconds));
  response.status(status).json({
    errors: [
      {
        message,
        extensions: { code, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) },
      },
    ],
  });
}
