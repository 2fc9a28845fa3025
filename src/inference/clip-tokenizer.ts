// CLIP's text tower reads a fixed-length window of token ids. The Hugging Face tokenizer files give
// the ids (<|startoftext|> … <|endoftext|>); padding and truncation to the context length are done
// here, as CLIP expects them: the end-of-text token stays last, and padding uses the configured
// pad token (for openai/clip-vit-base-patch32 that is <|endoftext|> itself, which is harmless
// because the tower pools at the first end-of-text position).
import { Tokenizer as UntypedTokenizer } from '@huggingface/tokenizers';
import { z } from 'zod';
import { readVerifiedModelFile } from './model-file.reader.js';
import { type ClipModelSpec } from './model-manifest.js';

/**
 * The part of @huggingface/tokenizers' Tokenizer used here. Its published typings import their
 * siblings without file extensions, which NodeNext resolution cannot follow, so the class arrives
 * untyped; this interface restores the types we rely on.
 */
export interface HuggingFaceTokenizer {
  encode(text: string): { ids: number[] };
  token_to_id(token: string): number | undefined;
}
type HuggingFaceTokenizerClass = new (tokenizerJson: object, tokenizerConfig: object) => HuggingFaceTokenizer;
const Tokenizer = UntypedTokenizer as unknown as HuggingFaceTokenizerClass;

export interface TokenizedText {
  /** Exactly `contextLength` ids: the text's tokens, then padding. */
  inputIds: number[];
  /** 1 for the text's tokens, 0 for padding. */
  attentionMask: number[];
  /** Whether the text had more tokens than fit (its end was cut, <|endoftext|> kept). */
  truncated: boolean;
}

const specialToken = z.union([z.string(), z.object({ content: z.string() })]);
const tokenizerConfigSchema = z.looseObject({
  eos_token: specialToken.nullish(),
  pad_token: specialToken.nullish(),
});

export class ClipTokenizer {
  constructor(
    private readonly tokenizer: HuggingFaceTokenizer,
    readonly contextLength: number,
    readonly padId: number,
    readonly endOfTextId: number,
  ) {
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new RangeError(`A CLIP context length must be at least 2, got ${contextLength}`);
    }
  }

  /** From the parsed `tokenizer.json` and `tokenizer_config.json`. */
  static fromJson(tokenizerJson: unknown, tokenizerConfig: unknown, contextLength: number): ClipTokenizer {
    if (typeof tokenizerJson !== 'object' || tokenizerJson === null)
      throw new Error('tokenizer.json is not an object');
    const config = tokenizerConfigSchema.parse(tokenizerConfig);
    const tokenizer = new Tokenizer(tokenizerJson, config);
    const idOf = (token: z.infer<typeof specialToken>, role: string): number => {
      const content = typeof token === 'string' ? token : token.content;
      const id = tokenizer.token_to_id(content);
      if (id === undefined)
        throw new Error(`The ${role} token ${JSON.stringify(content)} is not in the vocabulary`);
      return id;
    };
    if (!config.eos_token) throw new Error('tokenizer_config.json names no eos_token');
    const endOfTextId = idOf(config.eos_token, 'eos');
    // CLIP's config pads with <|endoftext|>; without a pad token, end-of-text is what CLIP uses too.
    const padId = config.pad_token ? idOf(config.pad_token, 'pad') : endOfTextId;
    return new ClipTokenizer(tokenizer, contextLength, padId, endOfTextId);
  }

  /** Reads and verifies the model's tokenizer files (sha256 from the manifest). */
  static async load(spec: ClipModelSpec, modelsDir: string): Promise<ClipTokenizer> {
    const { files, contextLength } = spec.text.tokenizer;
    const [tokenizerJson, tokenizerConfig] = await Promise.all([
      readVerifiedModelFile(spec.id, modelsDir, files.tokenizer),
      readVerifiedModelFile(spec.id, modelsDir, files.config),
    ]);
    return ClipTokenizer.fromJson(
      JSON.parse(tokenizerJson.toString('utf8')),
      JSON.parse(tokenizerConfig.toString('utf8')),
      contextLength,
    );
  }

  encode(text: string): TokenizedText {
    const ids = this.tokenizer.encode(text).ids;
    const truncated = ids.length > this.contextLength;
    // Cut the text, not the end marker: the tower pools its output at <|endoftext|>.
    const kept = truncated ? [...ids.slice(0, this.contextLength - 1), this.endOfTextId] : ids;
    const padding = this.contextLength - kept.length;
    return {
      inputIds: [...kept, ...new Array<number>(padding).fill(this.padId)],
      attentionMask: [...new Array<number>(kept.length).fill(1), ...new Array<number>(padding).fill(0)],
      truncated,
    };
  }
}
