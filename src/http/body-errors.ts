// What goes wrong while a request body is read: too large (413), not JSON (400), or the client went
// away (aborted, or cut off by HTTP_BODY_TIMEOUT_MS). A vanished client gets no answer and costs one
// structured warn line, never a stack trace on stderr.
import { type ErrorRequestHandler } from 'express';
import { sendError } from './http-errors.js';

interface BodyError {
  readonly type?: string;
  readonly expected?: number;
  readonly received?: number;
}

export function bodyErrors(maxBodyBytes: number): ErrorRequestHandler {
  return (error: BodyError, request, response, next) => {
    switch (error.type) {
      case 'entity.too.large':
        return sendError(response, 413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${maxBodyBytes} bytes`);
      case 'entity.parse.failed':
        return sendError(response, 400, 'BAD_REQUEST', 'Request body is not valid JSON');
      case 'request.aborted':
        request.log.warn(
          { expectedBytes: error.expected, receivedBytes: error.received },
          'client aborted the request while sending its body',
        );
        return;
      default:
        next(error);
    }
  };
}
