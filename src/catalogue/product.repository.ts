// Storage of products through Prisma. Vector columns are derived by the database from the scores.
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { ProductNotFoundError, ValidationError } from '../errors/domain-errors.js';
import { type ProductMedia } from '../embeddings/embedding.domain.js';
import { upsertEmbeddings } from '../embeddings/embedding.repository.js';
import { filterToSql } from './product-filter.sql.js';
import { PRODUCT_COLUMNS, type ProductSqlRow, rowToRecord } from './product.sql.js';
import {
  type PageRequest,
  type ProductChanges,
  type ProductDraft,
  type ResolvedProductFilter,
  type ProductPage,
  type ProductRecord,
} from './product.domain.js';

type ProductRow = Prisma.ProductGetPayload<object>;

/** A row Prisma returns, through the one row mapper raw queries use too. */
const toRecord = (row: ProductRow): ProductRecord => rowToRecord({ ...row, price: row.price.toNumber() });

/** Bulk ingest with embeddings can take a while on the embedded database. */
const TRANSACTION_TIMEOUT_MS = 120_000;

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

export class ProductRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async findById(id: string): Promise<ProductRecord | null> {
    const row = await this.prisma.product.findUnique({ where: { id } });
    return row ? toRecord(row) : null;
  }

  async findByIds(ids: readonly string[]): Promise<ProductRecord[]> {
    const rows = await this.prisma.product.findMany({ where: { id: { in: [...ids] } } });
    return rows.map(toRecord);
  }

  async findBySku(sku: string): Promise<ProductRecord | null> {
    const row = await this.prisma.product.findUnique({ where: { sku } });
    return row ? toRecord(row) : null;
  }

  async existingSkus(skus: readonly string[]): Promise<Set<string>> {
    const rows = await this.prisma.product.findMany({
      where: { sku: { in: [...skus] } },
      select: { sku: true },
    });
    return new Set(rows.map((row) => row.sku));
  }

  /** Which of these ids name a product, and the id of each of these SKUs that names one. */
  async references(
    ids: readonly string[],
    skus: readonly string[],
  ): Promise<{ ids: Set<string>; idsBySku: Map<string, string> }> {
    if (ids.length === 0 && skus.length === 0) return { ids: new Set(), idsBySku: new Map() };
    const rows = await this.prisma.$queryRaw<Array<{ id: string; sku: string }>>`
      SELECT p.id::text AS id, p.sku FROM product p
       WHERE p.id = ANY(${[...ids]}::uuid[]) OR p.sku = ANY(${[...skus]}::text[])`;
    const idSet = new Set(ids);
    const skuSet = new Set(skus);
    return {
      ids: new Set(rows.filter((row) => idSet.has(row.id)).map((row) => row.id)),
      idsBySku: new Map(rows.filter((row) => skuSet.has(row.sku)).map((row) => [row.sku, row.id])),
    };
  }

  async count(): Promise<number> {
    return this.prisma.product.count();
  }

  /** Every category with how many products it has, largest first. */
  async categories(): Promise<Array<{ category: string; count: number }>> {
    const rows = await this.prisma.product.groupBy({
      by: ['category'],
      _count: { _all: true },
      orderBy: [{ _count: { category: 'desc' } }, { category: 'asc' }],
    });
    return rows.map((row) => ({ category: row.category, count: row._count._all }));
  }

  /** Attribute scores of up to `limit` products, oldest first (the embedding map's ATTRIBUTES space). */
  async attributeScores(limit: number): Promise<Array<{ id: string; scores: number[] }>> {
    const rows = await this.prisma.product.findMany({
      select: { id: true, attributeScores: true },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: limit,
    });
    return rows.map((row) => ({ id: row.id, scores: row.attributeScores.map(Number) }));
  }

  /** The stored photo (canonical JPEG) of a product, with its sha256 for caching. */
  async photo(id: string): Promise<{ bytes: Buffer; sha256: string } | null> {
    const row = await this.prisma.productImage.findUnique({
      where: { productId: id },
      select: { bytes: true, sha256: true },
    });
    return row ? { bytes: Buffer.from(row.bytes), sha256: row.sha256 } : null;
  }

  /** The photo versions (sha256) of those products that have a stored photo. */
  async photoVersions(ids: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.prisma.productImage.findMany({
      where: { productId: { in: [...ids] } },
      select: { productId: true, sha256: true },
    });
    return new Map(rows.map((row) => [row.productId, row.sha256]));
  }

  async page(filter: ResolvedProductFilter | null | undefined, request: PageRequest): Promise<ProductPage> {
    const where = filterToSql(filter);
    const after = request.after
      ? Prisma.sql`AND (p.created_at, p.id) > (${request.after.createdAt}::timestamptz, ${request.after.id}::uuid)`
      : Prisma.empty;
    const [rows, counted] = await Promise.all([
      this.prisma.$queryRaw<ProductSqlRow[]>`
        SELECT ${PRODUCT_COLUMNS} FROM product p
         WHERE true ${where} ${after}
         ORDER BY p.created_at, p.id
         LIMIT ${request.first + 1}`,
      this.prisma.$queryRaw<
        Array<{ count: number }>
      >`SELECT count(*)::int AS count FROM product p WHERE true ${where}`,
    ]);
    return {
      items: rows.slice(0, request.first).map(rowToRecord),
      hasNextPage: rows.length > request.first,
      totalCount: Number(counted[0]?.count ?? 0),
    };
  }

  /** Inserts all drafts with their images and embeddings in one transaction: all or nothing. */
  async createMany(
    drafts: readonly ProductDraft[],
    media: ReadonlyArray<ProductMedia | null> = [],
  ): Promise<ProductRecord[]> {
    try {
      return await this.prisma.$transaction(
        async (tx) => {
          const rows = await tx.product.createManyAndReturn({
            data: drafts.map((draft) => ({
              ...draft,
              tags: [...draft.tags],
              attributeScores: [...draft.attributeScores],
            })),
          });
          const bySku = new Map(rows.map((row) => [row.sku, toRecord(row)]));
          const records = drafts.map((draft) => bySku.get(draft.sku)!);
          await this.saveMedia(
            tx,
            records.map((record, index) => ({ productId: record.id, media: media[index] ?? null })),
          );
          return records;
        },
        { timeout: TRANSACTION_TIMEOUT_MS },
      );
    } catch (error) {
      if (isUniqueViolation(error))
        throw ValidationError.single('sku', 'a product with this SKU already exists');
      throw error;
    }
  }

  /** Updates fields and, when `media` is not undefined, replaces (or with null removes) the image. */
  async update(id: string, changes: ProductChanges, media?: ProductMedia | null): Promise<ProductRecord> {
    try {
      return await this.prisma.$transaction(
        async (tx) => {
          const { attributeScores, tags, ...rest } = changes;
          const row = await tx.product.update({
            where: { id },
            data: {
              ...rest,
              ...(attributeScores ? { attributeScores: [...attributeScores] } : {}),
              ...(tags ? { tags: [...tags] } : {}),
            },
          });
          if (media !== undefined) {
            await tx.productEmbedding.deleteMany({ where: { productId: id } });
            await tx.productImage.deleteMany({ where: { productId: id } });
            await this.saveMedia(tx, [{ productId: id, media }]);
          }
          return toRecord(row);
        },
        { timeout: TRANSACTION_TIMEOUT_MS },
      );
    } catch (error) {
      if (isUniqueViolation(error))
        throw ValidationError.single('input.sku', 'a product with this SKU already exists');
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') {
        throw new ProductNotFoundError(id);
      }
      throw error;
    }
  }

  private async saveMedia(
    tx: Prisma.TransactionClient,
    items: ReadonlyArray<{ productId: string; media: ProductMedia | null }>,
  ): Promise<void> {
    const withMedia = items.filter(
      (item): item is { productId: string; media: ProductMedia } => item.media !== null,
    );
    if (withMedia.length === 0) return;
    await tx.productImage.createMany({
      data: withMedia.map(({ productId, media }) => ({
        productId,
        ...media.image,
        bytes: new Uint8Array(media.image.bytes),
      })),
    });
    await upsertEmbeddings(
      tx,
      withMedia.flatMap(({ productId, media }) =>
        media.embeddings.map((embedding) => ({ productId, ...embedding })),
      ),
    );
  }

  /** Returns false when no product had this id. */
  async delete(id: string): Promise<boolean> {
    const result = await this.prisma.product.deleteMany({ where: { id } });
    return result.count > 0;
  }
}
