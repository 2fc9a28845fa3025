// Plain types of the product domain, free of transport and database libraries.
import { type ImageSourceInput } from '../imaging/image-source.js';

export interface GeoPoint {
  readonly latitude: number;
  readonly longitude: number;
}

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
  readonly inStock: boolean;
  readonly tags: readonly string[];
  readonly location: GeoPoint | null;
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
  readonly inStock?: boolean | null | undefined;
  readonly tags?: readonly string[] | null | undefined;
  readonly location?: GeoPoint | null | undefined;
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
  readonly inStock?: boolean | null | undefined;
  /** Replaces the tag set. */
  readonly tags?: readonly string[] | null | undefined;
  /** null removes the location. */
  readonly location?: GeoPoint | null | undefined;
}

/** A validated product ready to store: the record's fields, the location as its two columns. */
export interface ProductDraft extends Omit<ProductRecord, 'id' | 'location' | 'createdAt' | 'updatedAt'> {
  readonly latitude: number | null;
  readonly longitude: number | null;
}

export type ProductChanges = Partial<ProductDraft>;

export interface AttributeRange {
  readonly axis: string;
  readonly min?: number | null | undefined;
  readonly max?: number | null | undefined;
}

export interface GeoRadius extends GeoPoint {
  readonly radiusKm: number;
}

export interface ProductFilter {
  readonly category?: string | null | undefined;
  readonly categories?: readonly string[] | null | undefined;
  readonly minPrice?: number | null | undefined;
  readonly maxPrice?: number | null | undefined;
  readonly nameContains?: string | null | undefined;
  readonly inStock?: boolean | null | undefined;
  /** Products with at least one of these tags. */
  readonly tagsAny?: readonly string[] | null | undefined;
  /** Products with all of these tags. */
  readonly tagsAll?: readonly string[] | null | undefined;
  /** Score ranges on attribute axes. */
  readonly attributes?: readonly AttributeRange[] | null | undefined;
  /** Products located within radiusKm of a point. */
  readonly near?: GeoRadius | null | undefined;
}

/** A validated filter, attribute axes resolved to vector positions; what repositories receive. */
export interface ResolvedProductFilter extends Omit<ProductFilter, 'attributes'> {
  readonly attributeRanges: ReadonlyArray<{
    readonly position: number;
    readonly min: number;
    readonly max: number;
  }>;
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
