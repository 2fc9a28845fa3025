// Vector SQL for recommendations. Ordering, filtering and LIMIT happen in Postgres with pgvector
// operators; only the k winners come back to Node.
import { type PrismaClient } from '../generated/prisma/client.js';
import { PRODUCT_COLUMNS, type ProductSqlRow, rowToRecord } from '../products/product.sql.js';
import { type ProductRecord } from '../products/product.model.js';
import { type ScoredRecord } from './recommendation.model.js';

/** HNSW returns at most ef_search rows; keep it at least k (and at pgvector's default otherwise). */
const efSearchFor = (k: number): string => String(Math.max(40, k));

const vectorLiteral = (values: readonly number[]): string => `[${values.join(',')}]`;

export class RecommendationRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** The k products nearest by cosine to the product's attribute vector, the product excluded. */
  async nearestByAttributes(productId: string, k: number): Promise<ScoredRecord[]> {
    const [, rows] = await this.prisma.$transaction([
      this.prisma.$queryRaw`SELECT set_config('hnsw.ef_search', ${efSearchFor(k)}, true)`,
      this.prisma.$queryRaw<Array<ProductSqlRow & { distance: number }>>`
        SELECT ${PRODUCT_COLUMNS},
               p.attribute_vector <=> (SELECT attribute_vector FROM product WHERE id = ${productId}::uuid) AS distance
          FROM product p
         WHERE p.id <> ${productId}::uuid
         ORDER BY distance
         LIMIT ${k}`,
    ]);
    return rows.map((row) => ({ record: rowToRecord(row), distance: Number(row.distance) }));
  }

  /** The k products with the longest attribute vectors. */
  async topByNorm(k: number): Promise<Array<{ record: ProductRecord; score: number }>> {
    const rows = await this.prisma.$queryRaw<Array<ProductSqlRow & { score: number }>>`
      SELECT ${PRODUCT_COLUMNS}, vector_norm(p.attribute_vector) AS score
        FROM product p
       ORDER BY vector_norm(p.attribute_vector) DESC, p.id
       LIMIT ${k}`;
    return rows.map((row) => ({ record: rowToRecord(row), score: Number(row.score) }));
  }

  /** The k products with the largest inner product with `weights` (one weight per axis). */
  async topByWeightedSum(
    weights: readonly number[],
    k: number,
  ): Promise<Array<{ record: ProductRecord; score: number }>> {
    const rows = await this.prisma.$queryRaw<Array<ProductSqlRow & { score: number }>>`
      SELECT ${PRODUCT_COLUMNS}, -(p.attribute_vector <#> ${vectorLiteral(weights)}::vector) AS score
        FROM product p
       ORDER BY p.attribute_vector <#> ${vectorLiteral(weights)}::vector, p.id
       LIMIT ${k}`;
    return rows.map((row) => ({ record: rowToRecord(row), score: Number(row.score) }));
  }
}
