// Storage of products through Prisma. Vector columns are derived by the database from the scores.
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { ProductNotFoundError, ValidationError } from '../errors/domain-errors.js';
import {
  type PageRequest,
  type ProductChanges,
  type ProductDraft,
  type ProductFilter,
  type ProductPage,
  type ProductRecord,
} from './product.model.js';

type ProductRow = Prisma.ProductGetPayload<object>;

export function toRecord(row: ProductRow): ProductRecord {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    category: row.category,
    price: row.price.toNumber(),
    currency: row.currency,
    imageUrl: row.imageUrl,
    attributeScores: row.attributeScores,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function filterToWhere(filter: ProductFilter | null | undefined): Prisma.ProductWhereInput {
  if (!filter) return {};
  const where: Prisma.ProductWhereInput[] = [];
  if (filter.category != null) where.push({ category: filter.category });
  if (filter.categories && filter.categories.length > 0)
    where.push({ category: { in: [...filter.categories] } });
  if (filter.minPrice != null) where.push({ price: { gte: filter.minPrice } });
  if (filter.maxPrice != null) where.push({ price: { lte: filter.maxPrice } });
  if (filter.nameContains) where.push({ name: { contains: filter.nameContains, mode: 'insensitive' } });
  return where.length > 0 ? { AND: where } : {};
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

export class ProductRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async findById(id: string): Promise<ProductRecord | null> {
    const row = await this.prisma.product.findUnique({ where: { id } });
    return row ? toRecord(row) : null;
  }

  async findBySku(sku: string): Promise<ProductRecord | null> {
    const row = await this.prisma.product.findUnique({ where: { sku } });
    return row ? toRecord(row) : null;
  }

  async findByIds(ids: readonly string[]): Promise<ProductRecord[]> {
    const rows = await this.prisma.product.findMany({ where: { id: { in: [...ids] } } });
    return rows.map(toRecord);
  }

  async existingSkus(skus: readonly string[]): Promise<Set<string>> {
    const rows = await this.prisma.product.findMany({
      where: { sku: { in: [...skus] } },
      select: { sku: true },
    });
    return new Set(rows.map((row) => row.sku));
  }

  async count(): Promise<number> {
    return this.prisma.product.count();
  }

  async page(filter: ProductFilter | null | undefined, request: PageRequest): Promise<ProductPage> {
    const where = filterToWhere(filter);
    const after = request.after;
    const pageWhere: Prisma.ProductWhereInput = after
      ? {
          AND: [
            where,
            {
              OR: [
                { createdAt: { gt: after.createdAt } },
                { createdAt: after.createdAt, id: { gt: after.id } },
              ],
            },
          ],
        }
      : where;
    const [rows, totalCount] = await Promise.all([
      this.prisma.product.findMany({
        where: pageWhere,
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: request.first + 1,
      }),
      this.prisma.product.count({ where }),
    ]);
    return {
      items: rows.slice(0, request.first).map(toRecord),
      hasNextPage: rows.length > request.first,
      totalCount,
    };
  }

  /** Inserts all drafts in one statement: all or nothing. */
  async createMany(drafts: readonly ProductDraft[]): Promise<ProductRecord[]> {
    try {
      const rows = await this.prisma.product.createManyAndReturn({
        data: drafts.map((draft) => ({ ...draft, attributeScores: [...draft.attributeScores] })),
      });
      const bySku = new Map(rows.map((row) => [row.sku, toRecord(row)]));
      return drafts.map((draft) => bySku.get(draft.sku)!);
    } catch (error) {
      if (isUniqueViolation(error))
        throw ValidationError.single('sku', 'a product with this SKU already exists');
      throw error;
    }
  }

  async update(id: string, changes: ProductChanges): Promise<ProductRecord> {
    try {
      const { attributeScores, ...rest } = changes;
      const row = await this.prisma.product.update({
        where: { id },
        data: { ...rest, ...(attributeScores ? { attributeScores: [...attributeScores] } : {}) },
      });
      return toRecord(row);
    } catch (error) {
      if (isUniqueViolation(error))
        throw ValidationError.single('input.sku', 'a product with this SKU already exists');
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') {
        throw new ProductNotFoundError(id);
      }
      throw error;
    }
  }

  /** Returns false when no product had this id. */
  async delete(id: string): Promise<boolean> {
    const result = await this.prisma.product.deleteMany({ where: { id } });
    return result.count > 0;
  }
}
