// Zero-shot classification in Postgres: every product's CLIP image embedding against every label's
// prompt embedding, softmax over the scaled cosines, top label per product, aggregated in SQL.
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { type SpaceModel } from '../inference/ports.js';
import { storedVector, vectorLiteral, vectorType } from '../db/vector-sql.js';
import { filterToSql } from '../catalogue/product-filter.sql.js';
import { type ResolvedProductFilter, type ProductRecord } from '../catalogue/product.domain.js';
import { PRODUCT_COLUMNS, type ProductSqlRow, rowToRecord } from '../catalogue/product.sql.js';

export interface PredictionCount {
  /** 0-based label index. */
  readonly label: number;
  readonly category: string;
  readonly count: number;
}

export interface ProductScores {
  readonly record: ProductRecord;
  /** Per label, in label order. */
  readonly cosines: number[];
  readonly probabilities: number[];
}

export class ClassificationRepository {
  constructor(private readonly prisma: PrismaClient) {}

  private scores(
    model: SpaceModel,
    labels: readonly Float32Array[],
    logitScale: number,
    where: Prisma.Sql,
  ): Prisma.Sql {
    const type = vectorType(model.dimension);
    // MATERIALIZED: inlined, the label vectors would be re-parsed from text for every product
    // (measured 25.2 s against 1.6 s for 10k products, bench/classification.ts).
    return Prisma.sql`
      labels AS MATERIALIZED (
        SELECT (t.ord - 1)::int AS label, t.v::${type} AS v
          FROM unnest(${labels.map((label) => vectorLiteral(label))}::text[]) WITH ORDINALITY AS t(v, ord)
      ),
      scores AS (
        SELECT e.product_id, l.label, 1 - (${storedVector('e', model.dimension)} <=> l.v) AS cosine
          FROM product_embedding e
          JOIN product p ON p.id = e.product_id
          CROSS JOIN labels l
         WHERE e.model_id = ${model.modelId} ${where}
      ),
      shifted AS (
        SELECT product_id, label, cosine,
               ${logitScale}::float8 * cosine - max(${logitScale}::float8 * cosine) OVER (PARTITION BY product_id) AS logit
          FROM scores
      ),
      probabilities AS (
        SELECT product_id, label, cosine, exp(logit) / sum(exp(logit)) OVER (PARTITION BY product_id) AS probability
          FROM shifted
      )`;
  }

  /** How many products were predicted each label, per category (the confusion counts). */
  async predictionCounts(
    model: SpaceModel,
    labels: readonly Float32Array[],
    logitScale: number,
    filter: ResolvedProductFilter | null | undefined,
  ): Promise<PredictionCount[]> {
    const rows = await this.prisma.$queryRaw<Array<{ label: number; category: string; count: number }>>`
      WITH ${this.scores(model, labels, logitScale, filterToSql(filter))},
      top AS (
        SELECT DISTINCT ON (product_id) product_id, label
          FROM probabilities ORDER BY product_id, probability DESC, label
      )
      SELECT top.label, p.category, count(*)::int AS count
        FROM top JOIN product p ON p.id = top.product_id
       GROUP BY top.label, p.category`;
    return rows.map((row) => ({
      label: Number(row.label),
      category: row.category,
      count: Number(row.count),
    }));
  }

  /** Matching products without an embedding by the model. */
  async countUnembedded(
    model: SpaceModel,
    filter: ResolvedProductFilter | null | undefined,
  ): Promise<number> {
    const rows = await this.prisma.$queryRaw<Array<{ count: number }>>`
      SELECT count(*)::int AS count FROM product p
       WHERE NOT EXISTS (SELECT 1 FROM product_embedding e WHERE e.product_id = p.id AND e.model_id = ${model.modelId})
             ${filterToSql(filter)}`;
    return Number(rows[0]?.count ?? 0);
  }

  /** Per-label cosines and probabilities of the first `limit` matching products in catalogue order. */
  async productScores(
    model: SpaceModel,
    labels: readonly Float32Array[],
    logitScale: number,
    filter: ResolvedProductFilter | null | undefined,
    limit: number,
  ): Promise<ProductScores[]> {
    if (limit === 0) return [];
    const page = Prisma.sql`${filterToSql(filter)} AND e.product_id IN (
        SELECT p2.id FROM product p2
         WHERE EXISTS (SELECT 1 FROM product_embedding e2 WHERE e2.product_id = p2.id AND e2.model_id = ${model.modelId})
           AND p2.id IN (SELECT p.id FROM product p WHERE true ${filterToSql(filter)})
         ORDER BY p2.created_at, p2.id LIMIT ${limit})`;
    const rows = await this.prisma.$queryRaw<
      Array<ProductSqlRow & { cosines: number[]; probabilities: number[] }>
    >`
      WITH ${this.scores(model, labels, logitScale, page)}
      SELECT ${PRODUCT_COLUMNS},
             array_agg(pr.cosine ORDER BY pr.label) AS cosines,
             array_agg(pr.probability ORDER BY pr.label) AS probabilities
        FROM probabilities pr JOIN product p ON p.id = pr.product_id
       GROUP BY p.id
       ORDER BY p.created_at, p.id`;
    return rows.map((row) => ({
      record: rowToRecord(row),
      cosines: row.cosines.map(Number),
      probabilities: row.probabilities.map(Number),
    }));
  }
}
