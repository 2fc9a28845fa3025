import { type Product } from '../catalogue/product.domain.js';

export interface LabelProbability {
  readonly label: string;
  /** Cosine similarity of the product's CLIP image embedding and the label's prompt embedding. */
  readonly cosine: number;
  /** Softmax over logitScale × cosine across all labels. */
  readonly probability: number;
}

export interface ProductClassification {
  readonly product: Product;
  readonly label: string;
  readonly probability: number;
  readonly probabilities: readonly LabelProbability[];
}

export interface LabelCount {
  readonly label: string;
  readonly count: number;
}

export interface ConfusionMatrix {
  /** Row i: products whose category maps to labels[i]; column j: products predicted labels[j]. */
  readonly labels: readonly string[];
  readonly rows: ReadonlyArray<readonly number[]>;
}

export interface ClassificationReport {
  readonly modelId: string;
  readonly labels: readonly string[];
  readonly templates: readonly string[];
  /** Matching products with a CLIP embedding. */
  readonly classified: number;
  /** Matching products without one (no image, or not embedded yet). */
  readonly unclassified: number;
  readonly countsByLabel: readonly LabelCount[];
  /** Products whose category maps to one of the labels; accuracy is measured on them. */
  readonly evaluated: number;
  readonly accuracy: number | null;
  readonly confusionMatrix: ConfusionMatrix | null;
  /** Per-product results, the first `first` matching products in catalogue order. */
  readonly products: readonly ProductClassification[];
}

export interface TextScore {
  readonly text: string;
  readonly cosine: number;
  readonly probability: number;
}

export interface CategoryLabel {
  readonly category: string;
  readonly label: string;
}

export const DEFAULT_TEMPLATES = ['a photo of a {}'] as const;
