// Explanations: a score split into its spaces (similarity × renormalised weight), the spaces a
// product lacks, and for attribute vectors each axis's share. Pure functions of the plan and a row.
import { type AttributeAxis } from '../catalogue/attribute-axis.domain.js';
import { type SpacePlan } from './recommendation-plan.js';
import {
  type AxisContribution,
  DistanceMetric,
  EmbeddingSpace,
  type Explanation,
  type SpaceContribution,
} from './recommendation.domain.js';

/** A scored product as the explanation needs it: per plan space, in plan order, null where it has no value. */
export interface ScoredParts {
  readonly distances: ReadonlyArray<number | null>;
  readonly similarities: ReadonlyArray<number | null>;
}

export function explain(input: {
  readonly plans: readonly SpacePlan[];
  readonly dropped: readonly EmbeddingSpace[];
  readonly row: ScoredParts;
  readonly axes: readonly AttributeAxis[];
  readonly productScores: readonly number[];
  /** The attribute vector the examples average to; null when ATTRIBUTES is not scored. */
  readonly attributeQuery: readonly number[] | null;
}): Explanation {
  const { plans, dropped, row } = input;
  const presentWeight = plans.reduce(
    (sum, plan, index) => sum + (row.similarities[index] === null ? 0 : plan.weight),
    0,
  );
  const spaces: SpaceContribution[] = plans.map((plan, index) => {
    const similarity = row.similarities[index] ?? null;
    const effectiveWeight = similarity === null || presentWeight === 0 ? 0 : plan.weight / presentWeight;
    return {
      space: plan.space,
      metric: plan.metric,
      modelId: plan.model?.modelId ?? null,
      distance: row.distances[index] ?? null,
      similarity,
      weight: plan.weight,
      effectiveWeight,
      contribution: similarity === null ? 0 : effectiveWeight * similarity,
    };
  });
  const missingSpaces = spaces.filter((s) => s.similarity === null).map((s) => s.space);
  const attributePlan = plans.find((plan) => plan.space === EmbeddingSpace.ATTRIBUTES);
  const attributes =
    attributePlan && input.attributeQuery
      ? axisContributions(attributePlan.metric, input.axes, input.productScores, input.attributeQuery)
      : null;

  const parts: string[] = [];
  const used = spaces.filter((s) => s.similarity !== null);
  parts.push(
    used.length === 1
      ? `scored on ${used[0]!.space} (${used[0]!.metric} ${used[0]!.similarity!.toFixed(3)})`
      : `scored on ${used.map((s) => `${s.space} ${s.similarity!.toFixed(3)} × ${s.effectiveWeight.toFixed(2)}`).join(' + ')}`,
  );
  if (attributes && attributes.length > 0) {
    const top = [...attributes].sort((a, b) => b.share - a.share)[0]!;
    parts.push(
      `${isSimilarityMetric(attributePlan!.metric) ? 'similar' : 'differs'} mainly in ${top.axis.replace(/_/g, ' ')} (${Math.round(top.share * 100)} %)`,
    );
  }
  if (missingSpaces.length > 0) {
    parts.push(
      `no ${missingSpaces.join(' or ')} value for this product, so the weights were renormalised over ${used.map((s) => s.space).join(', ')}`,
    );
  }
  if (dropped.length > 0) parts.push(`${dropped.join(', ')} not used: no liked example has a value there`);
  return {
    summary: `${parts.join('; ')}.`,
    spaces,
    missingSpaces,
    renormalized: missingSpaces.length > 0,
    attributes,
  };
}

const isSimilarityMetric = (metric: DistanceMetric): boolean =>
  metric === DistanceMetric.COSINE || metric === DistanceMetric.DOT_PRODUCT;

/**
 * Each axis's share of the attribute score: of the dot product for COSINE and DOT_PRODUCT (for
 * cosine, x·q/(|x||q|) splits into per-axis terms that sum to it), of the distance otherwise.
 */
function axisContributions(
  metric: DistanceMetric,
  axes: readonly AttributeAxis[],
  product: readonly number[],
  query: readonly number[],
): AxisContribution[] {
  const similarity = isSimilarityMetric(metric);
  const terms = axes.map((_, i) =>
    similarity ? product[i]! * query[i]! : Math.abs(product[i]! - query[i]!),
  );
  const total = terms.reduce((sum, value) => sum + Math.abs(value), 0);
  return axes.map((axis, i) => ({
    axis: axis.name,
    productValue: product[i]!,
    queryValue: query[i]!,
    share: total === 0 ? 0 : terms[i]! / total,
  }));
}
