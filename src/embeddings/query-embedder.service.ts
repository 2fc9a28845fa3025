// Embeds what clients send as examples (texts and photos) with exactly the models whose vectors
// are stored, so they can be compared with the catalogue in Postgres.
import { ModelUnavailableError } from '../errors/domain-errors.js';
import { type ModelProvider } from '../inference/ports.js';
import { type ImageCanonicalizer, type ImageSource, type ImageSourceInput } from '../imaging/image-source.js';
import { type ImageSpace } from '../inference/ports.js';

export class QueryEmbedder {
  constructor(
    private readonly models: ModelProvider,
    private readonly source: ImageSource,
    private readonly canonicalizer: ImageCanonicalizer,
  ) {}

  /** A client's photo, fetched and canonicalised as stored photos are, embedded by `modelId`. */
  async embedImage(
    image: ImageSourceInput,
    field: string,
    space: ImageSpace,
    modelId: string,
  ): Promise<Float32Array> {
    const encoder = await this.models.imageEncoder(space, modelId);
    const loaded = await this.source.load(image, field);
    const canonical = await this.canonicalizer.toCanonicalJpeg(loaded.bytes, field);
    const [vector] = await encoder.encode([canonical.bytes]);
    return vector!;
  }

  /** CLIP text embeddings by the model whose image vectors they will be compared with. */
  async embedTexts(
    texts: readonly string[],
    modelId: string,
  ): Promise<{ vectors: Float32Array[]; logitScale: number }> {
    const encoder = await this.models.textEncoder(modelId);
    if (encoder.modelId !== modelId) {
      throw new ModelUnavailableError(
        modelId,
        `its text tower is not loaded (the configured CLIP model is ${encoder.modelId})`,
      );
    }
    return { vectors: await encoder.encode(texts), logitScale: encoder.logitScale };
  }
}
