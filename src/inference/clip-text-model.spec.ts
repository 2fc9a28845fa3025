import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  CLIP_CONTEXT_LENGTH,
  cosine,
  createTempModelsDir,
  l2Norm,
  maxAbsDifference,
  testClipTextReference,
  writeTestModels,
  type TestModels,
} from '../../test/support/onnx-fixtures.js';
import { ModelUnavailableError } from '../errors/domain-errors.js';
import { ClipTextModel } from './clip-text-model.js';
import { type ClipModelSpec, ModelRegistry } from './model-manifest.js';

const THREADS = { intraOpNumThreads: 1 };

function normalised(vector: Float64Array): Float64Array {
  const norm = l2Norm(vector);
  return vector.map((value) => value / norm);
}

describe('ClipTextModel on the generated CLIP text tower', () => {
  let fixtures: TestModels;
  let spec: ClipModelSpec;
  let model: ClipTextModel;

  beforeAll(async () => {
    // The real CLIP tokenizer when ../shared is present, the minimal stand-in otherwise.
    fixtures = await writeTestModels(await createTempModelsDir());
    spec = ModelRegistry.fromFile(fixtures.manifestPath).get('test-clip') as ClipModelSpec;
    model = await ClipTextModel.load(spec, fixtures.modelsDir, THREADS);
  });
  afterAll(async () => {
    await model?.release();
    if (fixtures) await rm(fixtures.modelsDir, { recursive: true, force: true });
  });

  it('tokenises to int64 [N,77] ids and mask and returns L2-normalised text_embeds equal to a direct computation', async () => {
    const texts = ['a photo of a cat', 'a red dog'];
    const embeddings = await model.embed(texts);
    expect(embeddings.map((embedding) => embedding.length)).toEqual([512, 512]);
    for (const embedding of embeddings) expect(l2Norm(embedding)).toBeCloseTo(1, 5);

    const tokens = model.tokenizer.encode('a photo of a cat');
    expect(tokens.inputIds.slice(0, 7)).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
    texts.forEach((text, i) => {
      const { inputIds, attentionMask } = model.tokenizer.encode(text);
      const expected = normalised(testClipTextReference(fixtures.weights.clipText, inputIds, attentionMask));
      expect(maxAbsDifference(embeddings[i]!, expected)).toBeLessThan(1e-5);
    });
  });

  it('ignores padding through the attention mask', async () => {
    const { inputIds, attentionMask } = model.tokenizer.encode('a photo of a cat');
    const [masked] = await model.embed(['a photo of a cat']);
    const unmasked = normalised(testClipTextReference(fixtures.weights.clipText, inputIds, null));
    expect(maxAbsDifference(masked!, unmasked)).toBeGreaterThan(1e-2);
    expect(attentionMask.reduce((sum, value) => sum + value, 0)).toBe(7);
  });

  it('embeds texts sharing words closer than unrelated texts', async () => {
    const [cat, dog, other] = await model.embed(['a photo of a cat', 'a photo of a dog', 'blue']);
    expect(cosine(cat!, dog!)).toBeGreaterThan(cosine(cat!, other!) + 0.1);
  });

  it('serves repeated texts from the LRU cache without another session run', async () => {
    const fresh = await ClipTextModel.load(spec, fixtures.modelsDir, { ...THREADS, cacheCapacity: 2 });
    onTestFinished(() => fresh.release());
    const runs = vi.spyOn(fresh, 'embedTokens');

    const first = await fresh.embed(['a cat', 'a dog', 'a cat']);
    expect(runs).toHaveBeenCalledTimes(1);
    expect(runs.mock.calls[0]?.[0]).toHaveLength(2); // the repeated text is run once
    expect(first[0]).toEqual(first[2]);

    first[0]!.fill(0); // callers get copies: changing one does not change the cache
    const again = await fresh.embed(['a dog', 'a cat']);
    expect(runs).toHaveBeenCalledTimes(1);
    expect(again).toEqual([first[1], first[2]]);

    await fresh.embed(['blue']); // capacity 2: evicts the least recently used, 'a dog'
    expect(runs).toHaveBeenCalledTimes(2);
    await fresh.embed(['a cat']);
    expect(runs).toHaveBeenCalledTimes(2);
    const [dog] = await fresh.embed(['a dog']);
    expect(runs).toHaveBeenCalledTimes(3);
    expect(dog).toEqual(first[1]);
  });

  it('truncates long texts to the context length and embeds them', async () => {
    const long = Array.from({ length: 150 }, (_, i) => `cat ${i}`).join(' ');
    const tokens = model.tokenizer.encode(long);
    expect(tokens.inputIds).toHaveLength(CLIP_CONTEXT_LENGTH);
    expect(tokens.inputIds.at(-1)).toBe(49407);
    expect(tokens.truncated).toBe(true);
    const [embedding] = await model.embed([long]);
    const expected = normalised(
      testClipTextReference(fixtures.weights.clipText, tokens.inputIds, tokens.attentionMask),
    );
    expect(maxAbsDifference(embedding!, expected)).toBeLessThan(1e-5);
  });

  it('returns nothing for no texts, without running the model', async () => {
    const runs = vi.spyOn(model, 'embedTokens');
    expect(await model.embed([])).toEqual([]);
    expect(runs).not.toHaveBeenCalled();
    runs.mockRestore();
  });

  it('throws ModelUnavailableError when the text tower or a tokenizer file is missing', async () => {
    const noTower = structuredClone(spec);
    noTower.text.file.path = 'test-clip/absent.onnx';
    await expect(ClipTextModel.load(noTower, fixtures.modelsDir, THREADS)).rejects.toThrow(
      ModelUnavailableError,
    );
    const noTokenizer = structuredClone(spec);
    noTokenizer.text.tokenizer.files.tokenizer.path = 'test-clip/absent.json';
    await expect(ClipTextModel.load(noTokenizer, fixtures.modelsDir, THREADS)).rejects.toThrow(
      'Model test-clip is not available (test-clip/absent.json is missing from',
    );
  });
});

describe('ClipTextModel without attention_mask (manifest attentionMask: null), with the minimal tokenizer', () => {
  let fixtures: TestModels;
  let model: ClipTextModel;

  beforeAll(async () => {
    fixtures = await writeTestModels(await createTempModelsDir(), {
      textAttentionMask: false,
      tokenizer: 'minimal',
    });
    const spec = ModelRegistry.fromFile(fixtures.manifestPath).get('test-clip') as ClipModelSpec;
    expect(spec.text.attentionMask).toBeNull();
    model = await ClipTextModel.load(spec, fixtures.modelsDir, THREADS);
  });
  afterAll(async () => {
    await model?.release();
    if (fixtures) await rm(fixtures.modelsDir, { recursive: true, force: true });
  });

  it('feeds input_ids only; the tower averages all 77 positions', async () => {
    const [embedding] = await model.embed(['a photo of a cat']);
    const { inputIds } = model.tokenizer.encode('a photo of a cat');
    const expected = normalised(testClipTextReference(fixtures.weights.clipText, inputIds, null));
    expect(maxAbsDifference(embedding!, expected)).toBeLessThan(1e-5);
  });
});
