// The app listening on a real port, with its log lines captured: for tests that go over HTTP.
import { Writable } from 'node:stream';
import { type Database } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { type App, createApp } from '../../src/server.js';
import { testConfig } from './test-app.js';

export interface HttpApp {
  readonly app: App;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly url: string;
  readonly port: number;
  readonly logLines: Array<Record<string, unknown>>;
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export async function startHttpApp(database: Database, env: Record<string, string> = {}): Promise<HttpApp> {
  const logLines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        logLines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const config = testConfig(env);
  const app = await createApp({ config, database, logger: createLogger('info', sink) });
  const { url, server } = await app.listen(0, '127.0.0.1');
  const port = (server.address() as { port: number }).port;
  return {
    app,
    base: url.replace(/\/graphql$/, ''),
    url,
    port,
    logLines,
    post: (body, headers = {}) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    close: () => app.stop(),
  };
}

/** Milliseconds `work` took, and its result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}
