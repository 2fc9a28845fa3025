// Trending in SQL: time-decayed, weighted popularity over the last days of the interaction log,
// computed and ordered by Postgres; only the k winners come back.
import { type PrismaClient } from '../generated/prisma/client.js';
import { filterToSql } from '../catalogue/product-filter.sql.js';
import { PRODUCT_COLUMNS, type ProductSqlRow, rowToRecord } from '../catalogue/product.sql.js';
import { type ProductRecord, type ResolvedProductFilter } from '../catalogue/product.domain.js';
import { type InteractionWeights } from './interaction.domain.js';
import { maxWeight, weightsTable } from './interaction.sql.js';

export interface TrendingQuery {
  readonly weights: InteractionWeights;
  readonly windowDays: number;
  /** An event this old counts half as much as one happening now. */
  readonly halfLifeDays: number;
  readonly filter: ResolvedProductFilter | null;
  readonly limit: number;
  readonly excludeIds?: readonly string[];
}

export interface PopularProduct {
  readonly record: ProductRecord;
  readonly score: number;
}

type Row = ProductSqlRow & { score: number };

export class TrendingRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Products by Σ over shoppers of min(Σ weight · 2^(−age / halfLife), max weight) over the events
   * of the window: recent and strong events count most, and one shopper refreshing a page a hundred
   * times counts no more than one purchase. The window is read through the BRIN index on occurred_at.
   */
  async trending(query: TrendingQuery): Promise<PopularProduct[]> {
    const halfLifeSeconds = query.halfLifeDays * 86_400;
    const rows = await this.prisma.$queryRaw<Row[]>`
      WITH per_shopper AS (
        SELECT i.product_id,
               least(sum(w.weight * power(2::float8,
                       -greatest(0, extract(epoch FROM now() - i.occurred_at)) / ${halfLifeSeconds}::float8)),
                     ${maxWeight(query.weights)}::float8) AS interest
          FROM interaction i JOIN ${weightsTable(query.weights, 'w')} ON w.type = i.type
         WHERE i.occurred_at >= now() - make_interval(days => ${query.windowDays}::int)
         GROUP BY i.product_id, i.user_token
      ),
      popularity AS (SELECT product_id, sum(interest) AS score FROM per_shopper GROUP BY product_id)
      SELECT ${PRODUCT_COLUMNS}, t.score::float8 AS score
        FROM popularity t JOIN product p ON p.id = t.product_id
       WHERE p.id <> ALL(${[...(query.excludeIds ?? [])]}::uuid[]) ${filterToSql(query.filter)}
       ORDER BY t.score DESC, p.id
       LIMIT ${query.limit}`;
    return rows.map((row) => ({ record: rowToRecord(row), score: Number(row.score) }));
  }

  /**
   * Filler when the window has fewer than k products: the filtered catalogue by all-time weighted
   * popularity (one pass over the log, only on this fallback path), then newest first, leaving out
   * `excludeIds`.
   */
  async popularOverall(
    query: Pick<TrendingQuery, 'weights' | 'filter' | 'limit'>,
    excludeIds: readonly string[],
  ): Promise<ProductRecord[]> {
    const rows = await this.prisma.$queryRaw<ProductSqlRow[]>`
      SELECT ${PRODUCT_COLUMNS}
        FROM product p
        LEFT JOIN (
          SELECT i.product_id, sum(w.weight) AS total
            FROM interaction i JOIN ${weightsTable(query.weights, 'w')} ON w.type = i.type
           GROUP BY i.product_id) a ON a.product_id = p.id
       WHERE p.id <> ALL(${[...excludeIds]}::uuid[]) ${filterToSql(query.filter)}
       ORDER BY coalesce(a.total, 0) DESC, p.created_at DESC, p.id
       LIMIT ${query.limit}`;
    return rows.map(rowToRecord);
  }
}
