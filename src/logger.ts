import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'product-recommender' }, timestamp: pino.stdTimeFunctions.isoTime });
}
