// Per-client rate limits (rate-limiter-flexible, in memory): failed authentications per client IP,
// and expensive operations (vector queries, models, mutations) per API key, or per IP without a key.
// Counters live in this process: with several replicas each instance limits on its own, so the
// effective limit is the per-instance limit times the replicas a client's requests reach.
import { createHash } from 'node:crypto';
import { type RequestHandler } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { type ApiKeyAuthenticator } from '../auth/api-key.authenticator.js';
import { type Config } from '../config.js';
import { ErrorCode } from '../errors/domain-errors.js';
import { type OperationRateLimiter } from '../graphql/expensive-operations.js';
import { sendError } from './http-errors.js';

const secondsUntil = (result: RateLimiterRes): number => Math.max(1, Math.ceil(result.msBeforeNext / 1000));

/** Who a request counts against: its API key (hashed) when it sends one, else its IP. */
export function rateLimitKey(ip: string, authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') return `ip:${ip}`;
  return `key:${createHash('sha256').update(authorization.trim()).digest('base64url')}`;
}

export class RateLimits implements OperationRateLimiter {
  private readonly failedAuth: RateLimiterMemory;
  private readonly expensive: RateLimiterMemory;

  constructor(private readonly settings: Config['rateLimits']) {
    this.failedAuth = new RateLimiterMemory({
      keyPrefix: 'failed-auth',
      points: settings.authFailures,
      duration: settings.authWindowSeconds,
      blockDuration: settings.authBlockSeconds,
    });
    this.expensive = new RateLimiterMemory({
      keyPrefix: 'expensive',
      points: settings.expensiveOperations,
      duration: settings.expensiveWindowSeconds,
    });
  }

  /** Seconds `ip` must wait before it may present an API key again, or null when it may now. */
  async authBlockedFor(ip: string): Promise<number | null> {
    const state = await this.failedAuth.get(ip);
    return state && state.consumedPoints > this.settings.authFailures ? secondsUntil(state) : null;
  }

  /** Counts a failed authentication; returns the seconds of the block it started, or null. */
  async recordFailedAuth(ip: string): Promise<number | null> {
    try {
      await this.failedAuth.consume(ip);
      return null;
    } catch (refusal) {
      if (refusal instanceof RateLimiterRes) return secondsUntil(refusal);
      throw refusal;
    }
  }

  async consumeExpensive(clientKey: string, points: number): Promise<number | null> {
    try {
      await this.expensive.consume(clientKey, points);
      return null;
    } catch (refusal) {
      if (refusal instanceof RateLimiterRes) return secondsUntil(refusal);
      throw refusal;
    }
  }

  /**
   * Brute-force guard on API keys: a request that presents a wrong key counts as a failed
   * authentication of its IP; past RATE_LIMIT_AUTH_FAILURES the IP gets 429 for every request that
   * carries a key (right or wrong, so guessing cannot go on) until the block ends. Requests without
   * a key are not affected.
   */
  authFailureGuard(authenticator: ApiKeyAuthenticator): RequestHandler {
    const refuse = (response: Parameters<RequestHandler>[1], seconds: number) =>
      sendError(
        response,
        429,
        ErrorCode.RATE_LIMITED,
        `Too many failed authentications from this address; retry in ${seconds} s`,
        seconds,
      );
    return async (request, response, next) => {
      const authorization = request.headers.authorization;
      if (authorization === undefined || authorization.trim() === '') return next();
      const ip = request.ip ?? 'unknown';
      const blocked = await this.authBlockedFor(ip);
      if (blocked !== null) return refuse(response, blocked);
      if (authenticator.authenticate(authorization).kind === 'invalid-key') {
        const blockedNow = await this.recordFailedAuth(ip);
        if (blockedNow !== null) {
          request.log.warn({ ip }, 'too many failed authentications: blocking API keys from this address');
          return refuse(response, blockedNow);
        }
      }
      next();
    };
  }
}
