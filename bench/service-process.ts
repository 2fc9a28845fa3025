// The service as its own process (`node dist/src/main.js`), as in production: the load generator
// and the server never share an event loop or a core's worth of JavaScript.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/paths.js';
import { rssBytes } from './measure.js';
import { CLIP_MODEL_ID, CNN_MODEL_ID, type BenchModels } from './onnx-models.js';

export const ADMIN_KEY = 'bench-admin-key';
export const ANALYST_KEY = 'bench-analyst-key';

export interface ServiceProcess {
  readonly pid: number;
  readonly url: string;
  readonly startSeconds: number;
  /** performance.now() when the process was spawned. */
  readonly spawnedAt: number;
  /** RSS right after /readyz answered ready. */
  readonly startRssBytes: number;
  /** The last 20 kB the process wrote, its log (stdout) and stderr interleaved. */
  stderr(): string;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  readonly port: number;
  readonly databaseUrl?: string;
  readonly dataDir?: string;
  readonly modelsDir: string;
  readonly manifestPath: string;
  readonly imageModel: string;
  readonly clipModel: string;
  readonly extraEnv?: Record<string, string>;
  /** A built checkout of the service to start (its dist/), for before/after runs; this one by default. */
  readonly root?: string;
  /** Node options before the script, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
}

export async function startService(options: ServiceOptions): Promise<ServiceProcess> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '/tmp',
    NODE_ENV: 'production',
    PORT: String(options.port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    MODELS_AUTO_DOWNLOAD: 'false',
    ADMIN_API_KEYS: ADMIN_KEY,
    ANALYST_API_KEYS: ANALYST_KEY,
    // The load comes from one address and one key: per-client limits would measure the limiter.
    RATE_LIMIT_ENABLED: 'false',
    MODELS_DIR: options.modelsDir,
    MODELS_MANIFEST: options.manifestPath,
    IMAGE_MODEL: options.imageModel,
    CLIP_MODEL: options.clipModel,
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.dataDir ? { DATA_DIR: options.dataDir } : {}),
    ...options.extraEnv,
  };
  const started = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), join(options.root ?? PROJECT_ROOT, 'dist/src/main.js')],
    {
      cwd: options.root ?? PROJECT_ROOT,
      env,
      // stdout too: the service logs there (pino), so a failed run keeps the error's log line.
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  const keep = (chunk: Buffer): void => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit');
  const base = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the service did not become ready within 180 s:\n${stderr}`);
    }
    try {
      const response = await fetch(`${base}/readyz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const startSeconds = (performance.now() - started) / 1000;
  const pid = child.pid!;
  return {
    pid,
    url: `${base}/graphql`,
    startSeconds,
    spawnedAt: started,
    startRssBytes: rssBytes(pid)?.rss ?? 0,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

/** One GraphQL request over HTTP; throws on transport errors and on GraphQL errors. */
export async function graphql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  key?: string,
): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResponse<T>;
  if (body.errors?.length || !body.data) {
    throw new Error(`GraphQL error (HTTP ${response.status}): ${JSON.stringify(body.errors ?? body)}`);
  }
  return body.data;
}

/** The environment a benchmarked service needs: the bench's models and its API keys. */
export function modelEnv(models: BenchModels): Record<string, string> {
  return {
    MODELS_DIR: models.modelsDir,
    MODELS_MANIFEST: models.manifestPath,
    IMAGE_MODEL: CNN_MODEL_ID,
    CLIP_MODEL: CLIP_MODEL_ID,
    ADMIN_API_KEYS: ADMIN_KEY,
    ANALYST_API_KEYS: ANALYST_KEY,
  };
}
