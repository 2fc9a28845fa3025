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
    readonly behaviorModelId: string;
    /** When the serving version read the log. */
    readonly addedSince: Date;
    readonly attributeTaste: readonly number[] | null;
    readonly filter: ResolvedProductFilter | null;
    readonly excludeIds: readonly string[];
    readonly limit: number;
  }): Promise<FreshProduct[]> {
    if (query.limit <= 0) return [];
    const taste = query.attributeTaste ? vectorLiteral(query.attributeTaste) : null;
    // The newest products added since the training, taken from the created_at index (ORDER BY …
    // LIMIT keeps the plan on it whatever the statistics say), materialised, then ranked: never a
    // walk over the whole catalogue.
    const rows = await this.prisma.$queryRaw<Array<ProductSqlRow & { similarity: number | null }>>`
      WITH recent AS MATERIALIZED (
        SELECT id FROM product
         WHERE created_at >= ${query.addedSince}::timestamptz
         ORDER BY created_at DESC
         LIMIT ${FRESH_CANDIDATES}
      ),
      fresh AS MATERIALIZED (
        SELECT p.id FROM recent r JOIN product p ON p.id = r.id
         WHERE NOT EXISTS (SELECT 1 FROM product_embedding e
                            WHERE e.product_id = p.id AND e.model_id = ${query.behaviorModelId})
           AND p.id <> ALL(${[...query.excludeIds]}::uuid[]) ${filterToSql(query.filter)}
      )
      SELECT ${PRODUCT_COLUMNS}, 1 - (p.attribute_vector <=> ${taste}::vector) AS similarity
        FROM fresh f JOIN product p ON p.id = f.id
       ORDER BY p.attribute_vector <=> ${taste}::vector NULLS LAST, p.created_at DESC, p.id
       LIMIT ${query.limit}`;
    return rows.map((row) => ({
      record: rowToRecord(row),
      similarity: row.similarity === null ? null : Number(row.similarity),
    }));
  }
}
