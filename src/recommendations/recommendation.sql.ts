// Builds the recommendation SQL: candidates per space from its index (HNSW with pgvector's
// iterative scans, so filters keep k; for halfvec spaces optionally the Hamming index on the
// binary-quantised vectors) or by an exact scan, then the candidates scored exactly in every
// space (in a weighted statement, only those an upper bound does not rule out), the spaces
// combined with weights renormalised over the spaces each product has, ordered and limited — all
// in one statement.
import { Prisma } from '../generated/prisma/client.js';
import {
  MAX_INDEXED_VECTOR_DIMENSIONS,
  modelLiteral,
  storedVector,
  vectorLiteral,
  vectorType,
} from '../db/vector-sql.js';
import { filterToSql, haversineKm } from '../catalogue/product-filter.sql.js';
import { PRODUCT_COLUMNS } from '../catalogue/product.sql.js';
import {
  DistanceMetric,
  EmbeddingSpace,
  isStoredVectorSpace,
  RecommendationStrategy,
} from './recommendation.domain.js';
import { type QueryTarget, type RecommendationPlan, type SpacePlan } from './recommendation-plan.js';

const sql = Prisma.sql;
const raw = Prisma.raw;

/** A value in a space: one SQL expression, or a (latitude, longitude) pair for GEO. */
type Value = Prisma.Sql | { readonly latitude: Prisma.Sql; readonly longitude: Prisma.Sql };

const isPoint = (value: Value): value is { latitude: Prisma.Sql; longitude: Prisma.Sql } =>
  'latitude' in value;

/** The typed vector type of a space (halfvec above pgvector's 2000-dimension index limit). */
function typeOf(plan: SpacePlan): Prisma.Sql {
  return vectorType(plan.dimension);
}

/** The candidate's value in a space, with `alias` the embedding join of IMAGE/CLIP/BEHAVIOR. */
export function candidateValue(plan: SpacePlan, product: string, embedding: string): Value {
  switch (plan.space) {
    case EmbeddingSpace.ATTRIBUTES:
      return raw(`${product}.attribute_vector`);
    case EmbeddingSpace.IMAGE:
    case EmbeddingSpace.CLIP:
    case EmbeddingSpace.BEHAVIOR:
      return storedVector(embedding, plan.dimension);
    case EmbeddingSpace.TAGS:
      return raw(`NULLIF(${product}.tags, '{}')`);
    case EmbeddingSpace.GEO:
      return { latitude: raw(`${product}.latitude`), longitude: raw(`${product}.longitude`) };
  }
}

function targetValue(plan: SpacePlan, target: QueryTarget): Value {
  switch (target.kind) {
    case 'vector':
      return sql`${vectorLiteral(target.values)}::${typeOf(plan)}`;
    case 'tags':
      return sql`NULLIF(${[...target.tags]}::text[], '{}')`;
    case 'point':
      return { latitude: sql`${target.latitude}::float8`, longitude: sql`${target.longitude}::float8` };
    case 'product': {
      const id = sql`${target.productId}::uuid`;
      switch (plan.space) {
        case EmbeddingSpace.ATTRIBUTES:
          return sql`(SELECT attribute_vector FROM product WHERE id = ${id})`;
        case EmbeddingSpace.IMAGE:
        case EmbeddingSpace.CLIP:
        case EmbeddingSpace.BEHAVIOR:
          return sql`(SELECT ${storedVector(null, plan.dimension)} FROM product_embedding
                       WHERE product_id = ${id} AND model_id = ${modelLiteral(plan.model!.modelId)})`;
        case EmbeddingSpace.TAGS:
          return sql`(SELECT NULLIF(tags, '{}') FROM product WHERE id = ${id})`;
        case EmbeddingSpace.GEO:
          return {
            latitude: sql`(SELECT latitude FROM product WHERE id = ${id})`,
            longitude: sql`(SELECT longitude FROM product WHERE id = ${id})`,
          };
      }
    }
  }
}

/** The metric's own distance between a candidate value X and a query value Q. */
export function distanceSql(plan: SpacePlan, x: Value, q: Value): Prisma.Sql {
  if (isPoint(x) || isPoint(q)) {
    if (!isPoint(x) || !isPoint(q)) throw new Error('GEO values must be points');
    return sql`CASE WHEN ${x.latitude} IS NULL OR ${q.latitude} IS NULL THEN NULL ELSE ${haversineKm(x, q)} END`;
  }
  return vectorDistanceSql(plan, x as Prisma.Sql, q as Prisma.Sql);
}

function vectorDistanceSql(plan: SpacePlan, x: Prisma.Sql, q: Prisma.Sql): Prisma.Sql {
  const arrays = sql`unnest((${x})::vector::real[], (${q})::vector::real[]) AS t(a, b)`;
  switch (plan.metric) {
    case DistanceMetric.COSINE:
      return sql`(${x} <=> ${q})`;
    case DistanceMetric.DOT_PRODUCT:
      return sql`(${x} <#> ${q})`;
    case DistanceMetric.EUCLIDEAN:
      return sql`(${x} <-> ${q})`;
    case DistanceMetric.L2_SQUARED:
      return sql`power(${x} <-> ${q}, 2)`;
    case DistanceMetric.MANHATTAN:
      return sql`(${x} <+> ${q})`;
    case DistanceMetric.MINKOWSKI:
      return sql`(SELECT power(sum(power(abs(a - b)::float8, ${plan.p}::float8)), 1.0 / ${plan.p}::float8) FROM ${arrays})`;
    case DistanceMetric.CHEBYSHEV:
      return sql`(SELECT max(abs(a - b))::float8 FROM ${arrays})`;
    case DistanceMetric.HAMMING:
      return sql`(${bitsDistanceSql(plan, x, q)})::float8`;
    // A product without tags has no value in the space (NULL, so the weights are renormalised over
    // its other spaces), not a distance of 1 to every tag set.
    case DistanceMetric.JACCARD:
      return sql`(CASE WHEN ${x} IS NULL OR ${q} IS NULL THEN NULL
                       ELSE 1 - ${intersection(x, q)}::float8 / NULLIF(${union(x, q)}, 0) END)`;
    case DistanceMetric.SORENSEN_DICE:
      return sql`(CASE WHEN ${x} IS NULL OR ${q} IS NULL THEN NULL
                       ELSE 1 - 2 * ${intersection(x, q)}::float8 / NULLIF(cardinality(${x}) + cardinality(${q}), 0) END)`;
    case DistanceMetric.HAVERSINE:
      throw new Error('HAVERSINE compares points');
  }
}

/** Differing bits of the binary-quantised vectors: the expression the Hamming indexes are built on. */
function bitsDistanceSql(plan: SpacePlan, x: Prisma.Sql, q: Prisma.Sql): Prisma.Sql {
  const bits = raw(`bit(${plan.dimension})`);
  return sql`binary_quantize(${x})::${bits} <~> binary_quantize(${q})::${bits}`;
}

const intersection = (x: Prisma.Sql, q: Prisma.Sql) =>
  sql`cardinality(ARRAY(SELECT unnest(${x}) INTERSECT SELECT unnest(${q})))`;
const union = (x: Prisma.Sql, q: Prisma.Sql) =>
  sql`cardinality(ARRAY(SELECT unnest(${x}) UNION SELECT unnest(${q})))`;

/** The metric's score of a distance, higher is better, as the DistanceMetric enum documents it (recommendation.type.ts). */
export function scoreSql(plan: SpacePlan, distance: Prisma.Sql): Prisma.Sql {
  switch (plan.metric) {
    case DistanceMetric.COSINE:
    case DistanceMetric.JACCARD:
    case DistanceMetric.SORENSEN_DICE:
      return sql`(1 - ${distance})`;
    case DistanceMetric.DOT_PRODUCT:
      return sql`(-${distance})`;
    case DistanceMetric.HAMMING:
      return sql`(1 - ${distance} / ${plan.dimension}::float8)`;
    default:
      return sql`(1 / (1 + ${distance}))`;
  }
}

/** How a statement takes its candidates (the repository's options). */
export interface CandidateOptions {
  /** Score every filtered product instead of taking candidates from the indexes. */
  readonly exact: boolean;
  /** FILTER_EXACT_SCAN_MAX_ROWS: a filtered single-target query scans at most this many rows exactly. */
  readonly exactScanMaxRows: number;
  /** VECTOR_SEARCH_BINARY_CANDIDATES, resolved: halfvec spaces search the binary-quantised index. */
  readonly binaryCandidates: boolean;
}

/**
 * Whether a space's candidates come from the Hamming index on its binary-quantised vectors (then
 * ranked by the exact distance) instead of its cosine index: with `binaryCandidates`, for stored
 * vectors compared as halfvec (above 2000 dimensions) under a metric the cosine index serves. One
 * comparison of 2048 bits costs a fraction of one of 2048 halves, which in WebAssembly are
 * converted one by one (BENCHMARKS.md section 6).
 */
function searchesBits(plan: SpacePlan, binaryCandidates: boolean): boolean {
  return (
    binaryCandidates &&
    isStoredVectorSpace(plan.space) &&
    plan.dimension > MAX_INDEXED_VECTOR_DIMENSIONS &&
    ordersByCosine(plan)
  );
}

/**
 * Whether candidates are ordered by cosine distance (`<=>`, what the cosine index serves): under
 * the cosine metric, and on unit-length embeddings under the metrics that order alike — for unit
 * vectors, |x − q|² = 1 + |q|² − 2 x·q: L2, inner product and cosine order alike.
 */
function ordersByCosine(plan: SpacePlan): boolean {
  switch (plan.metric) {
    case DistanceMetric.COSINE:
      return true;
    case DistanceMetric.DOT_PRODUCT:
    case DistanceMetric.EUCLIDEAN:
    case DistanceMetric.L2_SQUARED:
      return plan.space === EmbeddingSpace.IMAGE || plan.space === EmbeddingSpace.CLIP;
    default:
      return false;
  }
}

/**
 * Candidates one scan takes: the plan's; from the binary-quantised index (`bits`) at least 4 × the
 * rows the statement returns, and 40: its order is coarser than the exact one, so the exact ranking
 * needs more rows to pick from (on the bench's 10k and 100k catalogues, 40 gave recall@10 1.000).
 */
function candidateCount(plan: RecommendationPlan, bits: boolean): number {
  return bits ? Math.max(plan.candidatesPerTarget, plan.limit * 4, 40) : plan.candidatesPerTarget;
}

/**
 * The expression candidates are ordered by in their space: the index's operator where the metric
 * has one (or, on unit-length embeddings, one that orders identically), the exact distance
 * otherwise; with `bits` (searchesBits), the Hamming distance of the binary-quantised vectors.
 */
function orderingSql(plan: SpacePlan, x: Value, q: Value, bits = false): Prisma.Sql {
  if (isPoint(x) || isPoint(q)) return distanceSql(plan, x, q);
  // The bare operator, as the Hamming index is built on it.
  if (bits || plan.metric === DistanceMetric.HAMMING)
    return bitsDistanceSql(plan, x as Prisma.Sql, q as Prisma.Sql);
  if (ordersByCosine(plan)) return sql`(${x} <=> ${q})`;
  switch (plan.metric) {
    case DistanceMetric.DOT_PRODUCT:
      return sql`(${x} <#> ${q})`;
    case DistanceMetric.EUCLIDEAN:
    case DistanceMetric.L2_SQUARED:
      return sql`(${x} <-> ${q})`;
    default:
      return distanceSql(plan, x, q);
  }
}

/** The space's query value for AVERAGE_VECTOR: 2·mean(like) − mean(unlike), or mean(like). */
function averageTarget(plan: SpacePlan): Value {
  const values = (targets: readonly QueryTarget[]) => targets.map((target) => targetValue(plan, target));
  const positives = values(plan.positives);
  const negatives = values(plan.negatives);
  if (plan.space === EmbeddingSpace.GEO) {
    // Unliked places do not move a location; the query point is the mean of the liked ones.
    const points = positives.filter(isPoint);
    const mean = (part: 'latitude' | 'longitude') =>
      sql`(SELECT avg(v) FROM (VALUES ${Prisma.join(points.map((point) => sql`(${point[part]})`))}) AS t(v))`;
    return { latitude: mean('latitude'), longitude: mean('longitude') };
  }
  const list = (items: Value[]) => Prisma.join(items.map((item) => sql`(${item as Prisma.Sql})`));
  if (plan.space === EmbeddingSpace.TAGS) {
    const liked = sql`SELECT unnest(v) FROM (VALUES ${list(positives)}) AS t(v)`;
    const disliked =
      negatives.length > 0
        ? sql`EXCEPT SELECT unnest(v) FROM (VALUES ${list(negatives)}) AS n(v)`
        : Prisma.empty;
    return sql`NULLIF(ARRAY(${liked} ${disliked}), '{}')`;
  }
  const mean = (items: Value[]) => sql`(SELECT avg(v) FROM (VALUES ${list(items)}) AS t(v))`;
  if (negatives.length === 0) return mean(positives);
  return sql`(${mean(positives)} + (${mean(positives)} - ${mean(negatives)}))`;
}

/** The condition picking, as `alias`, the space's embedding row of the product whose id is `productId`. */
function embeddingKey(plan: SpacePlan, alias: string, productId: string): Prisma.Sql {
  return sql`${raw(alias)}.product_id = ${raw(productId)} AND ${raw(alias)}.model_id = ${modelLiteral(plan.model!.modelId)}`;
}

function embeddingJoin(plan: SpacePlan, index: number, product = 'p'): Prisma.Sql {
  if (!isStoredVectorSpace(plan.space)) return Prisma.empty;
  const alias = `e${index}`;
  return sql`LEFT JOIN product_embedding ${raw(alias)} ON ${embeddingKey(plan, alias, `${product}.id`)}`;
}

/**
 * The SQL source of a space's values, for candidate generation (stored vectors: from their partial
 * index), and the candidate's product id in it. Stored vectors join their product only when a filter
 * reads product columns: every vector has its product (foreign key), so without one the join would
 * only cost a probe per candidate and a bigger plan.
 */
function candidateSource(
  plan: SpacePlan,
  filtered: boolean,
): { from: Prisma.Sql; id: Prisma.Sql; value: Value; present: Prisma.Sql } {
  switch (plan.space) {
    case EmbeddingSpace.IMAGE:
    case EmbeddingSpace.CLIP:
    case EmbeddingSpace.BEHAVIOR:
      return {
        from: filtered
          ? sql`product_embedding e JOIN product p ON p.id = e.product_id`
          : sql`product_embedding e`,
        id: raw(filtered ? 'p.id' : 'e.product_id'),
        value: storedVector('e', plan.dimension),
        present: sql`e.model_id = ${modelLiteral(plan.model!.modelId)}`,
      };
    case EmbeddingSpace.ATTRIBUTES:
      return {
        from: sql`product p`,
        id: raw('p.id'),
        value: raw('p.attribute_vector'),
        present: sql`p.attribute_vector IS NOT NULL`,
      };
    case EmbeddingSpace.TAGS:
      return {
        from: sql`product p`,
        id: raw('p.id'),
        value: raw("NULLIF(p.tags, '{}')"),
        present: sql`cardinality(p.tags) > 0`,
      };
    case EmbeddingSpace.GEO:
      return {
        from: sql`product p`,
        id: raw('p.id'),
        value: { latitude: raw('p.latitude'), longitude: raw('p.longitude') },
        present: sql`p.latitude IS NOT NULL`,
      };
  }
}

/** One space with one liked example: the index order is the answer (singleTargetSql). */
function isSingleTarget(plan: RecommendationPlan): boolean {
  const [only, ...others] = plan.spaces;
  return Boolean(only && others.length === 0 && only.positives.length === 1 && only.negatives.length === 0);
}

/**
 * How many index scans the plan's statement runs for its candidates: one per space, or with
 * BEST_SCORE one per space and liked example; 1 for a single target (its one scan is the answer).
 */
export function candidateScans(plan: RecommendationPlan): number {
  return scanCosts(plan).length;
}

/**
 * Each candidate scan's estimated cost, in the order the statement runs them: an HNSW search costs
 * about its vectors' dimension per visited node (a 2048-d image scan ~2.6 ms, a 512-d CLIP scan
 * ~1.35 ms, the 3-d attribute scan ~0.3 ms at 10k, BENCHMARKS.md); TAGS and GEO have no vector
 * index and read every product.
 */
function scanCosts(plan: RecommendationPlan): number[] {
  if (isSingleTarget(plan)) return [1];
  const best = plan.strategy === RecommendationStrategy.BEST_SCORE;
  return plan.spaces.flatMap((space) => {
    const cost =
      space.space === EmbeddingSpace.TAGS || space.space === EmbeddingSpace.GEO ? 1e6 : space.dimension;
    return Array.from({ length: best ? space.positives.length : 1 }, () => cost);
  });
}

/**
 * Which part runs each scan when the statement is split into `of` parts: the costliest scan first,
 * each to the part with the least estimated cost so far, so the parts take about equally long
 * (three spaces in two parts: the image scan alone, the CLIP and attribute scans together).
 */
export function scanParts(costs: readonly number[], of: number): number[] {
  const loads = Array.from({ length: of }, () => 0);
  const parts = costs.map(() => 0);
  const order = costs
    .map((cost, scan) => ({ cost, scan }))
    .sort((a, b) => b.cost - a.cost || a.scan - b.scan);
  for (const { cost, scan } of order) {
    const part = loads.indexOf(Math.min(...loads));
    parts[scan] = part;
    loads[part]! += cost;
  }
  return parts;
}

/**
 * The weighted mean of per-space similarities (columns named by `column`), renormalised over the
 * spaces that have one: how every statement combines spaces.
 */
function weightedMeanSql(plan: RecommendationPlan, column: (index: number) => string): Prisma.Sql {
  const weighted = Prisma.join(
    plan.spaces.map((space, i) => sql`coalesce(${space.weight}::float8 * ${raw(column(i))}, 0)`),
    ' + ',
  );
  const weights = Prisma.join(
    plan.spaces.map(
      (space, i) => sql`CASE WHEN ${raw(column(i))} IS NULL THEN 0 ELSE ${space.weight}::float8 END`,
    ),
    ' + ',
  );
  return sql`(${weighted}) / NULLIF(${weights}, 0)`;
}

/**
 * Candidates per result a bounded statement scores first, by highest bound, to learn the k-th score
 * the others' bounds must reach. Three spaces at 100k (12 queries): with k of them, up to 187 more
 * were then scored; with 2k, 0 in ten queries and at most 16.
 */
const HEAD_PER_RESULT = 2;

/** Taken off the k-th score before bounds are compared with it, so rounding never drops a tie. */
const BOUND_SLACK = raw('1e-9');

/**
 * Whether a space's scan returns its nearest by the exact distance, so that a product it did not
 * return is at least as far as the farthest one it did (approximately, as the index is): stored
 * vectors searched in their own index, not in Hamming order (searchesBits).
 */
function boundsUnseen(space: SpacePlan, options: CandidateOptions): boolean {
  return isStoredVectorSpace(space.space) && !searchesBits(space, options.binaryCandidates);
}

/**
 * Whether the statement scores only the candidates that can still reach the answer
 * (boundedScoring): a weighted combination of several spaces, all scans in this statement, one
 * of them over stored vectors that boundsUnseen.
 */
function isBounded(plan: RecommendationPlan, options: CandidateOptions, part: ScanPart): boolean {
  return (
    plan.strategy !== RecommendationStrategy.BEST_SCORE &&
    !options.exact &&
    part.of === 1 &&
    plan.spaces.length >= 2 &&
    plan.spaces.some((space) => boundsUnseen(space, options))
  );
}

/** A candidate's (`c.id`) distance to the query in a space, looked up by its key. */
function distanceByKey(space: SpacePlan, index: number, alias: string): Prisma.Sql {
  const distance = distanceSql(space, candidateValue(space, alias, alias), queryRef(space, index));
  return isStoredVectorSpace(space.space)
    ? sql`(SELECT ${distance} FROM product_embedding ${raw(alias)} WHERE ${embeddingKey(space, alias, 'c.id')})`
    : sql`(SELECT ${distance} FROM product ${raw(alias)} WHERE ${raw(alias)}.id = c.id)`;
}

/**
 * `scored` for a weighted statement, without reading the vectors of candidates that cannot reach
 * the answer. A candidate's scan brought its distance in that space (k<i>). Where a space's scan
 * did not find it: in a space that boundsUnseen, the product's vector is only looked up by key
 * (the primary key's index answers whether it has one) and, if there, its similarity is at most
 * the lowest the scan returned; in the others (a value in the product's row, costing no more than
 * a look at the row, or a Hamming-ordered scan) the distance is computed. The candidate's score is
 * then at most `bound`, the weighted mean over exactly the spaces it has. The candidates with the
 * highest bounds (HEAD_PER_RESULT per result) are scored exactly (one every scan found needs
 * nothing read: its bound is its score), and of the rest only those whose bound reaches the k-th
 * of those scores: the
 * answer scoring every candidate gives, as far as the index scans return the nearest.
 * `scoring(source, where)` and `rated(source)` are recommendationSql's.
 */
function boundedScoring(
  plan: RecommendationPlan,
  options: CandidateOptions,
  scoring: (source: string, where: Prisma.Sql) => Prisma.Sql,
  rated: (source: string) => Prisma.Sql,
  passes: Prisma.Sql,
): Prisma.Sql {
  // Per space: k<i>, the distance where known (computed where the space does not bound unseen
  // products), and h<i>, whether a product the scan did not return has a vector there.
  const seen = plan.spaces.map((space, i) => {
    const [k, h] = [`k${i}`, `h${i}`];
    return boundsUnseen(space, options)
      ? sql`c.${raw(k)}, c.${raw(k)} IS NULL AND EXISTS (SELECT 1 FROM product_embedding e
              WHERE ${embeddingKey(space, 'e', 'c.id')}) AS ${raw(h)}`
      : sql`coalesce(c.${raw(k)}, ${distanceByKey(space, i, 'x')}) AS ${raw(k)}, false AS ${raw(h)}`;
  });
  const reach = plan.spaces.map(
    (space, i) =>
      sql`CASE WHEN c.${raw(`k${i}`)} IS NOT NULL THEN ${scoreSql(space, raw(`c.k${i}`))}
               WHEN c.${raw(`h${i}`)} THEN ${scoreSql(space, raw(`b.b${i}`))} END AS ${raw(`v${i}`)}`,
  );
  const head = count(plan.limit * HEAD_PER_RESULT);
  const floor = plan.minScore === null ? sql`'-Infinity'::float8` : sql`${plan.minScore}::float8`;
  // OFFSET 0: each look-up once, not once per reference to its column.
  return sql`bounds AS (SELECT ${raw(plan.spaces.map((_, i) => `max(k${i}) AS b${i}`).join(', '))} FROM candidates),
    ranked AS MATERIALIZED (
      SELECT c.*, row_number() OVER (ORDER BY c.bound DESC, c.id) AS rank
        FROM (SELECT c.*, ${weightedMeanSql(plan, (i) => `v${i}`)} AS bound
                FROM (SELECT c.*, ${Prisma.join(reach, ', ')}
                        FROM (SELECT c.id, ${Prisma.join(seen, ', ')} FROM candidates c OFFSET 0) c
                       CROSS JOIN bounds b) c) c
    ),
    head AS MATERIALIZED (${scoring('ranked', sql`WHERE c.rank <= ${head}`)}),
    tail AS MATERIALIZED (${scoring(
      'ranked',
      sql`WHERE c.rank > ${head} AND c.bound >= coalesce((SELECT c.score FROM (${rated('head')}) c
            WHERE c.score IS NOT NULL ${passes} ORDER BY c.score DESC LIMIT 1 OFFSET ${count(plan.limit - 1)}), ${floor}) - ${BOUND_SLACK}`,
    )}),
    scored AS (SELECT * FROM head UNION ALL SELECT * FROM tail)`;
}

/** The candidate scans a statement runs: those scanParts gives part `index` of `of`. */
export interface ScanPart {
  readonly index: number;
  readonly of: number;
}

/**
 * One statement returning the plan's best products with their score and, per space, distance and
 * similarity. With `exact`, every filtered product with a value in some space is a candidate.
 * `filter`: the plan's filter as conditions, its values as parameters unless the caller wrote them
 * in (filterLiteralsSql).
 *
 * With `part`, only that part of the index scans feeds the candidates; each candidate is still
 * scored exactly in every space, and a product's score does not depend on which scan found it, so
 * the plan's answer is the best `limit` of the parts' answers taken together (the repository runs
 * the parts side by side on separate connections). Not with `exact` or a single target.
 */
export function recommendationSql(
  plan: RecommendationPlan,
  options: CandidateOptions,
  filter: Prisma.Sql = filterToSql(plan.filter),
  part: ScanPart = { index: 0, of: 1 },
): Prisma.Sql {
  const { exact } = options;
  if (part.of > 1 && (exact || isSingleTarget(plan) || part.of > candidateScans(plan))) {
    throw new Error(`a statement of this plan cannot be split into ${part.of} parts`);
  }
  if (!exact && isSingleTarget(plan)) {
    return singleTargetSql(plan, plan.spaces[0]!, plan.spaces[0]!.positives[0]!, options, filter);
  }
  const best = plan.strategy === RecommendationStrategy.BEST_SCORE;
  const ctes: Prisma.Sql[] = [];
  const candidateQueries: Prisma.Sql[] = [];
  /** Index scans numbered so far, in the order scanCosts lists them, and the part each belongs to. */
  let scans = 0;
  const assigned = scanParts(scanCosts(plan), part.of);
  // Each candidate row carries, as k<i>, its distance in the space whose scan found it (the scan has
  // the row and its value at hand); NULL elsewhere, and always with BEST_SCORE, whose distance
  // is to the nearest of several examples, not to the one the scan searched for.
  const knownDistances = (found: number | null, distance: Prisma.Sql | null) =>
    Prisma.join(
      plan.spaces.map((_, index) =>
        index === found && distance ? sql`(${distance})::float8` : sql`NULL::float8`,
      ),
      ', ',
    );

  plan.spaces.forEach((space, index) => {
    const source = candidateSource(space, plan.filter !== null);
    const where = sql`${filter} ${excluded(plan, source.id)}`;
    const bits = searchesBits(space, options.binaryCandidates);
    const limit = exact ? Prisma.empty : sql`LIMIT ${count(candidateCount(plan, bits))}`;
    const candidatesFor = (q: Value, distance: Prisma.Sql | null) => {
      const scan = scans++;
      if (assigned[scan] !== part.index) return;
      candidateQueries.push(sql`(SELECT ${source.id}, ${knownDistances(index, distance)} FROM ${source.from} WHERE ${source.present} ${where}
            ORDER BY ${orderingSql(space, source.value, q, bits)} ${limit})`);
    };
    if (exact) {
      candidateQueries.push(
        sql`(SELECT ${source.id}, ${knownDistances(null, null)} FROM ${source.from} WHERE ${source.present} ${where})`,
      );
    }
    if (best) {
      const rows = [
        ...space.positives.map((target) => ({ positive: true, value: targetValue(space, target) })),
        ...space.negatives.map((target) => ({ positive: false, value: targetValue(space, target) })),
      ];
      const columns = (value: Value) =>
        isPoint(value) ? sql`${value.latitude}, ${value.longitude}` : sql`${value}`;
      ctes.push(sql`${raw(`x${index}`)}(positive, ${raw(space.space === EmbeddingSpace.GEO ? 'latitude, longitude' : 'v')}) AS (
        VALUES ${Prisma.join(rows.map((row) => sql`(${row.positive}::boolean, ${columns(row.value)})`))})`);
      if (!exact) {
        space.positives.forEach((target) => candidatesFor(targetValue(space, target), null));
      }
    } else {
      const q = averageTarget(space);
      if (isPoint(q)) {
        ctes.push(sql`${raw(`q${index}`)}(latitude, longitude) AS (SELECT ${q.latitude}, ${q.longitude})`);
      } else {
        ctes.push(sql`${raw(`q${index}`)}(v) AS (SELECT ${q})`);
      }
      if (!exact) {
        const query = queryRef(space, index);
        candidatesFor(query, distanceSql(space, source.value, query));
      }
    }
  });

  // Each candidate's distance to each target is computed once, in `scored` (materialised); the
  // similarities are arithmetic on those columns. Written inline, every reference to a similarity
  // (score, weights, filter, sort key, output) would read and compare the vectors again. `scored`
  // is narrow (the id and the distances): the product's columns are read for the winners only, and
  // a stored vector is read by a scalar subquery that returns its distance alone — joined, each
  // candidate's vector row was copied through the join and a Memoize cache that never hit
  // (measured in BENCHMARKS.md "Service changes").
  const perSpace = plan.spaces.map((space, index) => {
    const d = raw(`d${index}`);
    const e = `e${index}`;
    const x = candidateValue(space, 'p', e);
    if (!best) {
      // Computed only where the candidate's scan did not already bring it (COALESCE stops at k<i>):
      // a stored vector is then not even read.
      const distance = distanceSql(space, x, queryRef(space, index));
      const known = raw(`c.k${index}`);
      return {
        columns: isStoredVectorSpace(space.space)
          ? sql`coalesce(${known}, ${distanceByKey(space, index, e)}) AS ${d}`
          : sql`coalesce(${known}, ${distance}) AS ${d}`,
        similarity: scoreSql(space, d),
        lateral: Prisma.empty,
      };
    }
    // BEST_SCORE: per candidate, the best liked and best unliked similarity in this space.
    const alias = raw(`b${index}`);
    const [liked, unliked] = [raw(`l${index}`), raw(`u${index}`)];
    const rowValue: Value =
      space.space === EmbeddingSpace.GEO
        ? { latitude: raw('r.latitude'), longitude: raw('r.longitude') }
        : raw('r.v');
    const similarity = scoreSql(space, raw('t.d'));
    // OFFSET 0: one distance per example row, not one per aggregate below.
    const lateral = sql`${embeddingJoin(space, index, 'c')} CROSS JOIN LATERAL (
        SELECT max(${similarity}) FILTER (WHERE t.positive) AS liked,
               max(${similarity}) FILTER (WHERE NOT t.positive) AS unliked,
               min(t.d) FILTER (WHERE t.positive) AS distance
          FROM (SELECT r.positive, ${distanceSql(space, x, rowValue)} AS d
                  FROM ${raw(`x${index}`)} r OFFSET 0) t) ${alias}`;
    return {
      columns: sql`${alias}.distance AS ${d}, ${alias}.liked AS ${liked}, ${alias}.unliked AS ${unliked}`,
      similarity: sql`CASE WHEN ${unliked} IS NULL OR ${liked} >= ${unliked} THEN ${liked} ELSE -${unliked} END`,
      lateral,
    };
  });
  // The product row, for the spaces whose values are its columns (ATTRIBUTES, TAGS, GEO).
  const productRow = plan.spaces.some((space) => !isStoredVectorSpace(space.space))
    ? sql`CROSS JOIN LATERAL (SELECT * FROM product WHERE id = c.id OFFSET 0) p`
    : Prisma.empty;

  /** Candidates (with `id` and `k<i>`) from `source` that pass `where`, their distances per space. */
  const scoring = (source: string, where: Prisma.Sql) => sql`
      SELECT c.id AS uid, ${Prisma.join(
        perSpace.map((s) => s.columns),
        ', ',
      )}
        -- Each candidate's product row fetched by its key where a space reads it (OFFSET 0 keeps
        -- the planner from hashing the whole product table for them).
        FROM ${raw(source)} c ${productRow}
        ${Prisma.join(
          perSpace.map((s) => s.lateral),
          ' ',
        )}
       ${where}`;
  /** Scored rows with their similarities and combined score. */
  const rated = (source: string) => sql`
      SELECT *, ${weightedMeanSql(plan, (i) => `s${i}`)} AS score FROM (SELECT *, ${Prisma.join(
        perSpace.map((s, i) => sql`${s.similarity} AS ${raw(`s${i}`)}`),
        ', ',
      )} FROM ${raw(source)}) r`;
  const passes = plan.minScore === null ? Prisma.empty : sql`AND c.score >= ${plan.minScore}::float8`;
  const candidateColumns = raw(plan.spaces.map((_, i) => `k${i}`).join(', '));
  const candidates = sql`candidates AS (SELECT id, ${Prisma.join(
    plan.spaces.map((_, i) => raw(`min(k${i}) AS k${i}`)),
    ', ',
  )} FROM (${Prisma.join(candidateQueries, ' UNION ALL ')}) AS c(id, ${candidateColumns}) GROUP BY id)`;
  const scored = isBounded(plan, options, part)
    ? boundedScoring(plan, options, scoring, rated, passes)
    : sql`scored AS MATERIALIZED (${scoring('candidates', Prisma.empty)})`;
  const statement = sql`
    WITH ${ctes.length > 0 ? sql`${Prisma.join(ctes, ', ')},` : Prisma.empty}
    ${candidates},
    ${scored},
    combined AS (${rated('scored')}),
    top AS (
      SELECT * FROM combined c
       WHERE c.score IS NOT NULL ${passes}
       ORDER BY c.score DESC, c.uid
       LIMIT ${count(plan.limit)}
    )
    SELECT ${PRODUCT_COLUMNS}, c.score,
           ARRAY[${Prisma.join(
             plan.spaces.map((_, i) => sql`c.${raw(`d${i}`)}::float8`),
             ', ',
           )}] AS distances,
           ARRAY[${Prisma.join(
             plan.spaces.map((_, i) => sql`c.${raw(`s${i}`)}::float8`),
             ', ',
           )}] AS similarities${examplesFound(plan, best)}
      FROM top c CROSS JOIN LATERAL (SELECT * FROM product WHERE id = c.uid OFFSET 0) p
     ORDER BY c.score DESC, c.uid`;
  return statement;
}

/**
 * One space, one liked target: the index order is the candidates' order, so the nearest
 * `candidatesPerTarget` come from the index with their distance, and are re-sorted by score (a
 * filter's iterative scan returns them in relaxed order; from the binary-quantised index, in Hamming
 * order, they are more and re-sorted by their exact distance) — the shape of the best hand-written
 * query, with nothing to union, deduplicate or score again. Same columns as recommendationSql.
 *
 * With a filter, the statement first reads the products passing it, up to `exactScanMaxRows` + 1
 * (FILTER_EXACT_SCAN_MAX_ROWS; through the filter's B-tree where it has one), and runs one of
 * two branches by that count — the other is cut off by a one-time filter before it starts, so the
 * choice costs no extra round trip: few rows are scored exactly through the filter's own index; more
 * go to the HNSW iterative scan, which must visit about candidates ÷ selectivity graph nodes.
 */
function singleTargetSql(
  plan: RecommendationPlan,
  space: SpacePlan,
  target: QueryTarget,
  options: CandidateOptions,
  filter: Prisma.Sql,
): Prisma.Sql {
  const { exactScanMaxRows } = options;
  const source = candidateSource(space, plan.filter !== null);
  const value = targetValue(space, target);
  const ctes = [
    isPoint(value)
      ? sql`q0(latitude, longitude) AS (SELECT ${value.latitude}, ${value.longitude})`
      : sql`q0(v) AS (SELECT ${value})`,
  ];
  const q = queryRef(space, 0);
  const score = scoreSql(space, raw('c.d'));
  const distance = distanceSql(space, source.value, q);
  const where = sql`${source.present} ${filter} ${excluded(plan, source.id)}`;
  const bits = searchesBits(space, options.binaryCandidates);
  const nearest = sql`SELECT ${source.id} AS id, ${distance} AS d FROM ${source.from} WHERE ${where}
                       ORDER BY ${orderingSql(space, source.value, q, bits)} LIMIT ${count(candidateCount(plan, bits))}`;
  let candidates = nearest;
  if (plan.filter) {
    // The products passing the filter, up to one more than the exact branch takes, are read once:
    // their count picks the branch, and the exact branch scores exactly these rows (before, it ran
    // the filter a second time — 1.7 of 10.5 ms at 100k).
    ctes.push(sql`filtered AS MATERIALIZED (SELECT p.id FROM product p
      WHERE true ${filter} ${excluded(plan)} LIMIT ${count(exactScanMaxRows + 1)})`);
    ctes.push(sql`filtered_count(n) AS (SELECT count(*) FROM filtered)`);
    // Every filtered product scored, ordered by the exact distance (scores fall as distances grow);
    // "+ 0" keeps the planner off the HNSW index for this branch. Each filtered product's value is
    // fetched by key (OFFSET 0 keeps the planner from hashing every embedding of the model instead,
    // 12 ms of the 17 at 100k).
    const keyed = isStoredVectorSpace(space.space)
      ? sql`filtered f CROSS JOIN LATERAL (SELECT * FROM product_embedding e
              WHERE e.product_id = f.id AND ${source.present} OFFSET 0) e`
      : sql`filtered f CROSS JOIN LATERAL (SELECT * FROM product p
              WHERE p.id = f.id AND ${source.present} OFFSET 0) p`;
    candidates = sql`(SELECT f.id, ${distance} AS d FROM ${keyed}
                       WHERE (SELECT n FROM filtered_count) <= ${count(exactScanMaxRows)}
                       ORDER BY ${distance} + 0 LIMIT ${count(plan.limit)})
                     UNION ALL
                     (SELECT * FROM (${nearest}) AS i
                       WHERE (SELECT n FROM filtered_count) > ${count(exactScanMaxRows)})`;
  }
  return sql`
    WITH ${Prisma.join(ctes, ', ')}
    SELECT ${PRODUCT_COLUMNS}, ${score} AS score, ARRAY[c.d::float8] AS distances,
           ARRAY[${score}::float8] AS similarities${examplesFound(plan, false)}
      FROM (${candidates}) c
      JOIN product p ON p.id = c.id
     WHERE c.d IS NOT NULL ${plan.minScore === null ? Prisma.empty : sql`AND ${score} >= ${plan.minScore}::float8`}
     ORDER BY score DESC, p.id
     LIMIT ${count(plan.limit)}`;
}

/**
 * A row count as a literal, not a parameter: Postgres plans `LIMIT $n` for an unknown n (a tenth of
 * the table), so a named statement's generic plan would cost more than its custom ones and never be
 * used. Counts come from validated input (k, candidates per target, FILTER_EXACT_SCAN_MAX_ROWS).
 */
function count(value: number): Prisma.Sql {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`not a row count: ${value}`);
  return raw(String(value));
}

/**
 * Ids as one parameter: a scalar for one id (the usual case: the liked product), so the generic
 * plan's estimate is the custom plans' (an array of unknown length is estimated at ten elements,
 * which kept Postgres planning every execution); an array otherwise.
 */
function idsMatch(column: Prisma.Sql, operator: '=' | '<>', ids: readonly string[]): Prisma.Sql {
  if (ids.length === 1) return sql`${column} ${raw(operator)} ${ids[0]}::uuid`;
  return sql`${column} ${raw(operator === '=' ? '= ANY' : '<> ALL')}(${[...ids]}::uuid[])`;
}

const excluded = (plan: RecommendationPlan, id: Prisma.Sql = raw('p.id')): Prisma.Sql =>
  plan.excludeIds.length > 0 ? sql`AND ${idsMatch(id, '<>', plan.excludeIds)}` : Prisma.empty;

/**
 * For a plan built without looking its examples up (`checkExamples`), two last columns, evaluated
 * once and not per row: how many of the examples exist, and per space whether some liked example
 * has a value there (a space where none has is one the planner would have dropped).
 */
function examplesFound(plan: RecommendationPlan, best: boolean): Prisma.Sql {
  if (!plan.checkExamples || plan.checkExamples.length === 0) return Prisma.empty;
  const present = plan.spaces.map((space, index) => {
    const column = space.space === EmbeddingSpace.GEO ? 'latitude' : 'v';
    return best
      ? raw(`EXISTS (SELECT 1 FROM x${index} WHERE positive AND ${column} IS NOT NULL)`)
      : raw(`((SELECT ${column} FROM q${index}) IS NOT NULL)`);
  });
  return sql`, (SELECT count(*) FROM product WHERE ${idsMatch(raw('id'), '=', plan.checkExamples)})::int AS examples_found,
           ARRAY[${Prisma.join(present, ', ')}] AS spaces_present`;
}

function queryRef(space: SpacePlan, index: number): Value {
  const name = `q${index}`;
  if (space.space === EmbeddingSpace.GEO) {
    return {
      latitude: raw(`(SELECT latitude FROM ${name})`),
      longitude: raw(`(SELECT longitude FROM ${name})`),
    };
  }
  return raw(`(SELECT v FROM ${name})`);
}

/**
 * Pairwise combined similarity of products (for maximal marginal relevance), as the plan scores them.
 * Each product's values are fetched once by key, and each pair's per-space similarity is computed
 * once (materialised): written inline, the weighted sum and the weight sum each evaluated it again —
 * for Jaccard two set operations per pair each time.
 */
export function pairwiseSql(plan: RecommendationPlan, ids: readonly string[]): Prisma.Sql {
  const columns = plan.spaces.flatMap((space, index) => {
    const value = candidateValue(space, 'p', `e${index}`);
    return isPoint(value)
      ? [sql`${value.latitude} AS ${raw(`lat${index}`)}, ${value.longitude} AS ${raw(`lon${index}`)}`]
      : [sql`${value} AS ${raw(`v${index}`)}`];
  });
  const valueOf = (space: SpacePlan, index: number, alias: string): Value =>
    space.space === EmbeddingSpace.GEO
      ? { latitude: raw(`${alias}.lat${index}`), longitude: raw(`${alias}.lon${index}`) }
      : raw(`${alias}.v${index}`);
  const similarities = plan.spaces.map(
    (space, index) =>
      sql`${scoreSql(space, distanceSql(space, valueOf(space, index, 'a'), valueOf(space, index, 'b')))} AS ${raw(`s${index}`)}`,
  );
  return sql`
    WITH v AS MATERIALIZED (
      SELECT p.id, ${Prisma.join(columns, ', ')}
        FROM product p
        ${Prisma.join(
          plan.spaces.map((space, index) => embeddingJoin(space, index)),
          ' ',
        )}
       WHERE p.id = ANY(${[...ids]}::uuid[])
    ),
    pairs AS MATERIALIZED (
      SELECT a.id AS a, b.id AS b, ${Prisma.join(similarities, ', ')} FROM v a JOIN v b ON a.id < b.id
    )
    SELECT a::text AS a, b::text AS b, ${weightedMeanSql(plan, (i) => `s${i}`)} AS similarity FROM pairs`;
}

/** The AVERAGE_VECTOR query value of the attribute space, for explanations. */
export function attributeQuerySql(plan: SpacePlan): Prisma.Sql {
  return sql`SELECT (${averageTarget({ ...plan, negatives: [] })})::real[] AS v`;
}
