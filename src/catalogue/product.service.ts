// The rules of the product catalogue: validation of every field before anything is written,
// all-or-nothing bulk ingest, and cursor pagination.
import { type FieldProblem, ProductNotFoundError, ValidationError } from '../errors/domain-errors.js';
import { type AttributeVectorService } from './attribute-vector.service.js';
import { decodeCursor, encodeCursor } from './product-cursor.js';
import { assertProductId, isProductId } from './product-id.js';
import {
  DEFAULT_CURRENCY,
  type NewProductInput,
  type Product,
  type ProductChanges,
  type ProductDraft,
  type GeoPoint,
  type ProductFilter,
  type ResolvedProductFilter,
  type ProductRecord,
  type ProductUpdateInput,
} from './product.domain.js';
import { imageSourceProblem, type ImageSourceInput } from '../imaging/image-source.js';
import { type ProductMedia } from '../embeddings/embedding.domain.js';
import { type ProductMediaService } from '../embeddings/product-media.service.js';
import { type ProductRepository } from './product.repository.js';
import { checkFields, normaliseTags } from './product.validation.js';

export interface ProductLimits {
  readonly maxBulkProducts: number;
}

export interface ProductConnectionResult {
  readonly edges: ReadonlyArray<{ readonly cursor: string; readonly node: Product }>;
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
  readonly totalCount: number;
}

export const PAGE_SIZE_DEFAULT = 20;
export const PAGE_SIZE_MAX = 100;

/** The HTTP path of a stored product photo; `v` is its sha256, so a new photo gets a new URL. */
export const photoPath = (id: string, version: string): string =>
  `/products/${id}/photo?v=${version.slice(0, 16)}`;

export class ProductService {
  constructor(
    private readonly products: ProductRepository,
    private readonly attributeVectors: AttributeVectorService,
    private readonly limits: ProductLimits,
    private readonly media: ProductMediaService | null = null,
  ) {}

  toProduct(record: ProductRecord): Product {
    const { attributeScores, ...rest } = record;
    return { ...rest, attributes: this.attributeVectors.toScores(attributeScores) };
  }

  async getById(id: string): Promise<Product | null> {
    if (!isProductId(id)) return null;
    const record = await this.products.findById(id);
    return record ? this.toProduct(record) : null;
  }

  /** The products with these ids, in the order asked (unknown and malformed ids left out). */
  async getByIds(ids: readonly string[]): Promise<Product[]> {
    const records = await this.products.findByIds(ids.filter(isProductId));
    const byId = new Map(records.map((record) => [record.id, this.toProduct(record)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Every category with its number of products, largest first. */
  async categories(): Promise<Array<{ category: string; count: number }>> {
    return this.products.categories();
  }

  /** Attribute scores of up to `limit` products (oldest first). */
  async attributeScores(limit: number): Promise<Array<{ id: string; scores: number[] }>> {
    return this.products.attributeScores(limit);
  }

  async getBySku(sku: string): Promise<Product | null> {
    const record = await this.products.findBySku(sku.trim());
    return record ? this.toProduct(record) : null;
  }

  async list(
    filter: ProductFilter | null | undefined,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<ProductConnectionResult> {
    const pageSize = first ?? PAGE_SIZE_DEFAULT;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > PAGE_SIZE_MAX) {
      throw ValidationError.single('first', `must be between 1 and ${PAGE_SIZE_MAX}`);
    }
    const resolved = this.resolveFilter(filter, 'filter');
    const page = await this.products.page(resolved, {
      first: pageSize,
      after: after ? decodeCursor(after, 'after') : null,
    });
    const edges = page.items.map((record) => ({
      cursor: encodeCursor(record),
      node: this.toProduct(record),
    }));
    return {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: page.totalCount,
    };
  }

  /** Validates a filter and resolves attribute axes to vector positions. Null when there is none. */
  resolveFilter(filter: ProductFilter | null | undefined, field: string): ResolvedProductFilter | null {
    if (!filter) return null;
    const problems: FieldProblem[] = [];
    for (const key of ['minPrice', 'maxPrice'] as const) {
      const value = filter[key];
      if (value != null && (!Number.isFinite(value) || value < 0)) {
        problems.push({ field: `${field}.${key}`, message: 'must be a finite, non-negative number' });
      }
    }
    if (filter.minPrice != null && filter.maxPrice != null && filter.minPrice > filter.maxPrice) {
      problems.push({ field: `${field}.minPrice`, message: 'must not be greater than maxPrice' });
    }
    for (const key of ['categories', 'tagsAny', 'tagsAll'] as const) {
      if ((filter[key]?.length ?? 0) > 100)
        problems.push({ field: `${field}.${key}`, message: 'must list at most 100 values' });
    }
    if (filter.nameContains != null && filter.nameContains.length > 200) {
      problems.push({ field: `${field}.nameContains`, message: 'must be at most 200 characters' });
    }
    const axes = this.attributeVectors.axes();
    const attributeRanges = (filter.attributes ?? []).flatMap((range, index) => {
      const at = `${field}.attributes[${index}]`;
      const axis = axes.find((a) => a.name === range.axis);
      if (!axis) {
        problems.push({
          field: `${at}.axis`,
          message: `unknown attribute axis ${JSON.stringify(range.axis)}`,
        });
        return [];
      }
      const min = range.min ?? axis.minValue;
      const max = range.max ?? axis.maxValue;
      if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
        problems.push({ field: at, message: 'min and max must be finite numbers with min ≤ max' });
        return [];
      }
      return [{ position: axis.position, min, max }];
    });
    if (filter.near) {
      checkLocation(filter.near, `${field}.near`, problems);
      if (
        !Number.isFinite(filter.near.radiusKm) ||
        filter.near.radiusKm <= 0 ||
        filter.near.radiusKm > 20_100
      ) {
        problems.push({
          field: `${field}.near.radiusKm`,
          message: 'must be greater than 0 and at most 20100 km',
        });
      }
    }
    if (problems.length > 0) throw new ValidationError(problems);
    const { category, categories, minPrice, maxPrice, nameContains, inStock, near, tagsAny, tagsAll } =
      filter;
    return {
      category,
      categories,
      minPrice,
      maxPrice,
      nameContains,
      inStock,
      near,
      ...(tagsAny ? { tagsAny: normaliseTags(tagsAny) } : {}),
      ...(tagsAll ? { tagsAll: normaliseTags(tagsAll) } : {}),
      attributeRanges,
    };
  }

  /**
   * Resolves product references (ids or SKUs, as clients send them) in one query: the ids that name
   * a product, and the product id of each SKU that names one. Malformed ids simply name nothing.
   */
  async resolveReferences(
    ids: readonly string[],
    skus: readonly string[],
  ): Promise<{ ids: ReadonlySet<string>; idsBySku: ReadonlyMap<string, string> }> {
    return this.products.references(
      [...new Set(ids.filter(isProductId).map((id) => id.toLowerCase()))],
      [...new Set(skus)],
    );
  }

  async count(): Promise<number> {
    return this.products.count();
  }

  /** A product's stored photo; null for an unknown product, a malformed id or no photo. */
  async photo(id: string): Promise<{ bytes: Buffer; sha256: string } | null> {
    return isProductId(id) ? this.products.photo(id) : null;
  }

  /**
   * The paths of the stored photos of those products that have one. The path carries the photo's
   * version, so a client may cache it for ever.
   */
  async photoPaths(ids: readonly string[]): Promise<Map<string, string>> {
    const versions = await this.products.photoVersions(ids.filter(isProductId));
    return new Map([...versions].map(([id, version]) => [id, photoPath(id, version)]));
  }

  /** The inputs whose SKUs no stored product has. */
  async withoutExistingSkus<T extends { readonly sku: string }>(inputs: readonly T[]): Promise<T[]> {
    const taken = await this.products.existingSkus(inputs.map((input) => input.sku.trim()));
    return inputs.filter((input) => !taken.has(input.sku.trim()));
  }

  async add(input: NewProductInput): Promise<Product> {
    const [product] = await this.addMany([input], 'input');
    return product!;
  }

  /** Validates every input first, then stores all of them in one statement, or none. */
  async addMany(inputs: readonly NewProductInput[], field = 'inputs'): Promise<Product[]> {
    if (inputs.length === 0) throw ValidationError.single(field, 'must hold at least one product');
    if (inputs.length > this.limits.maxBulkProducts) {
      throw ValidationError.single(
        field,
        `holds ${inputs.length} products; at most ${this.limits.maxBulkProducts} may be added in one request`,
      );
    }
    const single = field === 'input';
    const at = (index: number): string => (single ? field : `${field}[${index}]`);
    const drafts = this.draftAll(inputs, at);
    await this.assertSkusAreNew(drafts, (index) => `${at(index)}.sku`);
    const media = await this.prepareMedia(
      inputs.map((input) => input.image),
      (index) => `${at(index)}.image`,
    );
    const records = await this.products.createMany(
      drafts.map((draft, index) => ({
        ...draft,
        imageUrl: draft.imageUrl ?? inputs[index]!.image?.url ?? null,
      })),
      media,
    );
    await this.media?.stored(media);
    return records.map((record) => this.toProduct(record));
  }

  async update(id: string, input: ProductUpdateInput): Promise<Product> {
    assertProductId(id, 'id');
    const current = await this.products.findById(id);
    if (!current) throw new ProductNotFoundError(id, 'id');
    const problems: FieldProblem[] = [];
    const nonNullable = ['sku', 'name', 'category', 'price', 'currency'] as const;
    for (const key of nonNullable) {
      if (input[key] === null) problems.push({ field: `input.${key}`, message: 'cannot be removed' });
    }
    const fields = checkFields(
      {
        sku: input.sku ?? undefined,
        name: input.name ?? undefined,
        description: input.description,
        category: input.category ?? undefined,
        price: input.price ?? undefined,
        currency: input.currency ?? undefined,
        imageUrl: input.imageUrl,
        tags: input.tags ?? undefined,
      },
      'input',
      problems,
    );
    if (input.inStock === null) problems.push({ field: 'input.inStock', message: 'cannot be removed' });
    if (input.location) checkLocation(input.location, 'input.location', problems);
    let attributeScores: number[] | undefined;
    if (input.attributes) {
      attributeScores = this.collect(problems, () =>
        this.attributeVectors.toVector(input.attributes!, 'input.attributes', current.attributeScores),
      );
    }
    const imageProblem = input.image ? imageSourceProblem(input.image, 'input.image') : null;
    if (imageProblem) problems.push(imageProblem);
    if (problems.length > 0) throw new ValidationError(problems);
    const changes: { -readonly [K in keyof ProductChanges]: ProductChanges[K] } = {
      ...fields,
      ...(input.inStock != null ? { inStock: input.inStock } : {}),
      ...(input.location !== undefined
        ? { latitude: input.location?.latitude ?? null, longitude: input.location?.longitude ?? null }
        : {}),
      ...(attributeScores ? { attributeScores } : {}),
    };
    if (changes.sku !== undefined && changes.sku !== current.sku) {
      const taken = await this.products.existingSkus([changes.sku]);
      if (taken.size > 0)
        throw ValidationError.single('input.sku', `SKU ${changes.sku} is already used by another product`);
    }
    let media: ProductMedia | null | undefined;
    if (input.image === null) {
      media = null;
    } else if (input.image) {
      [media] = await this.prepareMedia([input.image], () => 'input.image');
      if (input.imageUrl === undefined && input.image.url) changes.imageUrl ??= input.image.url;
    }
    const updated = await this.products.update(id, changes, media);
    await this.media?.stored([media]);
    return this.toProduct(updated);
  }

  async delete(id: string): Promise<boolean> {
    assertProductId(id, 'id');
    if (!(await this.products.delete(id))) throw new ProductNotFoundError(id, 'id');
    return true;
  }

  private draftAll(inputs: readonly NewProductInput[], at: (index: number) => string): ProductDraft[] {
    const problems: FieldProblem[] = [];
    const drafts = inputs.map((input, index) => this.draft(input, at(index), problems));
    const firstIndexOfSku = new Map<string, number>();
    drafts.forEach((draft, index) => {
      if (!draft) return;
      const earlier = firstIndexOfSku.get(draft.sku);
      if (earlier === undefined) firstIndexOfSku.set(draft.sku, index);
      else
        problems.push({
          field: `${at(index)}.sku`,
          message: `duplicates the SKU of ${at(earlier)} (${draft.sku})`,
        });
    });
    if (problems.length > 0) throw new ValidationError(problems);
    return drafts as ProductDraft[];
  }

  private draft(input: NewProductInput, at: string, problems: FieldProblem[]): ProductDraft | null {
    const before = problems.length;
    const fields = checkFields(
      {
        sku: input.sku,
        name: input.name,
        description: input.description ?? null,
        category: input.category,
        price: input.price,
        currency: input.currency ?? DEFAULT_CURRENCY,
        imageUrl: input.imageUrl ?? null,
        tags: input.tags ?? [],
      },
      at,
      problems,
    );
    if (input.location) checkLocation(input.location, `${at}.location`, problems);
    const attributeScores = this.collect(problems, () =>
      this.attributeVectors.toVector(input.attributes, `${at}.attributes`),
    );
    const imageProblem = input.image ? imageSourceProblem(input.image, `${at}.image`) : null;
    if (imageProblem) problems.push(imageProblem);
    if (problems.length > before || !attributeScores) return null;
    return {
      ...fields,
      inStock: input.inStock ?? true,
      latitude: input.location?.latitude ?? null,
      longitude: input.location?.longitude ?? null,
      attributeScores,
    };
  }

  private async assertSkusAreNew(
    drafts: readonly ProductDraft[],
    at: (index: number) => string,
  ): Promise<void> {
    const taken = await this.products.existingSkus(drafts.map((draft) => draft.sku));
    const problems = drafts.flatMap((draft, index) =>
      taken.has(draft.sku)
        ? [{ field: at(index), message: `a product with SKU ${draft.sku} already exists` }]
        : [],
    );
    if (problems.length > 0) throw new ValidationError(problems);
  }

  private async prepareMedia(
    images: ReadonlyArray<ImageSourceInput | null | undefined>,
    fieldOf: (index: number) => string,
  ): Promise<Array<ProductMedia | null>> {
    if (images.every((image) => !image)) return images.map(() => null);
    if (!this.media) throw ValidationError.single(fieldOf(0), 'this service does not store images');
    return this.media.prepare(images, fieldOf);
  }

  private collect<T>(problems: FieldProblem[], run: () => T): T | undefined {
    try {
      return run();
    } catch (error) {
      if (error instanceof ValidationError) {
        problems.push(...error.problems);
        return undefined;
      }
      throw error;
    }
  }
}

function checkLocation(point: GeoPoint, field: string, problems: FieldProblem[]): void {
  if (!Number.isFinite(point.latitude) || point.latitude < -90 || point.latitude > 90) {
    problems.push({ field: `${field}.latitude`, message: 'must be between -90 and 90' });
  }
  if (!Number.isFinite(point.longitude) || point.longitude < -180 || point.longitude > 180) {
    problems.push({ field: `${field}.longitude`, message: 'must be between -180 and 180' });
  }
}
