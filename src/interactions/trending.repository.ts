// Trending in SQL: time-decayed, weighted popularity over the last days of the interaction log,
// computed and ordered by Postgres; only the k winners come back. The whole window is aggregated
// only by `refresh` (a snapshot per window length); queries read the snapshot and add what came
// after it.
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { filterToSql } from '../catalogue/product-filter.sql.js';
import { PRODUCT_COLUMNS, type ProductSqlRow, rowToRecord } from '../catalogue/product.sql.js';
import { type ProductRecord, type ResolvedProductFilter } from '../catalogue/product.domain.js';
import { type InteractionWeights } from './interaction.domain.js';
import { maxWeight, weightsTable } from './interaction.sql.js';

export interface TrendingWindow {
  readonly weights: InteractionWeights;
  readonly windowDays: number;
  /** An event this old counts half as much as one happening now. */
  readonly halfLifeDays: number;
}

export interface TrendingQuery extends TrendingWindow {
  readonly filter: ResolvedProductFilter | null;
  readonly limit: number;
  readonly excludeIds?: readonly string[];
}

export interface PopularProduct {
  readonly record: ProductRecord;
  readonly score: number;
}

/** Which snapshot a window has: when it was computed and with which weights. */
export interface TrendingSnapshotState {
  readonly computedAt: Date;
  readonly weights: InteractionWeights;
}

type Row = ProductSqlRow & { score: number };

/** Recomputing a snapshot of a large log takes longer than Prisma's default 5 s transaction. */
const REFRESH_TIMEOUT_MS = 10 * 60_000;

export class TrendingRepository {
  constructor(
    /** Where the public reads go (a read replica when configured). */
    private readonly reads: PrismaClient,
    /** The snapshot's state and its recomputation: the primary. */
    private readonly primary: PrismaClient,
  ) {}

  /**
   * Each product's interest: Σ over shoppers of min(Σ weight · 2^(−age / halfLife), max weight) over
   * the events of the window — recent and strong events count most, and one shopper refreshing a
   * page a hundred times counts no more than one purchase. `events` says which events of the window
   * count (those a snapshot covers, or those recorded after it). The window is read through the
   * BRIN index on occurred_at.
   */
  private interest(window: TrendingWindow, events: Prisma.Sql): Prisma.Sql {
    const halfLifeSeconds = window.halfLifeDays * 86_400;
    return Prisma.sql`
      SELECT product_id, sum(interest) AS score FROM (
        SELECT i.product_id,
               least(sum(w.weight * power(2::float8,
                       -greatest(0, extract(epoch FROM now() - i.occurred_at)) / ${halfLifeSeconds}::float8)),
                     ${maxWeight(window.weights)}::float8) AS interest
          FROM interaction i JOIN ${weightsTable(window.weights, 'w')} ON w.type = i.type
         WHERE i.occurred_at >= now() - make_interval(days => ${window.windowDays}::int)
           AND ${events}
         GROUP BY i.product_id, i.user_token) per_shopper
       GROUP BY product_id`;
  }

  private coveredId(windowDays: number): Prisma.Sql {
    return Prisma.sql`SELECT covered_id FROM trending_snapshot WHERE window_days = ${windowDays}::int`;
  }

  /** The window's snapshot, or null when it has none yet. */
  async snapshot(windowDays: number): Promise<TrendingSnapshotState | null> {
    const row = await this.primary.trendingSnapshot.findUnique({ where: { windowDays } });
    return row ? { computedAt: row.computedAt, weights: row.weights as unknown as InteractionWeights } : null;
  }

  /**
   * Recomputes the window's snapshot from the whole window of the log, in one transaction (queries
   * keep reading the previous one until it commits). Two processes refreshing at once take turns.
   */
  async refresh(window: TrendingWindow): Promise<void> {
    await this.primary.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('trending_snapshot'), ${window.windowDays}::int)`;
        await tx.$executeRaw`
          INSERT INTO trending_snapshot (window_days, covered_id, computed_at, weights)
          VALUES (${window.windowDays}::int, (SELECT coalesce(max(id), 0) FROM interaction), now(),
                  ${JSON.stringify(window.weights)}::jsonb)
          ON CONFLICT (window_days) DO UPDATE
            SET covered_id = EXCLUDED.covered_id, computed_at = EXCLUDED.computed_at, weights = EXCLUDED.weights`;
        await tx.$executeRaw`DELETE FROM trending_score WHERE window_days = ${window.windowDays}::int`;
        await tx.$executeRaw`
          INSERT INTO trending_score (window_days, product_id, score)
          SELECT ${window.windowDays}::int, t.product_id, t.score
            FROM (${this.interest(window, Prisma.sql`i.id <= (${this.coveredId(window.windowDays)})`)}) t`;
      },
      { timeout: REFRESH_TIMEOUT_MS, maxWait: REFRESH_TIMEOUT_MS },
    );
  }
  /**
   * The window's top products: the snapshot's scores decayed to now, plus the events recorded since
   * the snapshot, live (new events count at once). A product outside the snapshot's filtered top
   * `limit` can only climb through new events, so the candidates are that top (read from the rank
   * index) and the products with new events; nothing else of the log or the catalogue is read.
   * Empty while the window has no snapshot; `onPrimary` reads a snapshot just made (a replica may
   * not have it yet).
   */
  async trending(query: TrendingQuery, onPrimary = false): Promise<PopularProduct[]> {
    const halfLifeSeconds = query.halfLifeDays * 86_400;
    const windowDays = query.windowDays;
    const excluded = [...(query.excludeIds ?? [])];
    const filter = filterToSql(query.filter);
    const rows = await (onPrimary ? this.primary : this.reads).$queryRaw<Row[]>`
      WITH snap AS MATERIALIZED (
        SELECT covered_id,
               power(2::float8, -greatest(0, extract(epoch FROM now() - computed_at)) / ${halfLifeSeconds}::float8) AS decay
          FROM trending_snapshot WHERE window_days = ${windowDays}::int
      ),
      fresh AS MATERIALIZED (${this.interest(query, Prisma.sql`i.id > (SELECT covered_id FROM snap)`)}),
      candidates AS (
        (SELECT t.product_id, t.score * (SELECT decay FROM snap) AS score
           FROM trending_score t JOIN product p ON p.id = t.product_id
          WHERE t.window_days = ${windowDays}::int AND p.id <> ALL(${excluded}::uuid[]) ${filter}
          ORDER BY t.score DESC, t.product_id
          LIMIT ${query.limit})
        UNION ALL
        SELECT f.product_id, f.score + coalesce(t.score * (SELECT decay FROM snap), 0)
          FROM fresh f
          LEFT JOIN trending_score t ON t.window_days = ${windowDays}::int AND t.product_id = f.product_id
      ),
      best AS (SELECT product_id, max(score) AS score FROM candidates GROUP BY product_id)
      SELECT ${PRODUCT_COLUMNS}, b.score::float8 AS score
        FROM best b JOIN product p ON p.id = b.product_id
       WHERE p.id <> ALL(${excluded}::uuid[]) ${filter}
       ORDER BY b.score DESC, p.id
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
    const rows = await this.reads.$queryRaw<ProductSqlRow[]>`
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
