// The recommendation engine: examples (products, texts, photos, raw vectors) liked and unliked,
// several spaces weighted into one score, any metric of the design, filters that keep k,
// maximal marginal relevance, and an explanation of every score. Validates everything before any
// model or database work; the SQL lives in RecommendationRepository.
import {
  type FieldProblem,
  ModelUnavailableError,
  ProductNotFoundError,
  ValidationError,
} from '../errors/domain-errors.js';
import { type AttributeVectorService } from '../catalogue/attribute-vector.service.js';
import { ImageSpace, type SpaceModel } from '../embeddings/embedding.domain.js';
import { type EmbeddingSpaceService } from '../embeddings/embedding-space.service.js';
import { UUID } from '../catalogue/product-cursor.js';
import { type ProductService } from '../catalogue/product.service.js';
import { type QueryEmbedder } from '../embeddings/query-embedder.service.js';
import { type QueryTarget, type RecommendationPlan, type SpacePlan } from './recommendation-plan.js';
import {
  type AxisContribution,
  defaultMetric,
  DistanceMetric,
  EmbeddingSpace,
  type Example,
  type Explanation,
  K_DEFAULT,
  K_MAX,
  MAX_EXAMPLES,
  metricsFor,
  RecommendationStrategy,
  type RecommendationRequest,
  type ScoredProduct,
  type SpaceContribution,
  VECTOR_SPACES,
} from './recommendation.domain.js';
import { type RecommendationRepository, type ScoredRow } from './recommendation.repository.js';

const MAX_EXCLUDED = 1000;
/** Products scored for maximal marginal relevance before k are picked. */
const MMR_POOL = 100;

const imageSpaceOf = (space: EmbeddingSpace): ImageSpace | null =>
  space === EmbeddingSpace.IMAGE ? ImageSpace.IMAGE : space === EmbeddingSpace.CLIP ? ImageSpace.CLIP : null;

interface ResolvedSpace {
  readonly space: EmbeddingSpace;
  readonly weight: number;
  readonly metric: DistanceMetric;
  readonly p: number;
}

export class RecommendationEngine {
  constructor(
    private readonly repository: RecommendationRepository,
    private readonly products: ProductService,
    private readonly attributeVectors: AttributeVectorService,
    private readonly spaces: EmbeddingSpaceService,
    private readonly embedder: QueryEmbedder,
  ) {}

  /**
   * `fields.root` prefixes error paths (`input.like[0]`); `fields.productId` names the field of a
   * product example in errors (similarProducts' `productId`).
   */
  async recommend(
    request: RecommendationRequest,
    fields: { root?: string; productId?: (side: 'like' | 'unlike', index: number) => string } = {},
  ): Promise<ScoredProduct[]> {
    const at = (field: string): string => (fields.root ? `${fields.root}.${field}` : field);
    const productField = (side: 'like' | 'unlike', index: number): string =>
      fields.productId ? fields.productId(side, index) : at(`${side}[${index}].productId`);
    const problems: FieldProblem[] = [];
    const k = request.k ?? K_DEFAULT;
    if (!Number.isInteger(k) || k < 1 || k > K_MAX)
      problems.push({ field: at('k'), message: `must be an integer between 1 and ${K_MAX}` });
    const diversity = request.diversity ?? 0;
    if (!Number.isFinite(diversity) || diversity < 0 || diversity > 1) {
      problems.push({ field: at('diversity'), message: 'must be between 0 (off) and 1' });
    }
    if (request.minScore != null && !Number.isFinite(request.minScore)) {
      problems.push({ field: at('minScore'), message: 'must be a finite number' });
    }
    const like = request.like;
    const unlike = request.unlike ?? [];
    if (like.length === 0) problems.push({ field: at('like'), message: 'must hold at least one example' });
    if (like.length > MAX_EXAMPLES)
      problems.push({ field: at('like'), message: `must hold at most ${MAX_EXAMPLES} examples` });
    if (unlike.length > MAX_EXAMPLES)
      problems.push({ field: at('unlike'), message: `must hold at most ${MAX_EXAMPLES} examples` });
    like.forEach((example, index) => this.checkExample(example, at(`like[${index}]`), problems));
    unlike.forEach((example, index) => this.checkExample(example, at(`unlike[${index}]`), problems));
    const excludeIds = request.excludeIds ?? [];
    if (excludeIds.length > MAX_EXCLUDED)
      problems.push({ field: at('excludeIds'), message: `must hold at most ${MAX_EXCLUDED} ids` });
    excludeIds.forEach((id, index) => {
      if (!UUID.test(id))
        problems.push({ field: at(`excludeIds[${index}]`), message: 'is not a product id (a UUID)' });
    });
    const requestedSpaces = this.resolveSpaces(request, like, at, problems);
    if (problems.length > 0) throw new ValidationError(problems);
    const filter = this.products.resolveFilter(request.filter, at('filter'));

    // Which spaces each example product has values in; unknown products are NOT_FOUND.
    const exampleIds = [...like, ...unlike].flatMap((example) =>
      example.productId ? [example.productId] : [],
    );
    const models = {
      image: (await this.spaces.activeModel(ImageSpace.IMAGE))?.modelId ?? null,
      clip: (await this.spaces.activeModel(ImageSpace.CLIP))?.modelId ?? null,
    };
    const present =
      exampleIds.length > 0 ? await this.repository.spacesOf(exampleIds, models) : new Map<string, never>();
    const missing = [
      ...like.map((example, index) => ({ example, field: productField('like', index) })),
      ...unlike.map((example, index) => ({ example, field: productField('unlike', index) })),
    ].find(({ example }) => example.productId && !present.has(example.productId));
    if (missing) throw new ProductNotFoundError(missing.example.productId!, missing.field);

    const plans: SpacePlan[] = [];
    const dropped: EmbeddingSpace[] = [];
    for (const resolved of requestedSpaces) {
      const model = await this.modelFor(resolved.space);
      const targets = async (examples: readonly Example[], side: string) => {
        const list: QueryTarget[] = [];
        for (const [index, example] of examples.entries()) {
          const target = await this.targetOf(
            example,
            resolved.space,
            model,
            present,
            at(`${side}[${index}]`),
          );
          if (target) list.push(target);
        }
        return list;
      };
      const positives = await targets(like, 'like');
      if (positives.length === 0) {
        dropped.push(resolved.space);
        continue;
      }
      plans.push({
        ...resolved,
        dimension:
          resolved.space === EmbeddingSpace.ATTRIBUTES
            ? this.attributeVectors.axes().length
            : (model?.dimension ?? 0),
        model,
        positives,
        negatives: await targets(unlike, 'unlike'),
      });
    }
    if (plans.length === 0 && like.length === 1 && like[0]!.productId) {
      throw ValidationError.single(
        productField('like', 0),
        `product ${like[0]!.productId} has no value in ${requestedSpaces.map((s) => s.space).join(', ')} (no photo, tags or location; or its photo is not embedded yet, see Product.embeddingStatus and \`npm run embeddings:backfill\`)`,
      );
    }
    if (plans.length === 0) {
      throw ValidationError.single(
        at('like'),
        `no liked example has a value in ${requestedSpaces.map((s) => s.space).join(', ')} (no photo, no tags or no location)`,
      );
    }

    const excluded = [...new Set([...excludeIds, ...exampleIds])];
    const pool = diversity > 0 ? Math.max(k, Math.min(MMR_POOL, k * 5)) : k;
    const simple = plans.length === 1 && plans[0]!.positives.length === 1 && plans[0]!.negatives.length === 0;
    const plan: RecommendationPlan = {
      spaces: plans,
      strategy: request.strategy ?? RecommendationStrategy.AVERAGE_VECTOR,
      filter,
      excludeIds: excluded,
      limit: pool,
      // One space and one example: the index order is the answer, unless a filter makes the index
      // scan iterative (relaxed order: at 100k products a 1 % filter kept recall@10 at 0.82 with k
      // candidates, 1.0 with 4k, bench/). Several spaces or examples: more candidates per space,
      // since the best combined products need not be the best in any single space.
      candidatesPerTarget: simple ? (filter ? Math.max(pool * 4, 40) : pool) : Math.max(pool * 4, 100),
      minScore: request.minScore ?? null,
    };
    let rows = await this.repository.recommend(plan);
    if (diversity > 0) rows = await this.diversify(plan, rows, k, diversity);
    let attributeQuery: Promise<number[] | null> | null = null;
    const explainAttributes = (): Promise<number[] | null> => {
      const space = plans.find((s) => s.space === EmbeddingSpace.ATTRIBUTES);
      attributeQuery ??= space ? this.repository.attributeQuery(space) : Promise.resolve(null);
      return attributeQuery;
    };
    return rows.map((row) => {
      const product = this.products.toProduct(row.record);
      const single = plans.length === 1;
      return {
        product,
        score: row.score,
        distance: single ? (row.distances[0] ?? 1 - row.score) : 1 - row.score,
        explain: async () =>
          this.explanation(
            plans,
            dropped,
            row,
            product.attributes.map((a) => a.value),
            await explainAttributes(),
          ),
      };
    });
  }

  private checkExample(example: Example, field: string, problems: FieldProblem[]): void {
    const given = (['productId', 'text', 'image', 'vector'] as const).filter((key) => example[key] != null);
    if (given.length !== 1) {
      problems.push({ field, message: 'give exactly one of productId, text, image or vector' });
      return;
    }
    if (example.productId != null && !UUID.test(example.productId)) {
      problems.push({ field: `${field}.productId`, message: 'is not a product id (a UUID)' });
    }
    if (example.text != null && (example.text.trim().length === 0 || example.text.length > 1000)) {
      problems.push({ field: `${field}.text`, message: 'must be 1–1000 characters' });
    }
    if (example.image != null) {
      const sources = [example.image.url, example.image.base64].filter(
        (value) => value != null && value !== '',
      ).length;
      if (sources !== 1)
        problems.push({ field: `${field}.image`, message: 'give exactly one of url or base64' });
    }
    if (example.vector != null) {
      if (!example.space || example.space === EmbeddingSpace.TAGS) {
        problems.push({
          field: `${field}.space`,
          message: 'a vector example needs its space: ATTRIBUTES, IMAGE, CLIP or GEO ([latitude, longitude])',
        });
      } else if (!example.vector.every(Number.isFinite)) {
        problems.push({ field: `${field}.vector`, message: 'must hold finite numbers' });
      } else if (
        example.space === EmbeddingSpace.ATTRIBUTES &&
        example.vector.length !== this.attributeVectors.axes().length
      ) {
        problems.push({
          field: `${field}.vector`,
          message: `must have ${this.attributeVectors.axes().length} components, one per attribute axis`,
        });
      } else if (example.space === EmbeddingSpace.GEO) {
        const [latitude, longitude] = example.vector;
        if (example.vector.length !== 2 || Math.abs(latitude!) > 90 || Math.abs(longitude!) > 180) {
          problems.push({
            field: `${field}.vector`,
            message: 'a GEO vector is [latitude, longitude] in degrees',
          });
        }
      } else if (example.vector.every((value) => value === 0)) {
        problems.push({ field: `${field}.vector`, message: 'must not be all zeros' });
      }
    } else if (example.space != null) {
      problems.push({ field: `${field}.space`, message: 'only a vector example takes a space' });
    }
  }

  private resolveSpaces(
    request: RecommendationRequest,
    like: readonly Example[],
    at: (field: string) => string,
    problems: FieldProblem[],
  ): ResolvedSpace[] {
    const checkMetric = (
      space: EmbeddingSpace,
      metric: DistanceMetric | null | undefined,
      p: number | null | undefined,
      field: string,
    ) => {
      const chosen = metric ?? request.metric ?? defaultMetric(space);
      if (!metricsFor(space).includes(chosen)) {
        problems.push({
          field: metric ? field : at('metric'),
          message: `${chosen} does not apply to ${space}; it takes ${metricsFor(space).join(', ')}`,
        });
      }
      const exponent = p ?? request.p;
      if (
        chosen === DistanceMetric.MINKOWSKI &&
        (exponent == null || !Number.isFinite(exponent) || exponent < 1 || exponent > 100)
      ) {
        problems.push({
          field: p != null ? `${field.replace(/\.metric$/, '')}.p` : at('p'),
          message: 'MINKOWSKI needs p between 1 and 100',
        });
      }
      return { metric: chosen, p: exponent ?? 2 };
    };
    if (request.spaces && request.spaces.length > 0) {
      const seen = new Set<EmbeddingSpace>();
      const resolved = request.spaces.map((entry, index) => {
        const field = at(`spaces[${index}]`);
        if (seen.has(entry.space))
          problems.push({ field: `${field}.space`, message: `${entry.space} is given more than once` });
        seen.add(entry.space);
        if (!Number.isFinite(entry.weight) || entry.weight < 0 || entry.weight > 1000) {
          problems.push({ field: `${field}.weight`, message: 'must be between 0 and 1000' });
        }
        return {
          space: entry.space,
          weight: entry.weight,
          ...checkMetric(entry.space, entry.metric, entry.p, `${field}.metric`),
        };
      });
      const active = resolved.filter((entry) => entry.weight > 0);
      if (active.length === 0)
        problems.push({ field: at('spaces'), message: 'at least one space needs a weight above 0' });
      return active;
    }
    // No spaces given: every vector space the examples can supply, weighted equally.
    const spaces = new Set<EmbeddingSpace>();
    for (const example of like) {
      if (example.productId) VECTOR_SPACES.forEach((space) => spaces.add(space));
      if (example.text) spaces.add(EmbeddingSpace.CLIP);
      if (example.image) [EmbeddingSpace.IMAGE, EmbeddingSpace.CLIP].forEach((space) => spaces.add(space));
      if (example.vector && example.space) spaces.add(example.space);
    }
    return [...spaces].map((space) => ({
      space,
      weight: 1,
      ...checkMetric(space, null, null, at('metric')),
    }));
  }

  /** The model of an image space, or null for the other spaces; drops spaces without one when several are asked for. */
  private async modelFor(space: EmbeddingSpace): Promise<SpaceModel | null> {
    const imageSpace = imageSpaceOf(space);
    if (!imageSpace) return null;
    const model = await this.spaces.activeModel(imageSpace);
    if (!model) {
      throw new ModelUnavailableError(
        space.toLowerCase(),
        `no ${space} model is configured (set ${space === EmbeddingSpace.IMAGE ? 'IMAGE_MODEL' : 'CLIP_MODEL'})`,
      );
    }
    return model;
  }

  /** What an example contributes to a space, or null when it has nothing there. */
  private async targetOf(
    example: Example,
    space: EmbeddingSpace,
    model: SpaceModel | null,
    present: Map<string, { tags: boolean; geo: boolean; image: boolean; clip: boolean }>,
    field: string,
  ): Promise<QueryTarget | null> {
    if (example.productId) {
      const has = present.get(example.productId)!;
      const available =
        space === EmbeddingSpace.ATTRIBUTES ||
        (space === EmbeddingSpace.IMAGE && has.image) ||
        (space === EmbeddingSpace.CLIP && has.clip) ||
        (space === EmbeddingSpace.TAGS && has.tags) ||
        (space === EmbeddingSpace.GEO && has.geo);
      return available ? { kind: 'product', productId: example.productId } : null;
    }
    if (example.vector && example.space) {
      if (example.space !== space) return null;
      if (space === EmbeddingSpace.GEO)
        return { kind: 'point', latitude: example.vector[0]!, longitude: example.vector[1]! };
      if (model && example.vector.length !== model.dimension) {
        throw ValidationError.single(
          `${field}.vector`,
          `must have ${model.dimension} components (the ${space} model ${model.modelId})`,
        );
      }
      return { kind: 'vector', values: example.vector };
    }
    if (example.text) {
      if (space !== EmbeddingSpace.CLIP || !model) return null;
      const { vectors } = await this.embedder.embedTexts([example.text.trim()], model.modelId);
      return { kind: 'vector', values: vectors[0]! };
    }
    if (example.image) {
      const imageSpace = imageSpaceOf(space);
      if (!imageSpace || !model) return null;
      return {
        kind: 'vector',
        values: await this.embedder.embedImage(example.image, `${field}.image`, imageSpace, model.modelId),
      };
    }
    return null;
  }

  /** Maximal marginal relevance: repeatedly the product best balancing relevance and novelty. */
  private async diversify(
    plan: RecommendationPlan,
    rows: ScoredRow[],
    k: number,
    diversity: number,
  ): Promise<ScoredRow[]> {
    const similarity = await this.repository.pairwiseSimilarity(
      plan,
      rows.map((row) => row.record.id),
    );
    const pair = (a: string, b: string): number => similarity.get(a < b ? `${a}|${b}` : `${b}|${a}`) ?? 0;
    const selected: ScoredRow[] = [];
    const remaining = [...rows];
    while (selected.length < k && remaining.length > 0) {
      let bestIndex = 0;
      let bestValue = -Infinity;
      remaining.forEach((row, index) => {
        const redundancy =
          selected.length === 0 ? 0 : Math.max(...selected.map((s) => pair(s.record.id, row.record.id)));
        const value = (1 - diversity) * row.score - diversity * redundancy;
        if (value > bestValue) {
          bestValue = value;
          bestIndex = index;
        }
      });
      selected.push(remaining.splice(bestIndex, 1)[0]!);
    }
    return selected;
  }

  private explanation(
    plans: readonly SpacePlan[],
    dropped: readonly EmbeddingSpace[],
    row: ScoredRow,
    productScores: readonly number[],
    attributeQuery: readonly number[] | null,
  ): Explanation {
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
      attributePlan && attributeQuery
        ? this.axisContributions(attributePlan.metric, productScores, attributeQuery)
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
      const similarityMetric =
        attributePlan!.metric === DistanceMetric.COSINE ||
        attributePlan!.metric === DistanceMetric.DOT_PRODUCT;
      parts.push(
        `${similarityMetric ? 'similar' : 'differs'} mainly in ${top.axis.replace(/_/g, ' ')} (${Math.round(top.share * 100)} %)`,
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

  /**
   * Each axis's share of the attribute score: of the dot product for COSINE and DOT_PRODUCT (for
   * cosine, x·q/(|x||q|) splits into per-axis terms that sum to it), of the distance otherwise.
   */
  private axisContributions(
    metric: DistanceMetric,
    product: readonly number[],
    query: readonly number[],
  ): AxisContribution[] {
    const axes = this.attributeVectors.axes();
    const similarity = metric === DistanceMetric.COSINE || metric === DistanceMetric.DOT_PRODUCT;
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
}
