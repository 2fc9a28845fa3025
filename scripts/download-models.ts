// `npm run models:download [--all] [id…]`: puts the manifest's model files into MODELS_DIR, each
// verified by sha256. Without ids it fetches the models the service is configured to run.
import { MultiBar, type SingleBar } from 'cli-progress';
import { z } from 'zod';
import {
  ModelDownloadError,
  ModelDownloader,
  type Fetcher,
  type FileTransfer,
  type ProgressReporter,
  type TransferStart,
} from '../src/inference/model-downloader.js';
import { ModelRegistry, modelFiles, type ModelSpec } from '../src/inference/model-manifest.js';
import { DEFAULT_CLIP_MODEL, DEFAULT_IMAGE_MODEL } from '../src/config.js';
import { fromProjectRoot } from '../src/paths.js';

const USAGE = `usage: npm run models:download -- [--all] [model-id …]

Downloads model files into MODELS_DIR and verifies their sha256; files already in place are skipped.
  (no ids)   the models selected by IMAGE_MODEL and CLIP_MODEL
  --all      every model in models/manifest.json that has download URLs
Environment: IMAGE_MODEL (${DEFAULT_IMAGE_MODEL}), CLIP_MODEL (${DEFAULT_CLIP_MODEL}), MODELS_DIR (models/),
  MODELS_BASE_URL (a mirror serving MODELS_DIR's layout), HTTPS_PROXY/HTTP_PROXY/NO_PROXY.`;

const emptyAsUndefined = (value: unknown): unknown => (value === '' ? undefined : value);

// Read here rather than in src/config.ts: the script must work without the service's configuration.
const envSchema = z.object({
  IMAGE_MODEL: z.preprocess(emptyAsUndefined, z.string().default(DEFAULT_IMAGE_MODEL)),
  CLIP_MODEL: z.preprocess(emptyAsUndefined, z.string().default(DEFAULT_CLIP_MODEL)),
  MODELS_DIR: z.preprocess(emptyAsUndefined, z.string().default(fromProjectRoot('models'))),
  MODELS_BASE_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).optional()),
});

interface Arguments {
  readonly all: boolean;
  readonly help: boolean;
  readonly ids: readonly string[];
}

function parseArguments(argv: readonly string[]): Arguments {
  const unknown = argv.filter((arg) => arg.startsWith('-') && !['--all', '--help', '-h'].includes(arg));
  if (unknown.length > 0) throw new UsageError(`unknown option ${unknown.join(' ')}`);
  const ids = argv.filter((arg) => !arg.startsWith('-'));
  const all = argv.includes('--all');
  if (all && ids.length > 0) throw new UsageError('give either --all or model ids, not both');
  return { all, help: argv.includes('--help') || argv.includes('-h'), ids };
}

class UsageError extends Error {}

/** The models to fetch, in the order given; duplicates (IMAGE_MODEL = CLIP_MODEL) once. */
function selectModels(registry: ModelRegistry, args: Arguments, env: z.infer<typeof envSchema>): ModelSpec[] {
  if (args.all) {
    return registry.models.filter((model) => modelFiles(model).every((file) => file.url !== undefined));
  }
  const ids = args.ids.length > 0 ? args.ids : [env.IMAGE_MODEL, env.CLIP_MODEL];
  return [...new Set(ids)].map((id) => registry.get(id));
}

const MIB = 1024 * 1024;
const formatBytes = (bytes: number): string =>
  bytes >= MIB ? `${(bytes / MIB).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;

/** Bytes per second over the last few seconds, so the figure follows the connection as it changes. */
class SpeedMeter {
  private readonly samples: { at: number; bytes: number }[] = [{ at: Date.now(), bytes: 0 }];

  add(bytes: number): number {
    const now = Date.now();
    this.samples.push({ at: now, bytes });
    while (this.samples.length > 2 && now - (this.samples[0]?.at ?? now) > 5_000) this.samples.shift();
    const first = this.samples[0] ?? { at: now, bytes };
    const seconds = (now - first.at) / 1000;
    return seconds > 0 ? (bytes - first.bytes) / seconds : 0;
  }
}

interface Output {
  readonly reporter: ProgressReporter;
  log(line: string): void;
  stop(): void;
}

/** One bar per file with size, speed and ETA, for a person watching a terminal. */
function terminalOutput(stream: NodeJS.WriteStream): Output {
  // A fresh MultiBar per model: its log buffer only flushes on redraw, so lines are written after stopping it.
  let bars: MultiBar | undefined;
  const activeBars = (): MultiBar =>
    (bars ??= new MultiBar({
      stream,
      format: '{file} [{bar}] {percentage}% | {received}/{size} | {speed} | ETA {eta_formatted}',
      barsize: 30,
      hideCursor: true,
      autopadding: true,
      emptyOnZero: true,
      // Updates are throttled to ~10/s below, so 50 of them average the ETA over ~5 s.
      etaBuffer: 50,
    }));
  const stop = (): void => {
    bars?.stop();
    bars = undefined;
  };
  return {
    reporter: (start: TransferStart): FileTransfer => {
      const total = start.totalBytes ?? 0;
      const speed = new SpeedMeter();
      const bar: SingleBar = activeBars().create(total, 0, {
        file: start.path,
        received: formatBytes(0),
        size: start.totalBytes === undefined ? '?' : formatBytes(total),
        speed: '',
      });
      let lastRender = 0;
      return {
        update: (received) => {
          const now = Date.now();
          if (now - lastRender < 100 && received !== total) return;
          lastRender = now;
          bar.update(received, {
            received: formatBytes(received),
            speed: `${formatBytes(speed.add(received))}/s`,
          });
        },
        finish: (outcome) => {
          if (outcome === 'failed') bar.update({ speed: 'failed' });
          bar.stop();
        },
      };
    },
    log: (line) => {
      stop();
      stream.write(`${line}\n`);
    },
    stop,
  };
}

/** A few plain lines per file, for CI logs and redirected output. */
function logOutput(write: (line: string) => void): Output {
  return {
    reporter: (start: TransferStart): FileTransfer => {
      const size = start.totalBytes === undefined ? 'unknown size' : formatBytes(start.totalBytes);
      write(`${start.modelId}: downloading ${start.path} (${size}) from ${new URL(start.url).host}`);
      const began = Date.now();
      let nextQuarter = 1;
      let received = 0;
      return {
        update: (bytes) => {
          received = bytes;
          if (start.totalBytes === undefined || nextQuarter > 3) return;
          if (bytes >= (start.totalBytes * nextQuarter) / 4) {
            write(`${start.modelId}: ${start.path} ${nextQuarter * 25}% (${formatBytes(bytes)})`);
            nextQuarter++;
          }
        },
        finish: (outcome) => {
          const seconds = Math.max((Date.now() - began) / 1000, 0.001);
          const rate = `${formatBytes(received / seconds)}/s`;
          write(
            outcome === 'done'
              ? `${start.modelId}: ${start.path} verified (${formatBytes(received)} in ${seconds.toFixed(1)} s, ${rate})`
              : `${start.modelId}: ${start.path} failed after ${formatBytes(received)}`,
          );
        },
      };
    },
    log: write,
    stop: () => undefined,
  };
}

const usesProxy = (env: NodeJS.ProcessEnv): boolean =>
  ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((name) => env[name]);

/**
 * Node's fetch ignores proxy variables; undici's agent honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY.
 * Loaded only when needed: importing undici installs its own global dispatcher, which Node 20's
 * bundled fetch (an older undici) then uses and crashes on, so it must also bring its own fetch.
 */
async function proxyAwareFetch(env: NodeJS.ProcessEnv): Promise<Fetcher | undefined> {
  if (!usesProxy(env)) return undefined;
  const { EnvHttpProxyAgent, fetch: undiciFetch } = await import('undici');
  const dispatcher = new EnvHttpProxyAgent();
  return (url, init) => undiciFetch(url, { ...init, dispatcher });
}

async function main(): Promise<number> {
  const args = parseArguments(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const parsedEnv = envSchema.safeParse(process.env);
  if (!parsedEnv.success) {
    const problems = parsedEnv.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new UsageError(problems.join('; '));
  }
  const env = parsedEnv.data;
  const registry = ModelRegistry.fromFile(fromProjectRoot('models', 'manifest.json'));
  const models = selectModels(registry, args, env);

  const output = process.stdout.isTTY
    ? terminalOutput(process.stdout)
    : logOutput((line) => console.log(line));
  const fetcher = await proxyAwareFetch(process.env);
  const downloader = new ModelDownloader({
    modelsDir: env.MODELS_DIR,
    ...(env.MODELS_BASE_URL === undefined ? {} : { baseUrl: env.MODELS_BASE_URL }),
    ...(fetcher === undefined ? {} : { fetch: fetcher }),
    progress: output.reporter,
  });

  // Ctrl-C aborts the transfer so that its temporary file is removed before exiting.
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  try {
    for (const model of models) {
      const { downloaded, present } = await downloader.ensure(model, { signal: interrupt.signal });
      const parts = [`${downloaded.length} downloaded`, `${present.length} already present`];
      output.log(`${model.id}: ready in ${env.MODELS_DIR} (${parts.join(', ')})`);
    }
  } finally {
    output.stop();
  }
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  if (error instanceof ModelDownloadError && error.code === 'ABORTED') {
    console.error('interrupted; no partial files were left behind');
    process.exitCode = 130;
  } else {
    let message = error instanceof Error ? error.message : String(error);
    // The refused or unreachable host may be the proxy rather than the one named in the message.
    if (error instanceof ModelDownloadError && error.code === 'NETWORK' && usesProxy(process.env)) {
      message += ' (requests go through the proxy in HTTPS_PROXY/HTTP_PROXY)';
    }
    console.error(error instanceof UsageError ? `${message}\n\n${USAGE}` : message.replace(/\s*\n\s*/g, ' '));
    process.exitCode = 1;
  }
}
