// Request ids and request logging. Every request gets an id — the client's `x-request-id` when it is
// a plain token, a UUID otherwise — echoed in the `x-request-id` header, and `request.log`, a logger
// bound to the request. The line per completed request (pino-http) is written at `info`. When the
// logger is above `info` that line is never written, yet pino-http would still serialise every
// request into a child logger (~100 µs a request on this project's bench machine, BENCHMARKS.md
// "Service changes"); then only the id is set, and `request.log` is made when something logs.
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type RequestHandler } from 'express';
import { type Logger } from 'pino';
import { pinoHttp } from 'pino-http';

const UNTRACKED = new Set(['/healthz', '/readyz']);

function requestId(request: IncomingMessage, response: ServerResponse): string {
  const given = request.headers['x-request-id'];
  const id = typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
  response.setHeader('x-request-id', id);
  return id;
}

export function requestLogging(logger: Logger): RequestHandler {
  if (logger.isLevelEnabled('info')) {
    return pinoHttp({
      logger,
      genReqId: requestId,
      autoLogging: { ignore: (request) => UNTRACKED.has(request.url ?? '') },
    });
  }
  return (request, response, next) => {
    const id = requestId(request, response);
    request.id = id;
    // The binding pino-http gives it, without the headers (nothing at this level logs requests).
    let log: Logger | undefined;
    Object.defineProperty(request, 'log', {
      configurable: true,
      enumerable: true,
      get: () => (log ??= logger.child({ req: { id, method: request.method, url: request.originalUrl } })),
      set: (value: Logger) => {
        log = value;
      },
    });
    next();
  };
}
