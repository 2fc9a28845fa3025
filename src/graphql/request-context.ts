// What every GraphQL resolver receives. A leaf of the transport layer: resolvers import it, it
// imports no resolver or domain module.
import DataLoader from 'dataloader';
import { type Logger } from 'pino';
import { type Principal } from '../auth/principal.js';

/**
 * Per-request batch loaders, created on first use under a name, so a list of products costs one
 * query per field, not one per product. The resolver that asks owns the batch function.
 */
export class RequestLoaders {
  private readonly loaders = new Map<string, DataLoader<string, unknown>>();

  for<V>(name: string, batch: (keys: readonly string[]) => Promise<ReadonlyMap<string, V>>, missing: V) {
    let loader = this.loaders.get(name) as DataLoader<string, V> | undefined;
    if (!loader) {
      loader = new DataLoader<string, V>(async (keys) => {
        const found = await batch(keys);
        return keys.map((key) => found.get(key) ?? missing);
      });
      this.loaders.set(name, loader);
    }
    return loader;
  }
}

/** The HTTP client behind a request: its address and what its rate limits count against. */
export interface RequestClient {
  readonly ip: string;
  readonly rateLimitKey: string;
}

/** Whether the request's REQUEST_TIMEOUT_MS has passed (set by http/request-timeout.ts). */
export interface RequestDeadline {
  readonly aborted: boolean;
}

/**
 * Who is calling, a logger bound to the request id, and the request's loaders. Requests that came
 * over HTTP also carry their client and their REQUEST_TIMEOUT_MS deadline; in-process ones do not.
 */
export interface RequestContext {
  readonly requestId: string;
  readonly principal: Principal;
  readonly logger: Logger;
  readonly loaders: RequestLoaders;
  readonly client?: RequestClient | undefined;
  readonly deadline?: RequestDeadline | undefined;
}
