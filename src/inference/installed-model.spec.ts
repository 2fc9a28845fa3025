import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUNDLED_IMAGE_MODEL, DEFAULT_IMAGE_MODEL, loadConfig } from '../config.js';
import { fromProjectRoot } from '../paths.js';
import { firstInstalledModel } from './installed-model.js';
import { ModelDownloader } from './model-downloader.js';
import { ModelRegistry } from './model-manifest.js';

describe('the IMAGE model when IMAGE_MODEL is unset', () => {
  const registry = ModelRegistry.fromFile(fromProjectRoot('models/manifest.json'));
  const candidates = loadConfig({}).models.imageModelIds;
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'models-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const choose = (): Promise<string | null> =>
    firstInstalledModel(candidates, registry, new ModelDownloader({ modelsDir: dir }));

  it('is ResNet-50, then the bundled MobileNetV2; IMAGE_MODEL names one, empty none', () => {
    expect(candidates).toEqual([DEFAULT_IMAGE_MODEL, BUNDLED_IMAGE_MODEL]);
    expect(loadConfig({ IMAGE_MODEL: 'mobilenetv2-12-int8' }).models.imageModelIds).toEqual([
      'mobilenetv2-12-int8',
    ]);
    expect(loadConfig({ IMAGE_MODEL: ' ' }).models.imageModelIds).toEqual([]);
  });

  it('serves the committed MobileNetV2 while ResNet-50 is not installed', async () => {
    await copyFile(fromProjectRoot('models/mobilenetv2-12-int8.onnx'), join(dir, 'mobilenetv2-12-int8.onnx'));
    expect(await choose()).toBe(BUNDLED_IMAGE_MODEL);
  });

  it('serves ResNet-50 once its file is installed (the space then rolls over to it)', async () => {
    await copyFile(fromProjectRoot('models/mobilenetv2-12-int8.onnx'), join(dir, 'mobilenetv2-12-int8.onnx'));
    const resnet = registry.get(DEFAULT_IMAGE_MODEL);
    if (resnet.kind !== 'cnn') throw new Error('resnet50 is a CNN');
    // Right size is what "installed" checks at start; the sha256 is verified when it is downloaded.
    await writeFile(join(dir, resnet.file.path), Buffer.alloc(resnet.file.bytes ?? 1));
    expect(await choose()).toBe(DEFAULT_IMAGE_MODEL);
  });

  it('falls back to the first candidate (which auto-download then fetches) when none is installed', async () => {
    expect(await choose()).toBe(DEFAULT_IMAGE_MODEL);
  });
});
