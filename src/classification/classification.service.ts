// Zero-shot classification with CLIP: labels become prompts ("a photo of a {}"), several templates
// are averaged as a prompt ensemble, and each product's probabilities are the softmax over the
// scaled cosines of its image embedding with every label (logit scale 100, as CLIP does).
import { type FieldProblem, ValidationError } from '../errors/domain-errors.js';
import { type ClipTextEncoder, type ModelProvider } from '../inference/ports.js';
import { type ImageSourceInput } from '../imaging/image-source.js';
import { ImageSpace, type SpaceModel } from '../inference/ports.js';
import { type ProductFilter } from '../catalogue/product.domain.js';
import { type ProductService } from '../catalogue/product.service.js';
import { type EmbeddingSpaceService } from '../embeddings/embedding-space.service.js';
import { queryTextProblem } from '../embeddings/query-text.js';
import { l2Normalized } from '../inference/embedding-vector.js';
import { type QueryEmbedder } from '../embeddings/query-embedder.service.js';
import {
  type CategoryLabel,
  type ClassificationReport,
  DEFAULT_TEMPLATES,
  type TextScore,
} from './classification.domain.js';
import { type ClassificationRepository } from './classification.repository.js';

export const MAX_LABELS = 100;
export const MAX_TEMPLATES = 80;
export const MAX_TEXTS = 100;
export const MAX_LISTED_PRODUCTS = 1000;

/** Cosine of two unit vectors: their dot product. */
function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let index = 0; index < a.length; index++) dot += a[index]! * b[index]!;
  return dot;
}

/** Softmax of scale × cosines, stabilised by subtracting the largest logit. */
export function softmax(cosines: readonly number[], scale: number): number[] {
  const logits = cosines.map((value) => value * scale);
  const max = Math.max(...logits);
  const exps = logits.map((logit) => Math.exp(logit - max));
  const sum = exps.reduce((total, value) => total + value, 0);
  return exps.map((value) => value / sum);
}

function checkTexts(
  texts: readonly string[],
  field: string,
  max: number,
  problems: FieldProblem[],
): string[] {
  if (texts.length === 0) problems.push({ field, message: 'must not be empty' });
  if (texts.length > max) problems.push({ field, message: `must hold at most ${max} entries` });
  const seen = new Set<string>();
  return texts.map((raw, index) => {
    const text = raw.trim();
    const problem = queryTextProblem(raw, `${field}[${index}]`);
    if (problem) problems.push(problem);
    else if (seen.has(text.toLowerCase())) {
      problems.push({ field: `${field}[${index}]`, message: `repeats ${JSON.stringify(text)}` });
    }
    seen.add(text.toLowerCase());
    return text;
  });
}

export class ClassificationService {
  constructor(
    private readonly repository: ClassificationRepository,
    private readonly models: ModelProvider,
    private readonly spaces: EmbeddingSpaceService,
    private readonly products: ProductService,
    private readonly embedder: QueryEmbedder,
  ) {}

  async classifyProducts(request: {
    labels: readonly string[];
    templates?: readonly string[] | null | undefined;
    filter?: ProductFilter | null | undefined;
    categoryLabels?: readonly CategoryLabel[] | null | undefined;
    first?: number | null | undefined;
  }): Promise<ClassificationReport> {
    const problems: FieldProblem[] = [];
    const labels = checkTexts(request.labels, 'labels', MAX_LABELS, problems);
    const templates = checkTexts(
      request.templates ?? DEFAULT_TEMPLATES,
      'templates',
      MAX_TEMPLATES,
      problems,
    );
    templates.forEach((template, index) => {
      if (template.split('{}').length !== 2) {
        problems.push({
          field: `templates[${index}]`,
          message: 'must contain {} exactly once, where the label goes',
        });
      }
    });
    const first = request.first ?? 100;
    if (!Number.isInteger(first) || first < 0 || first > MAX_LISTED_PRODUCTS) {
      problems.push({ field: 'first', message: `must be between 0 and ${MAX_LISTED_PRODUCTS}` });
    }
    const labelOfCategory = new Map<string, number>();
    for (const [index, mapping] of (request.categoryLabels ?? []).entries()) {
      const label = labels.findIndex((l) => l.toLowerCase() === mapping.label.trim().toLowerCase());
      if (label < 0)
        problems.push({ field: `categoryLabels[${index}].label`, message: 'is not one of labels' });
      else labelOfCategory.set(mapping.category.trim().toLowerCase(), label);
    }
    if (problems.length > 0) throw new ValidationError(problems);
    const filter = this.products.resolveFilter(request.filter, 'filter');

    const { model, encoder } = await this.clip();
    const labelVectors = await this.promptEnsemble(encoder, labels, templates);
    const [counts, unclassified, scored] = await Promise.all([
      this.repository.predictionCounts(model, labelVectors, encoder.logitScale, filter),
      this.repository.countUnembedded(model, filter),
      this.repository.productScores(model, labelVectors, encoder.logitScale, filter, first),
    ]);

    // A category counts as a label when mapped explicitly, or when it equals one (ignoring case).
    const actualLabel = (category: string): number | undefined =>
      labelOfCategory.get(category.toLowerCase()) ??
      (request.categoryLabels?.length
        ? undefined
        : labels.findIndex((l) => l.toLowerCase() === category.toLowerCase()));
    const perLabel = labels.map(() => 0);
    const matrix = labels.map(() => labels.map(() => 0));
    let evaluated = 0;
    let correct = 0;
    for (const row of counts) {
      perLabel[row.label]! += row.count;
      const actual = actualLabel(row.category);
      if (actual === undefined || actual < 0) continue;
      evaluated += row.count;
      matrix[actual]![row.label]! += row.count;
      if (actual === row.label) correct += row.count;
    }
    return {
      modelId: model.modelId,
      labels,
      templates,
      classified: perLabel.reduce((sum, count) => sum + count, 0),
      unclassified,
      countsByLabel: labels.map((label, index) => ({ label, count: perLabel[index]! })),
      evaluated,
      accuracy: evaluated > 0 ? correct / evaluated : null,
      confusionMatrix: evaluated > 0 ? { labels, rows: matrix } : null,
      products: scored.map((entry) => {
        const best = entry.probabilities.indexOf(Math.max(...entry.probabilities));
        return {
          product: this.products.toProduct(entry.record),
          label: labels[best]!,
          probability: entry.probabilities[best]!,
          probabilities: labels.map((label, index) => ({
            label,
            cosine: entry.cosines[index]!,
            probability: entry.probabilities[index]!,
          })),
        };
      }),
    };
  }

  /** The design's "estimate the accuracy of a text description" of a photo. */
  async imageTextScores(image: ImageSourceInput, texts: readonly string[]): Promise<TextScore[]> {
    const problems: FieldProblem[] = [];
    const cleaned = checkTexts(texts, 'texts', MAX_TEXTS, problems);
    if (problems.length > 0) throw new ValidationError(problems);
    const { model, encoder } = await this.clip();
    const [imageVector, textVectors] = await Promise.all([
      this.embedder.embedImage(image, 'image', ImageSpace.CLIP, model.modelId),
      encoder.encode(cleaned),
    ]);
    const cosines = textVectors.map((vector) => cosine(imageVector, vector));
    const probabilities = softmax(cosines, encoder.logitScale);
    return cleaned.map((text, index) => ({
      text,
      cosine: cosines[index]!,
      probability: probabilities[index]!,
    }));
  }

  private async clip(): Promise<{ model: SpaceModel; encoder: ClipTextEncoder }> {
    const model = await this.spaces.requireActiveModel(ImageSpace.CLIP);
    // The text tower of the model whose image vectors are stored, also while a new model is being rolled out.
    return { model, encoder: await this.models.textEncoder(model.modelId) };
  }

  /** One vector per label: the normalised mean of its prompts' embeddings over all templates. */
  private async promptEnsemble(
    encoder: ClipTextEncoder,
    labels: readonly string[],
    templates: readonly string[],
  ): Promise<Float32Array[]> {
    const prompts = labels.flatMap((label) => templates.map((template) => template.replace('{}', label)));
    const vectors: Float32Array[] = [];
    for (let start = 0; start < prompts.length; start += 256) {
      vectors.push(...(await encoder.encode(prompts.slice(start, start + 256))));
    }
    return labels.map((_, labelIndex) => {
      const mean = new Float32Array(encoder.dimension);
      for (let t = 0; t < templates.length; t++) {
        const vector = vectors[labelIndex * templates.length + t]!;
        for (let d = 0; d < mean.length; d++) mean[d]! += vector[d]!;
      }
      return l2Normalized(mean);
    });
  }
}
