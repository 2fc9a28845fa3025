// Products without behaviour yet — added since the serving BEHAVIOR version read the log, so it has
// no vector for them — ranked by how close their attributes are to a shopper's taste, so new
// products reach shoppers before the model knows them. Found through the created_at index, never
// by scanning the catalogue.
import { type PrismaClient } from '../generated/prisma/client.js';
import { filterToSql } from '../catalogue/product-filter.sql.js';
import { PRODUCT_COLUMNS, type ProductSqlRow, rowToRecord } from '../catalogue/product.sql.js';
import { type ProductRecord, type ResolvedProductFilter } from '../catalogue/product.domain.js';
import { vectorLiteral } from '../db/vector-sql.js';

export interface FreshProduct {
  readonly record: ProductRecord;
  /** Cosine similarity of its attributes to the taste vector; null without one. */
  readonly similarity: number | null;
}

/** The newest products since the training that are considered (ranked by closeness among them). */
const FRESH_CANDIDATES = 2000;

export class FreshProductRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async closest(query: {
    /** When the serving version read the log. */
    readonly addedSince: Date;
    readonly attributeTaste: readonly number[] | null;
    readonly filter: ResolvedProductFilter | null;
    readonly excludeIds: readonly string[];
    readonly limit: number;
  }): Promise<FreshProduct[]> {
    if (query.limit <= 0) return [];
    const taste = query.attributeTaste ? vectorLiteral(query.attributeTaste) : null;
    // The newest products added since the training, walked from the created_at index (ORDER BY …
    // LIMIT keeps the plan on it whatever the statistics say: right after a bulk load or a training
    // they are stale), then ranked among themselves: never a pass over the catalogue or over the
    // model's vectors. A product created after the training read the log has no vector of it, so no
    // anti-join with product_embedding is needed (the rare product created while the log was read
    // may have one; the caller drops duplicates).
    const rows = await this.prisma.$queryRaw<Array<ProductSqlRow & { similarity: number | null }>>`
      SELECT ${PRODUCT_COLUMNS}, 1 - (p.attribute_vector <=> ${taste}::vector) AS similarity
        FROM (SELECT * FROM product p
               WHERE p.created_at >= ${query.addedSince}::timestamptz
                 AND p.id <> ALL(${[...query.excludeIds]}::uuid[]) ${filterToSql(query.filter)}
               ORDER BY p.created_at DESC
               LIMIT ${FRESH_CANDIDATES}) p
       ORDER BY p.attribute_vector <=> ${taste}::vector NULLS LAST, p.created_at DESC, p.id
       LIMIT ${query.limit}`;
    return rows.map((row) => ({
      record: rowToRecord(row),
      similarity: row.similarity === null ? null : Number(row.similarity),
    }));
  }
}
