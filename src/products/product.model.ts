// Plain types of the product domain, free of transport and database libraries.
import { type ImageSourceInput } from '../embeddings/embedding-engine.js';

export interface AttributeScore {
  readonly axis: string;
  readonly value: number;
}

export interface Product {
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  readonly description: string | null;
  readonly category: string;
  readonly price: number;
  readonly currency: string;
  readonly imageUrl: string | null;
  /** Scores in attribute-axis order: the components of the product's attribute vector. */
  readonly attributes: readonly AttributeScore[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A product as stored: scores are positional, in axis order. */
export interface ProductRecord extends Omit<Product, 'attributes'> {
  readonly attributeScores: readonly number[];
}

export interface NewProductInput {
  readonly sku: string;
  readonly name: string;
  readonly description?: string | null | undefined;
  readonly category: string;
  readonly price: number;
  readonly currency?: string | null | undefined;
  readonly imageUrl?: string | null | undefined;
  readonly attributes: readonly AttributeScore[];
  /** A photo to store and embed (exactly one of url or base64). */
  readonly image?: ImageSourceInput | null | undefined;
}

export interface ProductUpdateInput {
  readonly sku?: string | null | undefined;
  readonly name?: string | null | undefined;
  readonly description?: string | null | undefined;
  readonly category?: string | null | undefined;
  readonly price?: number | null | undefined;
  readonly currency?: string | null | undefined;
  readonly imageUrl?: string | null | undefined;
  /** Only the axes listed change; the others keep their scores. */
  readonly attributes?: readonly AttributeScore[] | null | undefined;
  /** A new photo (re-embedded); null removes the photo and its embeddings; undefined keeps it. */
  readonly image?: ImageSourceInput | null | undefined;
}

/** A validated product ready to store. */
export interface ProductDraft {
  readonly sku: string;
  readonly name: string;
  readonly description: string | null;
  readonly category: string;
  readonly price: number;
  readonly currency: string;
  readonly imageUrl: string | null;
  readonly attributeScores: readonly number[];
}

export type ProductChanges = Partial<ProductDraft>;

export interface ProductFilter {
  readonly category?: string | null | undefined;
  readonly categories?: readonly string[] | null | undefined;
  readonly minPrice?: number | null | undefined;
  readonly maxPrice?: number | null | undefined;
  readonly nameContains?: string | null | undefined;
}

export interface PageRequest {
  readonly first: number;
  readonly after: { readonly createdAt: Date; readonly id: string } | null;
}

export interface ProductPage {
  readonly items: readonly ProductRecord[];
  readonly hasNextPage: boolean;
  readonly totalCount: number;
}

export const DEFAULT_CURRENCY = 'EUR';
