// Reads a model file named by the manifest and checks its sha256 while reading, so a truncated
// download or a different file of the same name is refused before onnxruntime sees it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { ModelUnavailableError } from '../errors/domain-errors.js';
import { type ModelFile } from './model-manifest.js';

/**
 * The bytes of `modelsDir/file.path`, hashed in the same streaming pass that reads them.
 * Throws ModelUnavailableError when the file is missing or unreadable or its sha256 differs.
 */
export async function readVerifiedModelFile(
  modelId: string,
  modelsDir: string,
  file: ModelFile,
): Promise<Buffer> {
  const path = join(modelsDir, file.path);
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of createReadStream(path)) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      chunks.push(bytes);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? `${file.path} is missing from ${modelsDir}`
        : `cannot read ${path}: ${code ?? String(error)}`;
    throw new ModelUnavailableError(modelId, reason);
  }
  const actual = hash.digest('hex');
  if (actual !== file.sha256) {
    throw new ModelUnavailableError(
      modelId,
      `${file.path} has sha256 ${actual}, the manifest expects ${file.sha256}`,
    );
  }
  return Buffer.concat(chunks);
}
