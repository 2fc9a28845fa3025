import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../test/support/onnx-fixtures.js';
import { ErrorCode, ModelUnavailableError } from '../errors/domain-errors.js';
import { readVerifiedModelFile } from './model-file.reader.js';

describe('readVerifiedModelFile', () => {
  let modelsDir: string;
  // Larger than one 64 KiB stream chunk, so the streaming hash sees several chunks.
  const content = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31) % 251));

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'model-file-'));
    await writeFile(join(modelsDir, 'weights.onnx'), content);
  });
  afterAll(async () => {
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('returns the bytes when the sha256 matches', async () => {
    const bytes = await readVerifiedModelFile('m', modelsDir, {
      path: 'weights.onnx',
      sha256: sha256Hex(content),
    });
    expect(bytes.equals(content)).toBe(true);
  });

  it('refuses a file whose sha256 differs, naming both hashes', async () => {
    const expected = 'a'.repeat(64);
    const error = await readVerifiedModelFile('m', modelsDir, {
      path: 'weights.onnx',
      sha256: expected,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as ModelUnavailableError).code).toBe(ErrorCode.MODEL_UNAVAILABLE);
    expect((error as ModelUnavailableError).details).toEqual({
      modelId: 'm',
      installCommand: 'npm run models:download m',
    });
    expect((error as Error).message).toContain(
      `weights.onnx has sha256 ${sha256Hex(content)}, the manifest expects ${expected}`,
    );
  });

  it('reports a missing file as ModelUnavailableError', async () => {
    await expect(
      readVerifiedModelFile('clip-b32', modelsDir, { path: 'clip/vision.onnx', sha256: sha256Hex(content) }),
    ).rejects.toThrow(
      new ModelUnavailableError('clip-b32', `clip/vision.onnx is missing from ${modelsDir}`).message,
    );
  });
});
