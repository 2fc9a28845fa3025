import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CLIP_CONTEXT_LENGTH,
  createTempModelsDir,
  minimalClipTokenizerConfig,
  minimalClipTokenizerJson,
  SHARED_CLIP_TOKENIZER_DIR,
  sharedClipTokenizerAvailable,
  writeTestModels,
} from '../../test/support/onnx-fixtures.js';
import { ClipTokenizer } from './clip-tokenizer.js';

const START = 49406;
const END = 49407;
const A_PHOTO_OF_A_CAT = [START, 320, 1125, 539, 320, 2368, END];

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

if (!sharedClipTokenizerAvailable) {
  console.warn(`Skipping the real CLIP tokenizer tests: ${SHARED_CLIP_TOKENIZER_DIR} is missing`);
}

describe.skipIf(!sharedClipTokenizerAvailable)(
  'ClipTokenizer with the real openai/clip-vit-base-patch32 files',
  () => {
    const tokenizer = sharedClipTokenizerAvailable
      ? ClipTokenizer.fromJson(
          readJson(join(SHARED_CLIP_TOKENIZER_DIR, 'tokenizer.json')),
          readJson(join(SHARED_CLIP_TOKENIZER_DIR, 'tokenizer_config.json')),
          CLIP_CONTEXT_LENGTH,
        )
      : null;
    const modelsDirs: string[] = [];
    afterAll(async () => {
      await Promise.all(modelsDirs.map((dir) => rm(dir, { recursive: true, force: true })));
    });

    it('takes pad and end-of-text ids from the config (both <|endoftext|>)', () => {
      expect(tokenizer?.padId).toBe(END);
      expect(tokenizer?.endOfTextId).toBe(END);
    });

    it('encodes "a photo of a cat" as CLIP does, padded to 77 with a matching mask', () => {
      const encoded = tokenizer!.encode('a photo of a cat');
      expect(encoded.inputIds.slice(0, 7)).toEqual(A_PHOTO_OF_A_CAT);
      expect(encoded.inputIds).toHaveLength(CLIP_CONTEXT_LENGTH);
      expect(encoded.inputIds.slice(7)).toEqual(new Array<number>(70).fill(END));
      expect(encoded.attentionMask).toEqual([
        ...new Array<number>(7).fill(1),
        ...new Array<number>(70).fill(0),
      ]);
      expect(encoded.truncated).toBe(false);
    });

    it('normalises case and whitespace like CLIP', () => {
      expect(tokenizer!.encode('A  Photo of a\tCAT').inputIds.slice(0, 7)).toEqual(A_PHOTO_OF_A_CAT);
    });

    it('truncates a long text to 77 ids keeping <|endoftext|> last', () => {
      const text = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
      const encoded = tokenizer!.encode(text);
      expect(encoded.inputIds).toHaveLength(CLIP_CONTEXT_LENGTH);
      expect(encoded.inputIds[0]).toBe(START);
      expect(encoded.inputIds[76]).toBe(END);
      expect(encoded.inputIds.slice(1, 76)).not.toContain(END);
      expect(encoded.attentionMask).toEqual(new Array<number>(77).fill(1));
      expect(encoded.truncated).toBe(true);
    });

    it('keeps a text of exactly 77 tokens whole', () => {
      const text = new Array(75).fill('cat').join(' '); // 75 tokens + start + end
      const encoded = tokenizer!.encode(text);
      expect(encoded.truncated).toBe(false);
      expect(encoded.inputIds).toEqual([START, ...new Array<number>(75).fill(2368), END]);
    });

    it('loads the files named by a manifest, verifying their sha256', async () => {
      const modelsDir = await createTempModelsDir();
      modelsDirs.push(modelsDir);
      const { clip } = await writeTestModels(modelsDir, { tokenizer: 'shared' });
      const loaded = await ClipTokenizer.load(clip, modelsDir);
      expect(loaded.encode('a photo of a cat').inputIds.slice(0, 7)).toEqual(A_PHOTO_OF_A_CAT);

      const tampered = structuredClone(clip);
      tampered.text.tokenizer.files.config.sha256 = '0'.repeat(64);
      await expect(ClipTokenizer.load(tampered, modelsDir)).rejects.toThrow(
        /tokenizer_config\.json has sha256/,
      );
    });
  },
);

describe('ClipTokenizer with the minimal stand-in tokenizer', () => {
  it('gives CLIP ids for the words it knows and letters for the others', () => {
    const tokenizer = ClipTokenizer.fromJson(minimalClipTokenizerJson(), minimalClipTokenizerConfig(), 77);
    expect(tokenizer.encode('a photo of a cat').inputIds.slice(0, 7)).toEqual(A_PHOTO_OF_A_CAT);
    expect(tokenizer.encode('Cow').inputIds.slice(0, 5)).toEqual([START, 64 + 2, 64 + 14, 64 + 22, END]);
  });

  it('pads with end-of-text when the config has no pad token', () => {
    const config = { ...minimalClipTokenizerConfig(), pad_token: undefined };
    const tokenizer = ClipTokenizer.fromJson(minimalClipTokenizerJson(), config, 10);
    expect(tokenizer.encode('a cat').inputIds).toEqual([START, 320, 2368, END, END, END, END, END, END, END]);
  });

  it('pads with the configured pad token and truncates to a short context', () => {
    const config = { ...minimalClipTokenizerConfig(), pad_token: { content: 'a' } };
    const tokenizer = ClipTokenizer.fromJson(minimalClipTokenizerJson(), config, 5);
    expect(tokenizer.encode('cat').inputIds).toEqual([START, 2368, END, 320, 320]);
    expect(tokenizer.encode('cat').attentionMask).toEqual([1, 1, 1, 0, 0]);
    expect(tokenizer.encode('a photo of a cat').inputIds).toEqual([START, 320, 1125, 539, END]);
  });

  it('rejects a config without eos_token and a context too short for start and end', () => {
    const withoutEos = { ...minimalClipTokenizerConfig(), eos_token: undefined };
    expect(() => ClipTokenizer.fromJson(minimalClipTokenizerJson(), withoutEos, 77)).toThrow(
      'names no eos_token',
    );
    expect(() => ClipTokenizer.fromJson(minimalClipTokenizerJson(), minimalClipTokenizerConfig(), 1)).toThrow(
      RangeError,
    );
  });
});
