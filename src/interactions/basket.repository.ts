// Co-purchase in SQL: baskets (PURCHASEs sharing an order_id) that hold a product, what else they
// hold, and how strongly — support, confidence and lift — computed and ordered by Postgres over the
// partial basket indexes; only the k winners come back.
import { type PrismaClient } from '../generated/prisma/client.js';
import { filterToSql } from '../catalogue/product-filter.sql.js';
import { PRODUCT_COLUMNS, type ProductSqlRow, rowToRecord } from '../catalogue/product.sql.js';
import { type ProductRecord, type ResolvedProductFilter } from '../catalogue/product.domain.js';

export interface CoPurchaseQuery {
  readonly productId: string;
  readonly filter: ResolvedProductFilter | null;
  readonly limit: number;
  /** Fewest baskets the pair must share. */
  readonly minSupport: number;
  /** Least lift: P(other | product) / P(other). */
  readonly minLift: number;
  /**
   * Near-duplicates of the product are never its complements: same category and either CLIP
   * cosine ≥ clipSimilarity (both embedded by this model) or, without CLIP vectors, attribute
   * vectors within attributeDistance (Euclidean, on the axes' own scale).
   */
  readonly nearDuplicate: {
    readonly clipModelId: string | null;
    readonly clipSimilarity: number;
    readonly attributeDistance: number;
  };
}

export interface CoPurchase {
  readonly record: ProductRecord;
  /** Baskets holding both. */
  readonly together: number;
  /** Baskets holding the anchor product. */
  readonly anchorBaskets: number;
  /** together / anchorBaskets. */
  readonly confidence: number;
  readonly lift: number;
}

type Row = ProductSqlRow & {
  together: number;
  anchor_baskets: number;
  confidence: number;
  lift: number;
};

export class BasketRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Products bought in the same baskets as the product, by confidence, then lift. */
  async coPurchases(query: CoPurchaseQuery): Promise<CoPurchase[]> {
    const near = query.nearDuplicate;
    const rows = await this.prisma.$queryRaw<Row[]>`
      WITH anchor_baskets AS (
        SELECT DISTINCT order_id FROM interaction
         WHERE product_id = ${query.productId}::uuid AND type = 'PURCHASE' AND order_id IS NOT NULL
      ),
      together AS (
        SELECT i.product_id, count(DISTINCT i.order_id)::int AS together
          FROM interaction i JOIN anchor_baskets b ON b.order_id = i.order_id
         WHERE i.type = 'PURCHASE' AND i.order_id IS NOT NULL AND i.product_id <> ${query.productId}::uuid
         GROUP BY i.product_id
        HAVING count(DISTINCT i.order_id) >= ${query.minSupport}::int
      ),
      baskets_of AS (
        SELECT i.product_id, count(DISTINCT i.order_id)::int AS baskets
          FROM interaction i JOIN together t ON t.product_id = i.product_id
         WHERE i.type = 'PURCHASE' AND i.order_id IS NOT NULL
         GROUP BY i.product_id
      ),
      totals AS (
        SELECT (SELECT count(*) FROM anchor_baskets)::int AS anchor_baskets,
               (SELECT count(DISTINCT order_id) FROM interaction
                 WHERE type = 'PURCHASE' AND order_id IS NOT NULL)::int AS all_baskets
      ),
      scored AS (
        SELECT t.product_id, t.together, n.anchor_baskets,
               t.together::float8 / n.anchor_baskets AS confidence,
               t.together::float8 * n.all_baskets / (n.anchor_baskets::float8 * b.baskets) AS lift
          FROM together t JOIN baskets_of b ON b.product_id = t.product_id CROSS JOIN totals n
      )
      SELECT ${PRODUCT_COLUMNS}, s.together, s.anchor_baskets, s.confidence, s.lift
        FROM scored s
        JOIN product p ON p.id = s.product_id
        JOIN product a ON a.id = ${query.productId}::uuid
        LEFT JOIN product_embedding ea ON ea.product_id = a.id AND ea.model_id = ${near.clipModelId}
        LEFT JOIN product_embedding ep ON ep.product_id = p.id AND ep.model_id = ${near.clipModelId}
       WHERE s.lift >= ${query.minLift}::float8 ${filterToSql(query.filter)}
         AND NOT (p.category = a.category AND CASE
               WHEN ea.embedding IS NOT NULL AND ep.embedding IS NOT NULL
                 THEN 1 - (ea.embedding <=> ep.embedding) >= ${near.clipSimilarity}::float8
               ELSE (p.attribute_vector <-> a.attribute_vector) <= ${near.attributeDistance}::float8 END)
       ORDER BY s.confidence DESC, s.lift DESC, p.id
       LIMIT ${query.limit}`;
    return rows.map((row) => ({
      record: rowToRecord(row),
      together: Number(row.together),
      anchorBaskets: Number(row.anchor_baskets),
      confidence: Number(row.confidence),
      lift: Number(row.lift),
    }));
  }
}
