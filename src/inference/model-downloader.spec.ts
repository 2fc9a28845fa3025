import { IMAGENET_PREPROCESS } from '../../test/support/images.js';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fromProjectRoot } from '../paths.js';
import {
  ModelDownloadError,
  ModelDownloader,
  type FileTransfer,
  type TransferStart,
} from './model-downloader.js';
import {
  ModelRegistry,
  modelFiles,
  type ClipModelSpec,
  type CnnModelSpec,
  type ModelFile,
} from './model-manifest.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Deterministic, non-repeating bytes, so a truncated or shifted body cannot hash the same. */
function generatedBytes(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

const good = generatedBytes(256 * 1024, 1);
const corrupted = Buffer.from(good);
corrupted[1000] = (corrupted[1000] ?? 0) ^ 0xff;
const previousVersion = generatedBytes(good.length, 2);

const preprocess: CnnModelSpec['preprocess'] = IMAGENET_PREPROCESS;

function cnnSpec(file: ModelFile, id = 'tiny-cnn'): CnnModelSpec {
  return {
    id,
    version: '1',
    kind: 'cnn',
    space: 'IMAGE',
    description: 'test model',
    dimension: 8,
    file,
    input: 'data',
    output: 'logits',
    preprocess: { ...preprocess, mean: [...preprocess.mean], std: [...preprocess.std] },
  };
}

interface Route {
  status?: number;
  body: Buffer;
  /** Sends the headers for the whole body, then half of it, then destroys the socket. */
  dropHalfway?: boolean;
  /** Sends the headers and then nothing. */
  stall?: boolean;
}

let server: Server;
let origin: string;
const routes = new Map<string, Route>();
const hits = new Map<string, number>();
let modelsDir: string;
let downloader: ModelDownloader;

function handle(request: IncomingMessage, response: ServerResponse): void {
  const path = request.url ?? '/';
  hits.set(path, (hits.get(path) ?? 0) + 1);
  const route = routes.get(path);
  if (!route) {
    response.writeHead(404, 'Not Found').end('no such file');
    return;
  }
  response.writeHead(route.status ?? 200, {
    'content-type': 'application/octet-stream',
    'content-length': String(route.body.length),
  });
  if (route.stall) {
    response.flushHeaders();
    return;
  }
  if (route.dropHalfway) {
    response.write(route.body.subarray(0, route.body.length / 2), () => response.socket?.destroy());
    return;
  }
  response.end(route.body);
}

beforeAll(async () => {
  server = createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

beforeEach(async () => {
  routes.clear();
  hits.clear();
  modelsDir = await mkdtemp(join(tmpdir(), 'model-downloader-'));
  downloader = new ModelDownloader({ modelsDir });
});

afterEach(async () => {
  await rm(modelsDir, { recursive: true, force: true });
});

async function leftovers(directory = modelsDir): Promise<string[]> {
  const names = await readdir(directory, { recursive: true });
  return names.filter((name) => name.endsWith('.part'));
}

async function rejection(promise: Promise<unknown>): Promise<ModelDownloadError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ModelDownloadError);
    return error as ModelDownloadError;
  }
  throw new Error('expected the download to fail');
}

describe('ModelDownloader.ensure', () => {
  it('downloads a file, verifies its sha256 and moves it into place', async () => {
    routes.set('/files/good.onnx', { body: good });
    const transfers: { start: TransferStart; updates: number[]; outcome?: string }[] = [];
    const reporting = new ModelDownloader({
      modelsDir,
      progress: (start): FileTransfer => {
        const record: (typeof transfers)[number] = { start, updates: [] };
        transfers.push(record);
        return {
          update: (bytes) => record.updates.push(bytes),
          finish: (outcome) => (record.outcome = outcome),
        };
      },
    });
    const spec = cnnSpec({
      path: 'tiny.onnx',
      url: `${origin}/files/good.onnx`,
      sha256: sha256(good),
      bytes: good.length,
    });

    const result = await reporting.ensure(spec);

    expect(result).toEqual({ downloaded: ['tiny.onnx'], present: [] });
    expect(sha256(await readFile(join(modelsDir, 'tiny.onnx')))).toBe(sha256(good));
    expect(await leftovers()).toEqual([]);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]?.start).toEqual({
      modelId: 'tiny-cnn',
      path: 'tiny.onnx',
      url: `${origin}/files/good.onnx`,
      totalBytes: good.length,
    });
    expect(transfers[0]?.updates.at(-1)).toBe(good.length);
    expect(transfers[0]?.outcome).toBe('done');
  });

  it('skips a file that is already present with the right sha256 without contacting the server', async () => {
    await writeFile(join(modelsDir, 'tiny.onnx'), good);
    const spec = cnnSpec({ path: 'tiny.onnx', url: `${origin}/files/good.onnx`, sha256: sha256(good) });

    const result = await downloader.ensure(spec);

    expect(result).toEqual({ downloaded: [], present: ['tiny.onnx'] });
    expect(hits.size).toBe(0);
  });

  it('rejects a body with the wrong sha256 and leaves neither the target nor a temporary file', async () => {
    routes.set('/files/corrupt.onnx', { body: corrupted });
    const spec = cnnSpec({ path: 'tiny.onnx', url: `${origin}/files/corrupt.onnx`, sha256: sha256(good) });

    const error = await rejection(downloader.ensure(spec));

    expect(error.code).toBe('CHECKSUM_MISMATCH');
    expect(error.message).toContain(sha256(corrupted));
    expect(error.message).toContain(sha256(good));
    expect(existsSync(join(modelsDir, 'tiny.onnx'))).toBe(false);
    expect(await leftovers()).toEqual([]);
  });

  it('keeps the previous version of a file when the download of the new one is corrupt', async () => {
    // The manifest moved to a new version; what is on disk is the old, intact file.
    const target = join(modelsDir, 'tiny.onnx');
    await writeFile(target, previousVersion);
    routes.set('/files/corrupt.onnx', { body: corrupted });
    const spec = cnnSpec({ path: 'tiny.onnx', url: `${origin}/files/corrupt.onnx`, sha256: sha256(good) });

    const error = await rejection(downloader.ensure(spec));

    expect(error.code).toBe('CHECKSUM_MISMATCH');
    expect(sha256(await readFile(target))).toBe(sha256(previousVersion));
    expect(await leftovers()).toEqual([]);
  });

  it('never accepts a bad file that was already there, before or after a failed download', async () => {
    const target = join(modelsDir, 'tiny.onnx');
    await writeFile(target, corrupted);
    routes.set('/files/corrupt.onnx', { body: corrupted });
    const spec = cnnSpec({ path: 'tiny.onnx', url: `${origin}/files/corrupt.onnx`, sha256: sha256(good) });

    const first = await rejection(downloader.ensure(spec));
    const second = await rejection(downloader.ensure(spec));

    expect([first.code, second.code]).toEqual(['CHECKSUM_MISMATCH', 'CHECKSUM_MISMATCH']);
    // Re-downloaded each time rather than taken as present.
    expect(hits.get('/files/corrupt.onnx')).toBe(2);
    const status = await downloader.status(spec, { verify: true });
    expect(status.files.map((file) => file.state)).toEqual(['invalid']);
    expect(status.complete).toBe(false);
    expect(await leftovers()).toEqual([]);
  });

  it('replaces a bad file when the download is good', async () => {
    const target = join(modelsDir, 'tiny.onnx');
    await writeFile(target, corrupted);
    routes.set('/files/good.onnx', { body: good });
    const spec = cnnSpec({ path: 'tiny.onnx', url: `${origin}/files/good.onnx`, sha256: sha256(good) });

    expect(await downloader.ensure(spec)).toEqual({ downloaded: ['tiny.onnx'], present: [] });
    expect(sha256(await readFile(target))).toBe(sha256(good));
  });

  it('fails cleanly when the connection drops in the middle of the body', async () => {
    const target = join(modelsDir, 'tiny.onnx');
    await writeFile(target, previousVersion);
    routes.set('/files/drop.onnx', { body: good, dropHalfway: true });
    const spec = cnnSpec({
      path: 'tiny.onnx',
      url: `${origin}/files/drop.onnx`,
      sha256: sha256(good),
      bytes: good.length,
    });

    const error = await rejection(downloader.ensure(spec));

    expect(error.code).toBe('INTERRUPTED');
    expect(error.message).toMatch(new RegExp(`connection dropped after \\d+ of ${good.length} bytes`));
    expect(error.message).not.toContain('\n');
    expect(sha256(await readFile(target))).toBe(sha256(previousVersion));
    expect(await leftovers()).toEqual([]);
  });

  it('reports an HTTP error status with the URL and writes nothing', async () => {
    const spec = cnnSpec({ path: 'tiny.onnx', url: `${origin}/files/absent.onnx`, sha256: sha256(good) });

    const error = await rejection(downloader.ensure(spec));

    expect(error.code).toBe('HTTP');
    expect(error.message).toContain(`HTTP 404 Not Found for ${origin}/files/absent.onnx`);
    expect(existsSync(join(modelsDir, 'tiny.onnx'))).toBe(false);
    expect(await leftovers()).toEqual([]);
  });

  it('refuses a body whose announced size differs from the manifest before writing it', async () => {
    routes.set('/files/good.onnx', { body: good });
    const spec = cnnSpec({
      path: 'tiny.onnx',
      url: `${origin}/files/good.onnx`,
      sha256: sha256(good),
      bytes: good.length + 1,
    });

    const error = await rejection(downloader.ensure(spec));

    expect(error.code).toBe('SIZE_MISMATCH');
    expect(error.message).toContain(
      `the server announces ${good.length} bytes, the manifest expects ${good.length + 1}`,
    );
    expect(await leftovers()).toEqual([]);
  });

  it('gives up on a server that stops sending', async () => {
    routes.set('/files/stall.onnx', { body: good, stall: true });
    const impatient = new ModelDownloader({ modelsDir, idleTimeoutMs: 200 });
    const spec = cnnSpec({ path: 'tiny.onnx', url: `${origin}/files/stall.onnx`, sha256: sha256(good) });

    const error = await rejection(impatient.ensure(spec));

    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('no data for 200 ms after 0 bytes');
    expect(await leftovers()).toEqual([]);
  });

  it('fetches every file from the mirror when a base URL is set, never from file.url', async () => {
    const tokenizer = Buffer.from('{"model":"bpe"}');
    const config = Buffer.from('{"model_max_length":77}');
    const text = generatedBytes(4096, 3);
    routes.set('/mirror/clip/vision_model.onnx', { body: good });
    routes.set('/mirror/clip/text_model.onnx', { body: text });
    routes.set('/mirror/clip/tokenizer.json', { body: tokenizer });
    routes.set('/mirror/clip/tokenizer_config.json', { body: config });
    const file = (path: string, body: Buffer): ModelFile => ({
      path,
      url: `${origin}/upstream/${path}`,
      sha256: sha256(body),
      bytes: body.length,
    });
    const spec: ClipModelSpec = {
      id: 'tiny-clip',
      version: '1',
      kind: 'clip',
      space: 'CLIP',
      description: 'test model',
      dimension: 8,
      logitScale: 100,
      vision: {
        file: file('clip/vision_model.onnx', good),
        input: 'pixel_values',
        output: 'image_embeds',
        preprocess: { ...preprocess, mean: [...preprocess.mean], std: [...preprocess.std] },
      },
      text: {
        file: file('clip/text_model.onnx', text),
        inputIds: 'input_ids',
        attentionMask: null,
        output: 'text_embeds',
        tokenizer: {
          files: {
            tokenizer: file('clip/tokenizer.json', tokenizer),
            config: file('clip/tokenizer_config.json', config),
          },
          contextLength: 77,
        },
      },
    };
    const mirrored = new ModelDownloader({ modelsDir, baseUrl: `${origin}/mirror/` });

    const result = await mirrored.ensure(spec);

    expect(result.downloaded).toEqual(modelFiles(spec).map((entry) => entry.path));
    expect([...hits.keys()].sort()).toEqual([
      '/mirror/clip/text_model.onnx',
      '/mirror/clip/tokenizer.json',
      '/mirror/clip/tokenizer_config.json',
      '/mirror/clip/vision_model.onnx',
    ]);
    expect(await readFile(join(modelsDir, 'clip', 'tokenizer_config.json'), 'utf8')).toBe(
      '{"model_max_length":77}',
    );
    expect(await leftovers()).toEqual([]);
  });

  it('turns a refused connection into a one-line error that names the model and the way out', async () => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const closedPort = (probe.address() as AddressInfo).port;
    probe.close();
    await once(probe, 'close');
    const spec = cnnSpec(
      { path: 'resnet.onnx', url: `http://127.0.0.1:${closedPort}/resnet.onnx`, sha256: sha256(good) },
      'resnet-test',
    );

    const error = await rejection(downloader.ensure(spec));

    expect(error.code).toBe('NETWORK');
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.message).toBe(
      `cannot download resnet-test from 127.0.0.1:${closedPort}: connection refused (ECONNREFUSED) — ` +
        `download it elsewhere and place it at ${join(modelsDir, 'resnet.onnx')}, or set MODELS_BASE_URL to a mirror`,
    );
    expect(await leftovers()).toEqual([]);
  });

  it('says where to put a missing file that has no URL', async () => {
    const spec = cnnSpec({ path: 'local/only.onnx', sha256: sha256(good) }, 'local-only');

    const error = await rejection(downloader.ensure(spec));

    expect(error.code).toBe('NO_URL');
    expect(error.message).toContain(`${join(modelsDir, 'local', 'only.onnx')} is missing`);
    expect(error.message).toContain(sha256(good));
    expect(error.message).not.toContain('\n');
  });

  it('stops and cleans up when the caller aborts', async () => {
    routes.set('/files/stall.onnx', { body: good, stall: true });
    const spec = cnnSpec({ path: 'tiny.onnx', url: `${origin}/files/stall.onnx`, sha256: sha256(good) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);

    const error = await rejection(downloader.ensure(spec, { signal: controller.signal }));

    expect(error.code).toBe('ABORTED');
    expect(existsSync(join(modelsDir, 'tiny.onnx'))).toBe(false);
    expect(await leftovers()).toEqual([]);
  });
});

describe('ModelDownloader.status', () => {
  it('tells missing, present, valid and invalid files apart; only verify reads the bytes', async () => {
    const sameSizeWrongBytes = join(modelsDir, 'b.onnx');
    await writeFile(join(modelsDir, 'a.onnx'), good);
    await writeFile(sameSizeWrongBytes, corrupted);
    await mkdir(dirname(join(modelsDir, 'c/d.onnx')), { recursive: true });
    await writeFile(join(modelsDir, 'c/d.onnx'), good.subarray(1));
    const entry = (path: string): ModelFile => ({ path, sha256: sha256(good), bytes: good.length });
    const spec: ClipModelSpec = {
      id: 'status-clip',
      version: '1',
      kind: 'clip',
      space: 'CLIP',
      description: '',
      dimension: 8,
      logitScale: 100,
      vision: {
        file: entry('a.onnx'),
        input: 'x',
        output: 'y',
        preprocess: cnnSpec(entry('a.onnx')).preprocess,
      },
      text: {
        file: entry('b.onnx'),
        inputIds: 'input_ids',
        attentionMask: null,
        output: 'text_embeds',
        tokenizer: {
          files: { tokenizer: entry('c/d.onnx'), config: entry('missing.json') },
          contextLength: 77,
        },
      },
    };

    const cheap = await downloader.status(spec);
    const verified = await downloader.status(spec, { verify: true });

    expect(cheap.files.map((file) => [file.path, file.state, file.sizeBytes])).toEqual([
      ['a.onnx', 'present', good.length],
      ['b.onnx', 'present', good.length],
      ['c/d.onnx', 'invalid', good.length - 1],
      ['missing.json', 'missing', undefined],
    ]);
    expect(verified.files.map((file) => file.state)).toEqual(['valid', 'invalid', 'invalid', 'missing']);
    expect(cheap.complete).toBe(false);
  });
});

describe('models/manifest.json', () => {
  const registry = ModelRegistry.fromFile(fromProjectRoot('models', 'manifest.json'));

  it('describes the default download models with an HTTPS URL, sha256 and size for every file', () => {
    for (const id of ['resnet50-v1-7', 'clip-vit-base-patch32']) {
      const files = modelFiles(registry.get(id));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        expect(file.url).toMatch(/^https:\/\//);
        expect(file.bytes).toBeGreaterThan(0);
      }
    }
    expect(registry.get('resnet50-v1-7').dimension).toBe(2048);
    expect(registry.get('clip-vit-base-patch32').dimension).toBe(512);
  });
});
