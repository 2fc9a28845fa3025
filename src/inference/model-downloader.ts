// Puts the files a manifest model needs into MODELS_DIR, verified by sha256, without ever leaving a
// half-written or unverified file under a name the service loads.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, resolve, sep } from 'node:path';
import { modelFiles, type ModelFile, type ModelSpec } from './model-manifest.js';

/** The part of a fetch Response the downloader reads; the global fetch and undici's both fit. */
export interface DownloadResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  readonly body: AsyncIterable<Uint8Array> | null;
}

export type Fetcher = (
  url: string,
  init: { signal: AbortSignal; headers: Record<string, string>; redirect: 'follow' },
) => Promise<DownloadResponse>;

/** One file's transfer, as a progress bar or log sees it. */
export interface FileTransfer {
  update(receivedBytes: number): void;
  finish(outcome: 'done' | 'failed'): void;
}

export interface TransferStart {
  readonly modelId: string;
  readonly path: string;
  readonly url: string;
  /** The manifest's `bytes`, else the server's Content-Length, else unknown. */
  readonly totalBytes: number | undefined;
}

export type ProgressReporter = (start: TransferStart) => FileTransfer;

export interface ModelDownloaderOptions {
  modelsDir: string;
  /** A mirror: every file is fetched from `${baseUrl}/${file.path}` instead of its `url`. */
  baseUrl?: string;
  fetch?: Fetcher;
  /** Until the response headers arrive. */
  responseTimeoutMs?: number;
  /** Longest silence while the body streams; a stalled CDN connection fails instead of hanging. */
  idleTimeoutMs?: number;
  progress?: ProgressReporter;
}

export type ModelDownloadErrorCode =
  | 'NO_URL'
  | 'BAD_PATH'
  | 'DISK'
  | 'NETWORK'
  | 'HTTP'
  | 'TIMEOUT'
  | 'INTERRUPTED'
  | 'SIZE_MISMATCH'
  | 'CHECKSUM_MISMATCH'
  | 'ABORTED';

/** Its message is a single line, printed as is by `npm run models:download`. */
export class ModelDownloadError extends Error {
  override readonly name = 'ModelDownloadError';

  constructor(
    readonly code: ModelDownloadErrorCode,
    readonly modelId: string,
    readonly path: string,
    message: string,
  ) {
    super(message.replace(/\s*[\r\n]+\s*/g, ' '));
  }
}

export type FileState = 'missing' | 'present' | 'valid' | 'invalid';

export interface FileStatus {
  readonly path: string;
  readonly absolutePath: string;
  readonly url: string | undefined;
  /** `present`: exists with the expected size but was not hashed; `valid`/`invalid`: hashed or sized. */
  readonly state: FileState;
  readonly sizeBytes: number | undefined;
}

export interface ModelFilesStatus {
  readonly modelId: string;
  readonly files: readonly FileStatus[];
  /** Every file exists with the expected size (and hash, when verified). */
  readonly complete: boolean;
}

export interface EnsureResult {
  /** Manifest paths fetched by this call. */
  readonly downloaded: string[];
  /** Manifest paths that were already in place with the right sha256. */
  readonly present: string[];
}

const NETWORK_REASONS: Record<string, string> = {
  ENOTFOUND: 'network unreachable or unknown host',
  EAI_AGAIN: 'network unreachable or unknown host',
  ECONNREFUSED: 'connection refused',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'network unreachable',
  ENETDOWN: 'network unreachable',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  UND_ERR_SOCKET: 'connection dropped',
  UND_ERR_CLOSED: 'connection dropped',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

const noTransfer: FileTransfer = { update: () => undefined, finish: () => undefined };

export class ModelDownloader {
  private readonly modelsDir: string;
  private readonly baseUrl: string | undefined;
  private readonly fetcher: Fetcher;
  private readonly responseTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly progress: ProgressReporter;

  constructor(options: ModelDownloaderOptions) {
    this.modelsDir = resolve(options.modelsDir);
    this.baseUrl = options.baseUrl?.replace(/\/+$/, '');
    this.fetcher = options.fetch ?? fetch;
    this.responseTimeoutMs = options.responseTimeoutMs ?? 30_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.progress = options.progress ?? (() => noTransfer);
  }

  /** Existence and size of each file; `verify` also hashes, which reads every byte. */
  async status(spec: ModelSpec, options: { verify?: boolean } = {}): Promise<ModelFilesStatus> {
    const files: FileStatus[] = [];
    for (const file of modelFiles(spec)) {
      const absolutePath = this.targetPath(spec, file);
      const sizeBytes = await fileSize(absolutePath);
      let state: FileState;
      if (sizeBytes === undefined) state = 'missing';
      else if (file.bytes !== undefined && sizeBytes !== file.bytes) state = 'invalid';
      else if (options.verify) state = (await sha256Of(absolutePath)) === file.sha256 ? 'valid' : 'invalid';
      else state = 'present';
      files.push({ path: file.path, absolutePath, url: this.sourceUrl(file), state, sizeBytes });
    }
    const complete = files.every((file) => file.state === 'present' || file.state === 'valid');
    return { modelId: spec.id, files, complete };
  }

  /** Downloads every file of the model that is missing or does not match its sha256. */
  async ensure(spec: ModelSpec, options: { signal?: AbortSignal } = {}): Promise<EnsureResult> {
    const result: EnsureResult = { downloaded: [], present: [] };
    for (const file of modelFiles(spec)) {
      const target = this.targetPath(spec, file);
      const existing = await this.check(target, file);
      if (existing === 'valid') {
        result.present.push(file.path);
        continue;
      }
      const url = this.sourceUrl(file);
      if (url === undefined) {
        const problem =
          existing === 'missing' ? 'is missing' : 'does not match its sha256 and must be replaced';
        throw new ModelDownloadError(
          'NO_URL',
          spec.id,
          file.path,
          `${spec.id}: ${target} ${problem}; it has no download URL — place the file there by hand (sha256 ${file.sha256}), or set MODELS_BASE_URL to a mirror that has ${file.path}`,
        );
      }
      await this.download(spec.id, file, url, target, options.signal);
      result.downloaded.push(file.path);
    }
    return result;
  }

  private async check(target: string, file: ModelFile): Promise<'missing' | 'valid' | 'invalid'> {
    const size = await fileSize(target);
    if (size === undefined) return 'missing';
    // A size mismatch settles it without reading hundreds of megabytes.
    if (file.bytes !== undefined && size !== file.bytes) return 'invalid';
    return (await sha256Of(target)) === file.sha256 ? 'valid' : 'invalid';
  }

  private sourceUrl(file: ModelFile): string | undefined {
    if (this.baseUrl === undefined) return file.url;
    return `${this.baseUrl}/${file.path.split('/').map(encodeURIComponent).join('/')}`;
  }

  private targetPath(spec: ModelSpec, file: ModelFile): string {
    const target = resolve(this.modelsDir, file.path);
    if (!target.startsWith(this.modelsDir + sep)) {
      throw new ModelDownloadError(
        'BAD_PATH',
        spec.id,
        file.path,
        `${spec.id}: ${file.path} is outside MODELS_DIR`,
      );
    }
    return target;
  }

  private async download(
    modelId: string,
    file: ModelFile,
    url: string,
    target: string,
    outerSignal: AbortSignal | undefined,
  ): Promise<void> {
    const host = hostOf(url);
    const hint = `download it elsewhere and place it at ${target}, or set MODELS_BASE_URL to a mirror`;
    const fail = (code: ModelDownloadErrorCode, reason: string): ModelDownloadError =>
      new ModelDownloadError(
        code,
        modelId,
        file.path,
        `cannot download ${modelId} from ${host}: ${reason} — ${hint}`,
      );
    const onDisk = async <T>(operation: Promise<T>): Promise<T> => {
      try {
        return await operation;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new ModelDownloadError(
          'DISK',
          modelId,
          file.path,
          `cannot write ${modelId} to ${target}: ${reason}`,
        );
      }
    };

    // Same directory as the target, so the final rename is atomic and never crosses file systems.
    await onDisk(mkdir(dirname(target), { recursive: true }));
    const temporary = `${target}.${randomBytes(6).toString('hex')}.part`;
    const watchdog = new Watchdog(outerSignal);
    let transfer: FileTransfer = noTransfer;
    let received = 0;
    let totalBytes = file.bytes;
    let responded = false;
    try {
      watchdog.arm(this.responseTimeoutMs);
      const response = await this.fetcher(url, {
        signal: watchdog.signal,
        // Identity encoding keeps Content-Length meaningful and the hashed bytes equal to the file.
        headers: { 'accept-encoding': 'identity' },
        redirect: 'follow',
      });
      responded = true;
      if (!response.ok) {
        const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
        throw fail('HTTP', `${status} for ${url}`);
      }
      if (response.body === null) throw fail('HTTP', `empty response for ${url}`);
      const announced = announcedLength(response);
      if (file.bytes !== undefined && announced !== undefined && announced !== file.bytes) {
        throw fail(
          'SIZE_MISMATCH',
          `the server announces ${announced} bytes, the manifest expects ${file.bytes}`,
        );
      }
      totalBytes ??= announced;

      transfer = this.progress({ modelId, path: file.path, url, totalBytes });
      const hash = createHash('sha256');
      const handle = await onDisk(open(temporary, 'wx'));
      try {
        watchdog.arm(this.idleTimeoutMs);
        for await (const chunk of response.body) {
          watchdog.arm(this.idleTimeoutMs);
          hash.update(chunk);
          await onDisk(writeAll(handle, chunk));
          received += chunk.byteLength;
          transfer.update(received);
        }
        watchdog.disarm();
        // Durable before it becomes visible under its real name.
        await onDisk(handle.sync());
      } finally {
        await handle.close();
      }

      if (file.bytes !== undefined && received !== file.bytes) {
        throw fail('SIZE_MISMATCH', `received ${received} bytes, the manifest expects ${file.bytes}`);
      }
      const actual = hash.digest('hex');
      if (actual !== file.sha256) {
        throw fail('CHECKSUM_MISMATCH', `sha256 of ${url} is ${actual}, the manifest expects ${file.sha256}`);
      }
      await onDisk(rename(temporary, target));
      await syncDirectory(dirname(target));
      transfer.finish('done');
    } catch (error) {
      transfer.finish('failed');
      await rm(temporary, { force: true });
      throw this.classify(error, watchdog.aborted, { responded, received, totalBytes }, fail);
    } finally {
      // Also drops a response body that was not read to the end (HTTP errors, early size checks).
      watchdog.release();
    }
  }

  private classify(
    error: unknown,
    aborted: Watchdog['aborted'],
    transfer: { responded: boolean; received: number; totalBytes: number | undefined },
    fail: (code: ModelDownloadErrorCode, reason: string) => ModelDownloadError,
  ): ModelDownloadError {
    if (error instanceof ModelDownloadError) return error;
    if (aborted === 'outer') return fail('ABORTED', 'aborted');
    if (aborted === 'timeout') {
      return transfer.responded
        ? fail('TIMEOUT', `timed out: no data for ${this.idleTimeoutMs} ms after ${transfer.received} bytes`)
        : fail('TIMEOUT', `timed out: no response within ${this.responseTimeoutMs} ms`);
    }
    const code = errorCode(error);
    const suffix = code ? ` (${code})` : '';
    if (!transfer.responded) {
      const reason = (code && NETWORK_REASONS[code]) ?? describeUnknown(error, code);
      return fail('NETWORK', `${reason}${suffix}`);
    }
    const of = transfer.totalBytes === undefined ? '' : ` of ${transfer.totalBytes}`;
    return fail('INTERRUPTED', `connection dropped after ${transfer.received}${of} bytes${suffix}`);
  }
}

/** One abort signal for a whole transfer: a re-armable timeout plus the caller's signal. */
class Watchdog {
  private readonly controller = new AbortController();
  private readonly onOuterAbort = (): void => this.abort('outer');
  private timer: NodeJS.Timeout | undefined;
  aborted: 'timeout' | 'outer' | undefined;

  constructor(private readonly outer: AbortSignal | undefined) {
    if (outer?.aborted) this.abort('outer');
    else outer?.addEventListener('abort', this.onOuterAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  arm(ms: number): void {
    this.disarm();
    this.timer = setTimeout(() => this.abort('timeout'), ms);
  }

  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Ends the transfer's connection without counting it as a timeout or cancellation. */
  release(): void {
    this.disarm();
    this.outer?.removeEventListener('abort', this.onOuterAbort);
    this.controller.abort(new Error('released'));
  }

  private abort(why: 'timeout' | 'outer'): void {
    this.aborted ??= why;
    this.controller.abort(new Error(why));
  }
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

async function syncDirectory(directory: string): Promise<void> {
  // Makes the rename itself durable; some platforms cannot open or fsync a directory.
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function announcedLength(response: DownloadResponse): number | undefined {
  const encoding = response.headers.get('content-encoding');
  if (encoding && encoding !== 'identity') return undefined;
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return basename(url);
  }
}

/** fetch wraps the socket error: `TypeError: fetch failed` → cause (→ cause) with the errno code. */
function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current === 'object' && 'code' in current && typeof current.code === 'string')
      return current.code;
    current = typeof current === 'object' && 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}

function describeUnknown(error: unknown, code: string | undefined): string {
  if (code && /CERT|TLS|SSL/.test(code)) return 'TLS certificate rejected';
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(error);
}

/** Progress as log lines (for the service's background downloads): start, every 10 %, end. */
export function loggingProgress(
  log: (fields: Record<string, unknown>, message: string) => void,
): ProgressReporter {
  return ({ modelId, path, totalBytes }) => {
    let reported = -1;
    log({ modelId, path, totalBytes }, `downloading ${path}`);
    return {
      update(receivedBytes) {
        if (!totalBytes) return;
        const tenth = Math.floor((receivedBytes / totalBytes) * 10);
        if (tenth > reported) {
          reported = tenth;
          log({ modelId, path, receivedBytes, totalBytes }, `downloading ${path}: ${tenth * 10} %`);
        }
      },
      finish(outcome) {
        log({ modelId, path, outcome }, `download of ${path} ${outcome === 'done' ? 'finished' : 'failed'}`);
      },
    };
  };
}
