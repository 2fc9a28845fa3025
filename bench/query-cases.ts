// The query cases: each is a GraphQL document with its variables per sample product, where its
// result list is, and when it is available. Their SQL is not retyped here: the benchmark captures
// the statements the repositories send while the service answers the same operation in-process
// (statement-capture.ts), replays them through plain `pg` as the floor, and gets the exact answer
// from the repository's own exact path (every filtered product scored) for recall@10.
import { RARE_CATEGORY } from './catalogue.js';

export interface Scored {
  readonly id: string;
  readonly score: number;
}

/** What the exact SQL needs to know: the active model ids. */
export interface CaseModels {
  readonly cnnModelId: string;
  readonly clipModelId: string;
}

export interface SqlStatement {
  readonly text: string;
  readonly values: unknown[];
}

export interface QueryCase {
  readonly id: string;
  readonly title: string;
  readonly k: number;
  /** Root fields the schema must have; otherwise the case reports "not available yet". */
  readonly requiresFields: readonly string[];
  readonly query: string;
  variables(productId: string): Record<string, unknown>;
  /** The ranked result list of a response's `data`. */
  results(data: unknown): Scored[];
  /** A filter every result must satisfy (checked on the SQL rows), if the case filters. */
  readonly filterCategory?: string;
  /**
   * The exact answer in SQL: every qualifying product scored (no index can serve ORDER BY score
   * DESC), rows `id`, `score`, ordered like the service (score descending, then id). Checked
   * against the repository's own exact path on a few samples before it is used for recall.
   */
  exactSql(productId: string, models: CaseModels): SqlStatement;
  /**
   * The case's floor, the best raw SQL for the same answer (issue 14): the sum of the named
   * statements' p50 (three spaces: each space's own best query) or the smaller (a filter: the HNSW
   * iterative scan or the exact scan of the filtered rows).
   */
  readonly floor: { readonly combine: 'sum' | 'min'; readonly parts: readonly FloorName[] };
}

const COLUMNS = 'p.id::text, p.sku, p.name, p.category, p.price::float8';
/** A stored vector as it is indexed: halfvec types read the inline `embedding_half` column. */
const stored = (alias: string, type: string) =>
  `${alias ? `${alias}.` : ''}${type.startsWith('halfvec') ? 'embedding_half' : 'embedding'}::${type}`;
const embedding = (type: string) => stored('e', type);
const nearestEmbeddings = (type: string, model: string, k: number) =>
  `SELECT ${COLUMNS}, 1 - d AS score FROM (
     SELECT e.product_id, ${embedding(type)} <=> ${embeddingQuery(type, `'${model}'`)} AS d FROM product_embedding e
      WHERE e.model_id = '${model}' AND e.product_id <> $1::uuid ORDER BY d LIMIT ${k}) n
   JOIN product p ON p.id = n.product_id ORDER BY d`;

/**
 * Hand-written floors, with the product columns a storefront shows: each single space's index
 * order, and the 1 % filter both ways (HNSW iterative scan re-sorted; exact scan of the B-tree's rows).
 */
export const FLOOR_SQL = {
  'attributes index': (productId: string): SqlStatement => ({
    text: `SELECT ${COLUMNS}, 1 - (p.attribute_vector <=> q.v) AS score
             FROM (SELECT attribute_vector AS v FROM product WHERE id = $1::uuid) q, LATERAL (
               SELECT * FROM product p WHERE p.id <> $1::uuid ORDER BY p.attribute_vector <=> q.v LIMIT ${K}) p`,
    values: [productId],
  }),
  'image index': (productId: string, models: CaseModels): SqlStatement => ({
    text: nearestEmbeddings(CNN_TYPE, models.cnnModelId, K),
    values: [productId],
  }),
  'CLIP index': (productId: string, models: CaseModels): SqlStatement => ({
    text: nearestEmbeddings(CLIP_TYPE, models.clipModelId, K),
    values: [productId],
  }),
  'filtered HNSW iterative scan': (productId: string, models: CaseModels): SqlStatement => ({
    text: `SELECT * FROM (
      SELECT ${COLUMNS}, 1 - (${embedding(CLIP_TYPE)} <=> q.v) AS score
        FROM (SELECT ${embeddingQuery(CLIP_TYPE, `'${models.clipModelId}'`)} AS v) q,
        LATERAL (SELECT e.* FROM product_embedding e JOIN product p ON p.id = e.product_id
                  WHERE e.model_id = '${models.clipModelId}' AND p.id <> $1::uuid AND p.category = ANY($2::text[])
                  ORDER BY ${embedding(CLIP_TYPE)} <=> q.v LIMIT ${4 * K}) e JOIN product p ON p.id = e.product_id) r
     ORDER BY score DESC LIMIT ${K}`,
    values: [productId, [RARE_CATEGORY]],
  }),
  // The filtered rows' ids from the category B-tree drive (index-only with the (category, id)
  // index), each embedding fetched by key (OFFSET 0 keeps the planner from hashing every embedding
  // of the model instead); the product columns are read for the k winners only.
  'filtered exact scan (B-tree)': (productId: string, models: CaseModels): SqlStatement => ({
    text: `SELECT ${COLUMNS}, 1 - w.d AS score FROM (
             SELECT f.id, ${embedding(CLIP_TYPE)} <=> q.v AS d
               FROM (SELECT ${embeddingQuery(CLIP_TYPE, `'${models.clipModelId}'`)} AS v) q, product f
               CROSS JOIN LATERAL (SELECT * FROM product_embedding e
                                    WHERE e.product_id = f.id AND e.model_id = '${models.clipModelId}' OFFSET 0) e
              WHERE f.category = ANY($2::text[]) AND f.id <> $1::uuid
              ORDER BY (${embedding(CLIP_TYPE)} <=> q.v) + 0 LIMIT ${K}) w
             JOIN product p ON p.id = w.id ORDER BY w.d`,
    values: [productId, [RARE_CATEGORY]],
  }),
};
export type FloorName = keyof typeof FLOOR_SQL;

const ATTRIBUTE_QUERY = '(SELECT attribute_vector FROM product WHERE id = $1::uuid)';
const embeddingQuery = (type: string, modelParameter: string): string =>
  `(SELECT ${stored('', type)} FROM product_embedding WHERE product_id = $1::uuid AND model_id = ${modelParameter})`;
const CNN_TYPE = 'halfvec(2048)';
const CLIP_TYPE = 'vector(512)';

const K = 10;

/** The fields a storefront shows with a recommendation. */
const SCORED_SELECTION = 'score distance product { id sku name category price }';

type ScoredList = ReadonlyArray<{ score: number; product: { id: string } }>;

const listOf =
  (field: string) =>
  (data: unknown): Scored[] =>
    ((data as Record<string, ScoredList>)[field] ?? []).map((entry) => ({
      id: entry.product.id,
      score: entry.score,
    }));

const similar = (space: 'ATTRIBUTES' | 'IMAGE' | 'CLIP', title: string): QueryCase => ({
  id: `similar-${space.toLowerCase()}`,
  title,
  k: K,
  requiresFields: ['similarProducts'],
  query: `query Similar($productId: ID!, $k: Int!, $space: EmbeddingSpace!) {
    similarProducts(productId: $productId, k: $k, space: $space) { ${SCORED_SELECTION} }
  }`,
  variables: (productId) => ({ productId, k: K, space }),
  results: listOf('similarProducts'),
  floor: {
    combine: 'sum',
    parts: [space === 'ATTRIBUTES' ? 'attributes index' : space === 'IMAGE' ? 'image index' : 'CLIP index'],
  },
  exactSql: (productId, models) => {
    if (space === 'ATTRIBUTES') {
      return {
        text: `SELECT p.id::text AS id, 1 - (p.attribute_vector <=> ${ATTRIBUTE_QUERY}) AS score
                 FROM product p WHERE p.id <> $1::uuid ORDER BY score DESC, p.id LIMIT $2`,
        values: [productId, K],
      };
    }
    const type = space === 'IMAGE' ? CNN_TYPE : CLIP_TYPE;
    return {
      text: `SELECT e.product_id::text AS id, 1 - (${stored('e', type)} <=> ${embeddingQuery(type, '$2')}) AS score
               FROM product_embedding e WHERE e.model_id = $2 AND e.product_id <> $1::uuid
              ORDER BY score DESC, e.product_id LIMIT $3`,
      values: [productId, space === 'IMAGE' ? models.cnnModelId : models.clipModelId, K],
    };
  },
});

export const QUERY_CASES: readonly QueryCase[] = [
  similar('ATTRIBUTES', '`similarProducts` ATTRIBUTES (3-d attribute vectors, HNSW cosine)'),
  similar('IMAGE', '`similarProducts` IMAGE (2048-d CNN features as halfvec, HNSW cosine)'),
  similar('CLIP', '`similarProducts` CLIP (512-d, HNSW cosine)'),
  {
    id: 'filtered-1pct',
    title: `\`recommendations\` CLIP with a 1 %-selective filter (category \`${RARE_CATEGORY}\`)`,
    k: K,
    requiresFields: ['recommendations'],
    query: `query Filtered($input: RecommendationInput!) { recommendations(input: $input) { ${SCORED_SELECTION} } }`,
    variables: (productId) => ({
      input: {
        like: [{ productId }],
        spaces: [{ space: 'CLIP', weight: 1 }],
        filter: { categories: [RARE_CATEGORY] },
        k: K,
      },
    }),
    results: listOf('recommendations'),
    filterCategory: RARE_CATEGORY,
    floor: { combine: 'min', parts: ['filtered HNSW iterative scan', 'filtered exact scan (B-tree)'] },
    exactSql: (productId, models) => ({
      text: `SELECT e.product_id::text AS id, 1 - (${stored('e', CLIP_TYPE)} <=> ${embeddingQuery(CLIP_TYPE, '$2')}) AS score
               FROM product_embedding e JOIN product p ON p.id = e.product_id
              WHERE e.model_id = $2 AND e.product_id <> $1::uuid AND p.category = ANY($3::text[])
              ORDER BY score DESC, e.product_id LIMIT $4`,
      values: [productId, models.clipModelId, [RARE_CATEGORY], K],
    }),
  },
  {
    id: 'weighted-3-space',
    title: '`recommendations` over three spaces (ATTRIBUTES 0.2, IMAGE 0.3, CLIP 0.5)',
    k: K,
    requiresFields: ['recommendations'],
    query: `query Weighted($input: RecommendationInput!) { recommendations(input: $input) { ${SCORED_SELECTION} } }`,
    variables: (productId) => ({
      input: {
        like: [{ productId }],
        spaces: [
          { space: 'ATTRIBUTES', weight: 0.2 },
          { space: 'IMAGE', weight: 0.3 },
          { space: 'CLIP', weight: 0.5 },
        ],
        k: K,
      },
    }),
    results: listOf('recommendations'),
    floor: { combine: 'sum', parts: ['attributes index', 'image index', 'CLIP index'] },
    // Every product here has all three spaces, so the renormalised weighted mean is the plain one.
    exactSql: (productId, models) => ({
      text: `SELECT p.id::text AS id,
                    (0.2::float8 * (1 - (p.attribute_vector <=> ${ATTRIBUTE_QUERY}))
                     + 0.3::float8 * (1 - (${stored('ei', CNN_TYPE)} <=> ${embeddingQuery(CNN_TYPE, '$2')}))
                     + 0.5::float8 * (1 - (${stored('ec', CLIP_TYPE)} <=> ${embeddingQuery(CLIP_TYPE, '$3')}))) AS score
               FROM product p
               JOIN product_embedding ei ON ei.product_id = p.id AND ei.model_id = $2
               JOIN product_embedding ec ON ec.product_id = p.id AND ec.model_id = $3
              WHERE p.id <> $1::uuid
              ORDER BY score DESC, p.id LIMIT $4`,
      values: [productId, models.cnnModelId, models.clipModelId, K],
    }),
  },
];

/** The query root fields of a schema, by introspection. */
export const ROOT_FIELDS_QUERY = '{ __schema { queryType { fields { name } } } }';
export const rootFieldNames = (data: unknown): Set<string> =>
  new Set(
    (data as { __schema: { queryType: { fields: Array<{ name: string }> } } }).__schema.queryType.fields.map(
      (field) => field.name,
    ),
  );

/**
 * recall@k with ties: a returned product counts when it is in the exact top k, or scores at least
 * the exact k-th score (a tie the exact order broke the other way; common with 3-d integer scores).
 */
export function recallAtK(returned: readonly Scored[], exact: readonly Scored[], k: number): number {
  const wanted = exact.slice(0, k);
  if (wanted.length === 0) return returned.length === 0 ? 1 : 0;
  const ids = new Set(wanted.map((entry) => entry.id));
  const threshold = wanted[wanted.length - 1]!.score - 1e-6;
  const hits = returned.slice(0, k).filter((entry) => ids.has(entry.id) || entry.score >= threshold).length;
  return hits / wanted.length;
}
