// The part of autocannon's programmatic API the benchmark uses (the package ships no typings).
declare module 'autocannon' {
  import { type EventEmitter } from 'node:events';

  interface RequestDefinition {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    setupRequest?: (request: RequestDefinition, context: Record<string, unknown>) => RequestDefinition;
  }

  interface Options {
    url: string;
    connections?: number;
    pipelining?: number;
    duration?: number;
    amount?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    requests?: RequestDefinition[];
    verifyBody?: (body: string) => boolean;
    timeout?: number;
  }

  interface Result {
    requests: { total: number; average: number };
    latency: { p50: number; p99: number; average: number };
    duration: number;
    errors: number;
    timeouts: number;
    mismatches: number;
    non2xx: number;
  }

  interface Instance extends EventEmitter, PromiseLike<Result> {
    stop(): void;
  }

  function autocannon(options: Options): Instance;
  export default autocannon;
}
