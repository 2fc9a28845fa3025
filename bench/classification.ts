// Zero-shot classification of the stored CLIP embeddings: `classifyProducts` with 20 labels and
// `first: 0` (counts only), timed over HTTP with an analyst key.
import type pg from 'pg';
import { ANALYST_KEY, graphql } from './service-process.js';
import { type InProcessApp, capture } from './statement-capture.js';

export const LABELS = [
  'shoe',
  'backpack',
  'watch',
  'lamp',
  'chair',
  'sofa',
  'mug',
  'bottle',
  'headphones',
  'camera',
  'laptop',
  'phone',
  'jacket',
  'dress',
  'hat',
  'sunglasses',
  'bicycle',
  'toy',
  'plant',
  'book',
];

const CLASSIFY = `query Classify($labels: [String!]!) {
  classifyProducts(labels: $labels, first: 0) { modelId classified unclassified countsByLabel { label count } }
}`;

export interface ClassificationResult {
  readonly labels: number;
  readonly products: number;
  readonly coldSeconds: number;
  readonly warmSeconds: number[];
  readonly warmMedianSeconds: number;
  readonly itemsPerSec: number;
}

export async function classificationBench(url: string, repetitions: number): Promise<ClassificationResult> {
  type Report = { classifyProducts: { classified: number; unclassified: number } };
  let started = performance.now();
  const cold = await graphql<Report>(url, CLASSIFY, { labels: LABELS }, ANALYST_KEY);
  const coldSeconds = (performance.now() - started) / 1000;
  const warmSeconds: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    started = performance.now();
    await graphql<Report>(url, CLASSIFY, { labels: LABELS }, ANALYST_KEY);
    warmSeconds.push((performance.now() - started) / 1000);
  }
  const sorted = [...warmSeconds].sort((a, b) => a - b);
  // Without warm repetitions (the 100k run: each call takes minutes) the one call stands for both.
  const median = sorted[Math.floor(sorted.length / 2)] ?? coldSeconds;
  return {
    labels: LABELS.length,
    products: cold.classifyProducts.classified,
    coldSeconds,
    warmSeconds,
    warmMedianSeconds: median,
    itemsPerSec: cold.classifyProducts.classified / median,
  };
}

export interface ClassificationPrototypeResult {
  /** The service's prediction-count statement, replayed through pg. */
  readonly serviceStatementSeconds: number;
  /** Per product only the nearest label (the softmax's argmax), no windows; labels materialised. */
  readonly prototypeSeconds: number;
  /** The service's statement with its labels CTE inlined (`labels AS (…)`), as before the change. */
  readonly inlinedSeconds: number;
  /** Whether all three gave the same counts per (label, category). */
  readonly sameCounts: boolean;
  readonly statementsCaptured: number;
}

/**
 * The softmax over labels is monotonic in the cosine, so a product's top label is its nearest label
 * vector: counting top labels needs no per-(product, label) rows, windows or DISTINCT ON. Captures
 * the service's statement in-process (with the real label vectors), then times it against that
 * rewrite on the same data and checks they count the same.
 */
export async function classificationPrototype(
  inProcess: InProcessApp,
  client: pg.Client,
  clipModelId: string,
): Promise<ClassificationPrototypeResult> {
  const { statements } = await capture(() => inProcess.execute(CLASSIFY, { labels: LABELS }, ANALYST_KEY));
  const counting = statements.find((statement) => /DISTINCT ON/i.test(statement.text));
  if (!counting) throw new Error('classifyProducts ran no DISTINCT ON statement; update the prototype');
  const labelVectors = counting.values.find(
    (value): value is string[] =>
      Array.isArray(value) && typeof value[0] === 'string' && value[0].startsWith('['),
  );
  if (!labelVectors) throw new Error('no label vectors among the statement parameters');
  const dimension = labelVectors[0]!.split(',').length;

  let started = performance.now();
  const service = await client.query<{ label: number; category: string; count: number }>({
    text: counting.text,
    values: counting.values,
  });
  const serviceStatementSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  const prototype = await client.query<{ label: number; category: string; count: number }>({
    // MATERIALIZED: a CTE referenced once is inlined, and each label vector is then parsed from
    // text again for every product.
    text: `WITH labels AS MATERIALIZED (
             SELECT (t.ord - 1)::int AS label, t.v::vector(${dimension}) AS v
               FROM unnest($1::text[]) WITH ORDINALITY AS t(v, ord))
           SELECT top.label, p.category, count(*)::int AS count
             FROM product_embedding e
             JOIN product p ON p.id = e.product_id
             CROSS JOIN LATERAL (
               SELECT l.label FROM labels l ORDER BY e.embedding::vector(${dimension}) <=> l.v, l.label LIMIT 1) top
            WHERE e.model_id = $2
            GROUP BY top.label, p.category`,
    values: [labelVectors, clipModelId],
  });
  const prototypeSeconds = (performance.now() - started) / 1000;

  // The statement as it was before `labels AS MATERIALIZED`: Postgres inlines a CTE referenced once.
  const inlinedText = counting.text.replace(/labels AS MATERIALIZED \(/, 'labels AS (');
  if (inlinedText === counting.text) {
    throw new Error('no `labels AS MATERIALIZED (` CTE in the service statement; update the prototype');
  }
  started = performance.now();
  const inlined = await client.query<{ label: number; category: string; count: number }>({
    text: inlinedText,
    values: counting.values,
  });
  const inlinedSeconds = (performance.now() - started) / 1000;
  const key = (rows: Array<{ label: number; category: string; count: number }>): string =>
    rows
      .map((row) => `${Number(row.label)}|${row.category}|${Number(row.count)}`)
      .sort()
      .join(',');
  return {
    serviceStatementSeconds,
    prototypeSeconds,
    sameCounts: key(service.rows) === key(prototype.rows) && key(service.rows) === key(inlined.rows),
    inlinedSeconds,
    statementsCaptured: statements.length,
  };
}
