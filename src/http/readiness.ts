// GET /readyz, bounded: it answers within READINESS_TIMEOUT_MS whatever the database does (a lock,
// an exhausted pool, an unreachable server). One probe runs at a time and concurrent callers share
// it, so a stalled database does not collect a queue of probes. Failures are reported by kind, never
// with the driver's message (which names host and port); the detail goes to the log.
import { type RequestHandler } from 'express';
import { type Logger } from 'pino';
import { databaseOutageOf } from '../db/outage.js';

export interface ReadinessReport {
  readonly ready: boolean;
  readonly [detail: string]: unknown;
}

export function readinessHandler(options: {
  probe: () => Promise<ReadinessReport>;
  timeoutMs: number;
  /** Always reported (e.g. which kind of database), even when the probe fails. */
  facts: Readonly<Record<string, unknown>>;
  logger: Logger;
}): RequestHandler {
  const { probe, timeoutMs, facts, logger } = options;
  let running: Promise<ReadinessReport> | null = null;
  const sharedProbe = (): Promise<ReadinessReport> => {
    running ??= probe()
      .catch((error: unknown): ReadinessReport => {
        const outage = databaseOutageOf(error);
        if (outage) {
          logger.warn({ outage: outage.kind, detail: outage.detail }, 'readiness: database unavailable');
          return { ready: false, error: 'database unavailable' };
        }
        logger.error({ err: error }, 'readiness probe failed');
        return { ready: false, error: 'readiness check failed' };
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  return (_request, response) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<ReadinessReport>((resolve) => {
      timer = setTimeout(
        () => resolve({ ready: false, error: `database did not answer within ${timeoutMs} ms` }),
        timeoutMs,
      );
    });
    void Promise.race([sharedProbe(), deadline]).then(({ ready, ...details }) => {
      clearTimeout(timer);
      response
        .status(ready ? 200 : 503)
        .json({ status: ready ? 'ready' : 'not ready', ...facts, ...details });
    });
  };
}
