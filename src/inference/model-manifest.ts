// The model registry: every model the service can run, described as data in models/manifest.json.
// Adding another ImageNet CNN or CLIP-family model is a manifest entry, not code.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { preprocessSchema } from '../imaging/preprocess-spec.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex sha256');

export const modelFileSchema = z.object({
  /** Path under MODELS_DIR. */
  path: z.string().min(1),
  /** Where `npm run models:download` fetches it; absent for local-only files. */
  url: z.url().optional(),
  sha256,
  bytes: z.number().int().positive().optional(),
});

const common = {
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  version: z.string().min(1),
  description: z.string(),
  license: z.string().optional(),
  dimension: z.number().int().positive(),
};

/** An ImageNet classifier whose penultimate layer (the input of its final classifier) is the embedding. */
export const cnnModelSchema = z.object({
  ...common,
  kind: z.literal('cnn'),
  space: z.literal('IMAGE'),
  file: modelFileSchema,
  input: z.string(),
  /** The classifier's output (logits); the embedding is taken from the layer before it. */
  output: z.string(),
  preprocess: preprocessSchema,
});

export const clipModelSchema = z.object({
  ...common,
  kind: z.literal('clip'),
  space: z.literal('CLIP'),
  /** CLIP multiplies cosine similarities by this before the softmax (100 for OpenAI CLIP). */
  logitScale: z.number().positive(),
  vision: z.object({
    file: modelFileSchema,
    input: z.string(),
    output: z.string(),
    preprocess: preprocessSchema,
  }),
  text: z.object({
    file: modelFileSchema,
    inputIds: z.string(),
    attentionMask: z.string().nullable(),
    output: z.string(),
    tokenizer: z.object({
      files: z.object({ tokenizer: modelFileSchema, config: modelFileSchema }),
      contextLength: z.number().int().positive(),
    }),
  }),
});

export const modelSpecSchema = z.discriminatedUnion('kind', [cnnModelSchema, clipModelSchema]);
export const manifestSchema = z.object({ models: z.array(modelSpecSchema) });

export type ModelFile = z.infer<typeof modelFileSchema>;
export type CnnModelSpec = z.infer<typeof cnnModelSchema>;
export type ClipModelSpec = z.infer<typeof clipModelSchema>;
export type ModelSpec = z.infer<typeof modelSpecSchema>;
export type ModelManifest = z.infer<typeof manifestSchema>;

/** Every file a model needs, in download order. */
export function modelFiles(spec: ModelSpec): ModelFile[] {
  if (spec.kind === 'cnn') return [spec.file];
  return [
    spec.vision.file,
    spec.text.file,
    spec.text.tokenizer.files.tokenizer,
    spec.text.tokenizer.files.config,
  ];
}

export class ModelRegistry {
  constructor(readonly models: readonly ModelSpec[]) {
    const ids = new Set<string>();
    for (const model of models) {
      if (ids.has(model.id)) throw new Error(`Model id ${model.id} appears twice in the manifest`);
      ids.add(model.id);
    }
  }

  static fromFile(path: string): ModelRegistry {
    const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) {
      throw new Error(`Invalid model manifest ${path}: ${z.prettifyError(parsed.error)}`);
    }
    return new ModelRegistry(parsed.data.models);
  }

  find(id: string): ModelSpec | undefined {
    return this.models.find((model) => model.id === id);
  }

  get(id: string): ModelSpec {
    const model = this.find(id);
    if (!model)
      throw new Error(
        `Unknown model ${JSON.stringify(id)}; the manifest has: ${this.models.map((m) => m.id).join(', ')}`,
      );
    return model;
  }
}
