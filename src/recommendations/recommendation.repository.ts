// Vector SQL for recommendations. Ordering, filtering and LIMIT happen in Postgres with pgvector
// operators; only the k winners come back to Node. The hot statements go straight to the pg pool
// as named statements (db/prepared-statements.ts: parsed once per connection, planned once their
// generic plan is as good) with rows as arrays (no Prisma raw-query mapping); the rest through Prisma.
// A statement with several index scans may be split into parts run side by side on idle
// connections (VECTOR_SEARCH_PARALLEL_SCANS); their k winners each are merged here into the k best.
import { type Database } from '../db/database.js';
import { type Prisma, type PrismaClient } from '../generated/prisma/client.js';
import {
  PRODUCT_COLUMNS,
  PRODUCT_FIELDS,
  type ProductSqlRow,
  rowToRecord,
} from '../catalogue/product.sql.js';
import { filterLiteralsSql } from '../catalogue/product-filter.sql.js';
import { spareConnections } from '../db/pool-capacity.js';
import { queryPrepared, StatementNames } from '../db/prepared-statements.js';
import { vectorLiteral } from '../db/vector-sql.js';
import { type ProductRecord } from '../catalogue/product.domain.js';
import { type RecommendationPlan, type SpacePlan } from './recommendation-plan.js';
import {
  attributeQuerySql,
  candidateScans,
  pairwiseSql,
  recommendationSql,
  type ScanPart,
} from './recommendation.sql.js';

export interface ScoredRow {
  readonly record: ProductRecord;
  readonly score: number;
  /** Per plan space, in plan order; null where the product has no value. */
  readonly distances: ReadonlyArray<number | null>;
  readonly similarities: ReadonlyArray<number | null>;
}

/** Which spaces an example product has a value in (attributes always). */
export interface ExampleSpaces {
  readonly tags: boolean;
  readonly geo: boolean;
  readonly image: boolean;
  readonly clip: boolean;
  readonly behavior: boolean;
}

export interface RecommendationRepositoryOptions {
  /** Score every filtered product instead of taking candidates from the indexes (VECTOR_SEARCH_EXACT). */
  readonly exact: boolean;
  /** FILTER_EXACT_SCAN_MAX_ROWS: filtered single-target queries scan at most this many rows exactly. */
  readonly exactScanMaxRows: number;
  /**
   * VECTOR_SEARCH_BINARY_CANDIDATES, resolved for the database: spaces compared as halfvec take
   * their candidates from the Hamming index on the binary-quantised vectors, ranked exactly.
   */
  readonly binaryCandidates: boolean;
  /** DB_PREPARED_STATEMENTS: how many distinct recommendation statements run as named statements. */
  readonly preparedStatements: number;
  /**
   * VECTOR_SEARCH_PARALLEL_SCANS (1 on the embedded database): how many statements a plan's index
   * scans may be split into, run side by side while the pool has that many connections to spare.
   */
  readonly parallelScans: number;
}

/**
 * One index-served answer; with the plan's `checkExamples`, how many of them exist and per space
 * whether some liked example has a value there (null without `checkExamples`, or with no rows).
 */
export interface Attempt {
  readonly rows: ScoredRow[];
  readonly examplesFound: number | null;
  readonly spacesPresent: readonly boolean[] | null;
}

export class RecommendationRepository {
  private readonly prisma: PrismaClient;
  private readonly statements: StatementNames;

  constructor(
    private readonly database: Pick<Database, 'prisma' | 'pool'>,
    private readonly options: RecommendationRepositoryOptions,
  ) {
    this.prisma = database.prisma;
    this.statements = new StatementNames(options.preparedStatements);
  }

  /**
   * The plan's best products. Candidates come from each space's index with iterative scans, so
   * a filter still yields enough of them; should a query still come back short (an iterative scan
   * reached max_scan_tuples, or minScore pruned), it is answered again exactly from every
   * filtered product, so whenever k products qualify, k come back. With `exact`, always exactly.
   */
  async recommend(plan: RecommendationPlan): Promise<ScoredRow[]> {
    if (this.options.exact) return (await this.run(plan, true)).rows;
    const { rows } = await this.run(plan, false);
    return rows.length >= plan.limit ? rows : (await this.run(plan, true)).rows;
  }

  /**
   * One statement, no exact fallback: the index-served answer (exact with VECTOR_SEARCH_EXACT) and,
   * in the same round trip, how many of `plan.checkExamples` exist. The caller decides what a short
   * answer means.
   */
  async attempt(plan: RecommendationPlan): Promise<Attempt> {
    return this.run(plan, this.options.exact);
  }

  /**
   * With several index scans and connections to spare (none of them awaited by another request), the
   * statement runs as parts side by side, each scan in one part: each part scores its candidates in
   * every space, so the plan's answer is the best `limit` of theirs together, in the statement's
   * order (score, then id). One request's latency is then its slowest scan's, not their sum; under
   * load the pool has nothing to spare and every request sends one statement, as before.
   */
  protected async run(plan: RecommendationPlan, exact: boolean): Promise<Attempt> {
    const parts = exact
      ? 1
      : Math.min(candidateScans(plan), this.options.parallelScans, spareConnections(this.database.pool));
    if (parts <= 1) return this.attemptOf(plan, [await this.query(plan, exact)]);
    const results = await Promise.all(
      Array.from({ length: parts }, (_, index) => this.query(plan, exact, { index, of: parts })),
    );
    return this.attemptOf(plan, results);
  }

  private async query(plan: RecommendationPlan, exact: boolean, part?: ScanPart): Promise<unknown[][]> {
    const statement = this.statementFor(plan, exact, part);
    return (await queryPrepared<unknown[]>(this.database.pool, this.statements, statement)).rows;
  }

  /** The rows of one statement, or the best `limit` of its parts' rows together. */
  private attemptOf(plan: RecommendationPlan, results: readonly unknown[][][]): Attempt {
    const width = PRODUCT_FIELDS.length;
    const numbers = (values: Array<number | null>): Array<number | null> =>
      values.map((value) => (value === null ? null : Number(value)));
    const toRow = (row: unknown[]): ScoredRow => {
      const product = Object.fromEntries(PRODUCT_FIELDS.map((field, index) => [field, row[index]]));
      return {
        record: rowToRecord(product as unknown as ProductSqlRow),
        score: Number(row[width]),
        distances: numbers(row[width + 1] as Array<number | null>),
        similarities: numbers(row[width + 2] as Array<number | null>),
      };
    };
    let rows = results[0]!.map(toRow);
    if (results.length > 1) {
      // A product two parts found comes with the same score from both: it is scored alike in each.
      const byId = new Map<string, ScoredRow>();
      for (const row of results.flat().map(toRow)) byId.set(row.record.id, row);
      // The statement's order: score descending, then the uuid ascending (its lower-case text
      // sorts as its bytes do).
      rows = [...byId.values()]
        .sort(
          (a, b) => b.score - a.score || (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0),
        )
        .slice(0, plan.limit);
    }
    const first =
      plan.checkExamples && plan.checkExamples.length > 0
        ? results.find((result) => result.length > 0)?.[0]
        : undefined;
    return {
      rows,
      examplesFound: first ? Number(first[width + 3]) : null,
      spacesPresent: first ? (first[width + 4] as boolean[]) : null,
    };
  }

  /**
   * The plan's statement. A filter's values go into the text (filterLiteralsSql) when they can and
   * the text gets a name, so Postgres plans the statement once (its generic plan is then its custom
   * one); otherwise they are parameters, and a named statement is planned on each execution.
   */
  private statementFor(plan: RecommendationPlan, exact: boolean, part?: ScanPart): Prisma.Sql {
    const options = { ...this.options, exact };
    const literals = filterLiteralsSql(plan.filter);
    if (literals) {
      const inlined = recommendationSql(plan, options, literals, part);
      if (this.statements.nameFor(inlined.text, true)) return inlined;
    }
    return recommendationSql(plan, options, undefined, part);
  }

  /** Combined similarity of each pair of the given products, keyed `a|b` with a < b. */
  async pairwiseSimilarity(plan: RecommendationPlan, ids: readonly string[]): Promise<Map<string, number>> {
    if (ids.length < 2) return new Map();
    // Straight to the pool, rows as arrays: up to a few thousand pairs, no per-row Prisma mapping.
    const statement = pairwiseSql(plan, ids);
    const result = await queryPrepared<[string, string, number | null]>(
      this.database.pool,
      this.statements,
      statement,
    );
    return new Map(
      result.rows.map(([a, b, similarity]) => [`${a}|${b}`, similarity === null ? 0 : Number(similarity)]),
    );
  }

  /** The attribute vector a plan's examples average to (for explanations). */
  async attributeQuery(space: SpacePlan): Promise<number[] | null> {
    const rows = await this.prisma.$queryRaw<Array<{ v: number[] | null }>>(attributeQuerySql(space));
    return rows[0]?.v ? rows[0].v.map(Number) : null;
  }

  /** Which spaces each product has a value in (attributes always; image spaces per model). */
  async spacesOf(
    productIds: readonly string[],
    models: { image: string | null; clip: string | null; behavior: string | null },
  ): Promise<Map<string, ExampleSpaces>> {
    const rows = await this.prisma.$queryRaw<Array<{ id: string } & ExampleSpaces>>`
      SELECT p.id::text AS id, cardinality(p.tags) > 0 AS tags, p.latitude IS NOT NULL AS geo,
             EXISTS (SELECT 1 FROM product_embedding e WHERE e.product_id = p.id AND e.model_id = ${models.image}) AS image,
             EXISTS (SELECT 1 FROM product_embedding e WHERE e.product_id = p.id AND e.model_id = ${models.clip}) AS clip,
             EXISTS (SELECT 1 FROM product_embedding e WHERE e.product_id = p.id AND e.model_id = ${models.behavior}) AS behavior
        FROM product p WHERE p.id = ANY(${[...productIds]}::uuid[])`;
    return new Map(rows.map(({ id, ...spaces }) => [id, spaces]));
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
