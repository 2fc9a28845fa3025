// The service as `npm start` runs it — `node dist/src/main.js` in a process of its own, on a free
// port — so that the fault suite can load it, crash it with kill -9, signal it and read its log.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/paths.js';
import { freePort } from './private-postgres.js';

export const ADMIN_KEY = 'faults-admin-key';
export const ANALYST_KEY = 'faults-analyst-key';

/** The built entry point; `npm run test:faults` builds it first. */
export const MAIN_JS = join(PROJECT_ROOT, 'dist/src/main.js');

export interface ServiceOptions {
  /** DATABASE_URL; without it the embedded database in dataDir. */
  readonly databaseUrl?: string;
  readonly dataDir?: string;
  readonly env?: Record<string, string>;
  /** Wait until /readyz answers 200 (default); false returns once the process is spawned. */
  readonly waitReady?: boolean;
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly base: string;
  readonly url: string;
  /** Everything written to stdout and stderr so far (pino lines and anything else). */
  output(): string;
  stderr(): string;
  alive(): boolean;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** kill -9, and wait until the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL after 20 s. */
  stop(): Promise<void>;
  /** Resident set size now, and the peak so far (VmHWM), in bytes. */
  memory(): { rss: number; peak: number } | null;
}

/** The environment of a started service: quiet, no demo, no models, no downloads, known keys. */
export function serviceEnv(options: ServiceOptions, port: number): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '/tmp',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    MODELS_AUTO_DOWNLOAD: 'false',
    IMAGE_MODEL: '',
    CLIP_MODEL: '',
    ADMIN_API_KEYS: ADMIN_KEY,
    ANALYST_API_KEYS: ANALYST_KEY,
    // Load and fuzzing come from one client address; the rate-limit test turns them on itself.
    RATE_LIMIT_ENABLED: 'false',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.dataDir ? { DATA_DIR: options.dataDir } : {}),
    ...options.env,
  };
}

export async function startService(options: ServiceOptions): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN_JS], {
    cwd: PROJECT_ROOT,
    env: serviceEnv(options, port),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  const keep = (text: string): string => (text.length > 8_000_000 ? text.slice(-4_000_000) : text);
  child.stdout.on('data', (chunk: Buffer) => (output = keep(output + chunk.toString('utf8'))));
  child.stderr.on('data', (chunk: Buffer) => {
    output = keep(output + chunk.toString('utf8'));
    stderr = keep(stderr + chunk.toString('utf8'));
  });
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  // A test that fails before its afterAll must not leave the service running behind the suite.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  const base = `http://127.0.0.1:${port}`;
  const pid = child.pid!;
  const service: ServiceProcess = {
    child,
    pid,
    port,
    base,
    url: `${base}/graphql`,
    output: () => output,
    stderr: () => stderr,
    alive: () => child.exitCode === null && child.signalCode === null,
    exited,
    async kill9() {
      if (!service.alive()) return;
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!service.alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
    memory: () => processMemory(pid),
  };
  if (options.waitReady === false) return service;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (!service.alive()) throw new Error(`the service exited with ${await exited} before ready:\n${output}`);
    if (Date.now() > deadline) {
      await service.kill9();
      throw new Error(`the service was not ready within 120 s:\n${output}`);
    }
    try {
      if ((await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2_000) })).status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return service;
}

/** VmRSS and VmHWM of a process from /proc (Linux), in bytes; null when it is gone. */
export function processMemory(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string): number =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kib('VmRSS') * 1024, peak: kib('VmHWM') * 1024 };
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; returns the highest sample. */
export function sampleRss(pid: number, everyMs = 200): { stop(): number } {
  let max = processMemory(pid)?.rss ?? 0;
  const timer = setInterval(() => {
    max = Math.max(max, processMemory(pid)?.rss ?? 0);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(max, processMemory(pid)?.rss ?? 0);
    },
  };
}
