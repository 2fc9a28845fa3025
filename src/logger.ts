import { type DestinationStream, pino, type Logger } from 'pino';

/**
 * Headers that carry credentials. Request logging (pino-http) writes every request and response
 * header, so without redaction each request line would hold the caller's API key.
 */
export const SECRET_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
] as const;

export const REDACTED = '[REDACTED]';

/** `req.headers`, `res.headers` and any other object logged with its headers one level down, or at the top. */
const redactPaths = SECRET_HEADERS.flatMap((header) => [`headers["${header}"]`, `*.headers["${header}"]`]);

/** `destination` is for tests that read what was logged; the service logs to stdout. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'product-recommender' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactPaths, censor: REDACTED },
  };
  return destination ? pino(options, destination) : pino(options);
}
