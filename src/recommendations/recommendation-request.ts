// Validation of a recommendation request, before any model or database work: k, diversity,
// examples, excluded ids, spaces, weights and metrics. Every problem names its field relative to
// the request (`like[0].productId`); callers translate paths into their own argument names.
import { userTokenProblem } from '../behavior/shopper-profile.service.js';
import { productIdProblem } from '../catalogue/product-id.js';
import { queryTextProblem } from '../embeddings/query-text.js';
import { type FieldProblem, ValidationError } from '../errors/domain-errors.js';
import { imageSourceProblem } from '../imaging/image-source.js';
import {
  defaultMetric,
  DistanceMetric,
  EmbeddingSpace,
  type Example,
  K_DEFAULT,
  K_MAX,
  MAX_EXAMPLES,
  metricsFor,
  RecommendationStrategy,
  type RecommendationRequest,
  VECTOR_SPACES,
} from './recommendation.domain.js';

const MAX_EXCLUDED = 1000;

/** The one rule for k: an integer from 1 to K_MAX, K_DEFAULT when absent. */
export function kProblem(k: number | null | undefined, field: string): FieldProblem | null {
  const value = k ?? K_DEFAULT;
  return Number.isInteger(value) && value >= 1 && value <= K_MAX
    ? null
    : { field, message: `must be an integer between 1 and ${K_MAX}, got ${value}` };
}

export function assertK(k: number | null | undefined, field = 'k'): number {
  const problem = kProblem(k, field);
  if (problem) throw new ValidationError([problem]);
  return k ?? K_DEFAULT;
}

/** A space the request scores on, with its weight and metric settled. */
export interface ResolvedSpace {
  readonly space: EmbeddingSpace;
  readonly weight: number;
  readonly metric: DistanceMetric;
  readonly p: number;
}

export interface ValidRequest {
  readonly like: readonly Example[];
  readonly unlike: readonly Example[];
  readonly k: number;
  readonly diversity: number;
  readonly minScore: number | null;
  readonly strategy: RecommendationStrategy;
  readonly excludeIds: readonly string[];
  readonly spaces: readonly ResolvedSpace[];
}

/**
 * Checks everything that can be checked without the database. `usableSpaces` are the vector spaces
 * a product example may bring by default (those whose model is configured).
 */
export function validateRequest(
  request: RecommendationRequest,
  context: { readonly attributeDimension: number; readonly usableSpaces: readonly EmbeddingSpace[] },
): ValidRequest {
  const problems: FieldProblem[] = [];
  const push = (problem: FieldProblem | null): void => {
    if (problem) problems.push(problem);
  };
  push(kProblem(request.k, 'k'));
  const diversity = request.diversity ?? 0;
  if (!Number.isFinite(diversity) || diversity < 0 || diversity > 1) {
    problems.push({ field: 'diversity', message: 'must be between 0 (off) and 1' });
  }
  if (request.minScore != null && !Number.isFinite(request.minScore)) {
    problems.push({ field: 'minScore', message: 'must be a finite number' });
  }
  const like = request.like;
  const unlike = request.unlike ?? [];
  if (like.length === 0) problems.push({ field: 'like', message: 'must hold at least one example' });
  for (const [side, examples] of [
    ['like', like],
    ['unlike', unlike],
  ] as const) {
    if (examples.length > MAX_EXAMPLES)
      problems.push({ field: side, message: `must hold at most ${MAX_EXAMPLES} examples` });
    examples.forEach((example, index) =>
      checkExample(example, `${side}[${index}]`, context.attributeDimension, problems),
    );
  }
  const excludeIds = request.excludeIds ?? [];
  if (excludeIds.length > MAX_EXCLUDED)
    problems.push({ field: 'excludeIds', message: `must hold at most ${MAX_EXCLUDED} ids` });
  excludeIds.forEach((id, index) => push(productIdProblem(id, `excludeIds[${index}]`)));
  const spaces = resolveSpaces(request, like, context.usableSpaces, problems);
  if (problems.length > 0) throw new ValidationError(problems);
  return {
    like,
    unlike,
    k: request.k ?? K_DEFAULT,
    diversity,
    minScore: request.minScore ?? null,
    strategy: request.strategy ?? RecommendationStrategy.AVERAGE_VECTOR,
    excludeIds,
    spaces,
  };
}

function checkExample(
  example: Example,
  field: string,
  attributeDimension: number,
  problems: FieldProblem[],
): void {
  const given = (['productId', 'text', 'image', 'vector', 'userToken'] as const).filter(
    (key) => example[key] != null,
  );
  if (given.length !== 1) {
    problems.push({ field, message: 'give exactly one of productId, text, image, vector or userToken' });
    return;
  }
  const push = (problem: FieldProblem | null): void => {
    if (problem) problems.push(problem);
  };
  if (example.productId != null) push(productIdProblem(example.productId, `${field}.productId`));
  if (example.text != null) push(queryTextProblem(example.text, `${field}.text`));
  if (example.userToken != null) push(userTokenProblem(example.userToken, `${field}.userToken`));
  if (example.image != null) push(imageSourceProblem(example.image, `${field}.image`));
  if (example.vector != null) {
    push(vectorProblem(example.vector, example.space, field, attributeDimension));
  } else if (example.space != null) {
    problems.push({ field: `${field}.space`, message: 'only a vector example takes a space' });
  }
}

function vectorProblem(
  vector: readonly number[],
  space: EmbeddingSpace | null | undefined,
  field: string,
  attributeDimension: number,
): FieldProblem | null {
  if (!space || space === EmbeddingSpace.TAGS) {
    return {
      field: `${field}.space`,
      message:
        'a vector example needs its space: ATTRIBUTES, IMAGE, CLIP, BEHAVIOR or GEO ([latitude, longitude])',
    };
  }
  if (!vector.every(Number.isFinite))
    return { field: `${field}.vector`, message: 'must hold finite numbers' };
  if (space === EmbeddingSpace.ATTRIBUTES && vector.length !== attributeDimension) {
    return {
      field: `${field}.vector`,
      message: `must have ${attributeDimension} components, one per attribute axis`,
    };
  }
  if (space === EmbeddingSpace.GEO) {
    const [latitude, longitude] = vector;
    return vector.length !== 2 || Math.abs(latitude!) > 90 || Math.abs(longitude!) > 180
      ? { field: `${field}.vector`, message: 'a GEO vector is [latitude, longitude] in degrees' }
      : null;
  }
  return vector.every((value) => value === 0)
    ? { field: `${field}.vector`, message: 'must not be all zeros' }
    : null;
}

function resolveSpaces(
  request: RecommendationRequest,
  like: readonly Example[],
  usableSpaces: readonly EmbeddingSpace[],
  problems: FieldProblem[],
): ResolvedSpace[] {
  const checkMetric = (
    space: EmbeddingSpace,
    metric: DistanceMetric | null | undefined,
    p: number | null | undefined,
    field: string,
  ): { metric: DistanceMetric; p: number } => {
    const chosen = metric ?? request.metric ?? defaultMetric(space);
    if (!metricsFor(space).includes(chosen)) {
      problems.push({
        field: metric ? `${field}.metric` : 'metric',
        message: `${chosen} does not apply to ${space}; it takes ${metricsFor(space).join(', ')}`,
      });
    }
    const exponent = p ?? request.p;
    if (
      chosen === DistanceMetric.MINKOWSKI &&
      (exponent == null || !Number.isFinite(exponent) || exponent < 1 || exponent > 100)
    ) {
      problems.push({
        field: p != null ? `${field}.p` : 'p',
        message: 'MINKOWSKI needs p between 1 and 100',
      });
    }
    return { metric: chosen, p: exponent ?? 2 };
  };
  if (request.spaces && request.spaces.length > 0) {
    const seen = new Set<EmbeddingSpace>();
    const resolved = request.spaces.map((entry, index) => {
      const field = `spaces[${index}]`;
      if (seen.has(entry.space))
        problems.push({ field: `${field}.space`, message: `${entry.space} is given more than once` });
      seen.add(entry.space);
      if (!Number.isFinite(entry.weight) || entry.weight < 0 || entry.weight > 1000) {
        problems.push({ field: `${field}.weight`, message: 'must be between 0 and 1000' });
      }
      return {
        space: entry.space,
        weight: entry.weight,
        ...checkMetric(entry.space, entry.metric, entry.p, field),
      };
    });
    const active = resolved.filter((entry) => entry.weight > 0);
    if (active.length === 0)
      problems.push({ field: 'spaces', message: 'at least one space needs a weight above 0' });
    return active;
  }
  // No spaces given: every vector space the examples can supply, weighted equally.
  const spaces = new Set<EmbeddingSpace>();
  for (const example of like) {
    if (example.productId)
      VECTOR_SPACES.filter((space) => usableSpaces.includes(space)).forEach((space) => spaces.add(space));
    if (example.text) spaces.add(EmbeddingSpace.CLIP);
    // A shopper's taste is learned behaviour; their attribute mean is a stand-in until a model is
    // trained (mixing both by default would let products without behaviour win on attributes alone).
    if (example.userToken) {
      spaces.add(
        usableSpaces.includes(EmbeddingSpace.BEHAVIOR) ? EmbeddingSpace.BEHAVIOR : EmbeddingSpace.ATTRIBUTES,
      );
    }
    if (example.image) [EmbeddingSpace.IMAGE, EmbeddingSpace.CLIP].forEach((space) => spaces.add(space));
    if (example.vector && example.space) spaces.add(example.space);
  }
  return [...spaces].map((space) => ({ space, weight: 1, ...checkMetric(space, null, null, 'metric') }));
}
