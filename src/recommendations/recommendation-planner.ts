// Planning: turns a validated request into per-space plans — which model answers each image
// space, what each example contributes there (a stored product's own value, an embedded text or
// photo, a raw vector), and which spaces drop out because no liked example has a value in them.
import { type AttributeVectorService } from '../catalogue/attribute-vector.service.js';
import { type BehaviorModelService } from '../behavior/behavior-model.service.js';
import { type ShopperProfileService } from '../behavior/shopper-profile.service.js';
import { type EmbeddingSpaceService } from '../embeddings/embedding-space.service.js';
import { type QueryEmbedder } from '../embeddings/query-embedder.service.js';
import { ProductNotFoundError, ValidationError } from '../errors/domain-errors.js';
import { ImageSpace, type SpaceModel } from '../inference/ports.js';
import { type QueryTarget, type SpacePlan } from './recommendation-plan.js';
import { type ResolvedSpace, type ValidRequest } from './recommendation-request.js';
import { EmbeddingSpace, type Example, imageSpaceOf } from './recommendation.domain.js';
import { type ExampleSpaces, type RecommendationRepository } from './recommendation.repository.js';

export interface SpacePlans {
  readonly plans: readonly SpacePlan[];
  /** Requested spaces in which no liked example has a value. */
  readonly dropped: readonly EmbeddingSpace[];
  /** The product examples, never recommended themselves. */
  readonly exampleIds: readonly string[];
}

export class RecommendationPlanner {
  constructor(
    private readonly repository: RecommendationRepository,
    private readonly attributeVectors: AttributeVectorService,
    private readonly spaces: EmbeddingSpaceService,
    private readonly embedder: QueryEmbedder,
    private readonly behavior: BehaviorModelService,
    private readonly shoppers: ShopperProfileService,
  ) {}

  /**
   * The vector spaces a product example brings by default: attributes, image spaces with a model,
   * and BEHAVIOR once a model is trained.
   */
  async usableSpaces(): Promise<EmbeddingSpace[]> {
    const usable = [EmbeddingSpace.ATTRIBUTES];
    if (await this.spaces.activeModel(ImageSpace.IMAGE)) usable.push(EmbeddingSpace.IMAGE);
    if (await this.spaces.activeModel(ImageSpace.CLIP)) usable.push(EmbeddingSpace.CLIP);
    if (await this.behavior.activeModel()) usable.push(EmbeddingSpace.BEHAVIOR);
    return usable;
  }

  async plan(request: ValidRequest): Promise<SpacePlans> {
    const examples = [
      ...request.like.map((example, index) => ({ example, field: `like[${index}]` })),
      ...request.unlike.map((example, index) => ({ example, field: `unlike[${index}]` })),
    ];
    const exampleIds = examples.flatMap(({ example }) => (example.productId ? [example.productId] : []));
    // A shopper example brings their taste vectors; what they have seen is never recommended back.
    const tastes = new Map<string, { behavior: number[] | null; attributes: number[] | null }>();
    const seen: string[] = [];
    for (const { example, field } of examples) {
      if (!example.userToken || tastes.has(example.userToken)) continue;
      const profile = await this.shoppers.profile(example.userToken, `${field}.userToken`);
      tastes.set(example.userToken, {
        behavior: profile.behaviorVector,
        attributes: profile.attributeVector,
      });
      if (field.startsWith('like')) seen.push(...profile.seen);
    }
    const present = exampleIds.length > 0 ? await this.presence(exampleIds) : new Map<string, never>();
    const missing = examples.find(({ example }) => example.productId && !present.has(example.productId));
    if (missing) throw new ProductNotFoundError(missing.example.productId!, `${missing.field}.productId`);

    const plans: SpacePlan[] = [];
    const dropped: EmbeddingSpace[] = [];
    for (const resolved of request.spaces) {
      const model = await this.modelFor(resolved.space);
      const positives = await this.targets(request.like, 'like', resolved, model, present, tastes);
      if (positives.length === 0) {
        dropped.push(resolved.space);
        continue;
      }
      plans.push({
        ...resolved,
        dimension: this.dimensionOf(resolved.space, model),
        model,
        positives,
        negatives: await this.targets(request.unlike, 'unlike', resolved, model, present, tastes),
      });
    }
    if (plans.length === 0) throw this.nothingToCompare(request);
    return { plans, dropped, exampleIds: [...new Set([...exampleIds, ...seen])] };
  }

  /** A space's vector length: the attribute axes, or the serving model's dimension. */
  private dimensionOf(space: EmbeddingSpace, model: Pick<SpaceModel, 'dimension'> | null): number {
    return space === EmbeddingSpace.ATTRIBUTES
      ? this.attributeVectors.axes().length
      : (model?.dimension ?? 0);
  }

  /**
   * The plan when every example is a liked product id (similarProducts, "more like these"), built
   * without looking the products up: each liked product is a target in every requested space. A
   * product with no value in a space contributes NULL there, which the SQL scores exactly as if the
   * space had been dropped for it (averages skip NULLs; weights renormalise over present spaces);
   * whether the products exist is counted by the recommendation statement itself (`checkExamples`),
   * so the request costs one round trip. Null when this shortcut does not apply; `plan` then
   * answers.
   */
  async optimisticPlan(request: ValidRequest): Promise<SpacePlans | null> {
    if (request.unlike.length > 0 || request.like.some((example) => !example.productId)) return null;
    const exampleIds = [...new Set(request.like.map((example) => example.productId!))];
    const positives: QueryTarget[] = exampleIds.map((productId) => ({ kind: 'product', productId }));
    const plans: SpacePlan[] = [];
    for (const resolved of request.spaces) {
      let model: Pick<SpaceModel, 'modelId' | 'dimension'> | null;
      try {
        model = await this.modelFor(resolved.space);
      } catch {
        return null; // `plan` reports it, after the examples' own errors
      }
      plans.push({
        ...resolved,
        dimension: this.dimensionOf(resolved.space, model),
        model,
        positives,
        negatives: [],
      });
    }
    return { plans, dropped: [], exampleIds };
  }

  private async presence(productIds: readonly string[]): Promise<Map<string, ExampleSpaces>> {
    return this.repository.spacesOf(productIds, {
      image: (await this.spaces.activeModel(ImageSpace.IMAGE))?.modelId ?? null,
      clip: (await this.spaces.activeModel(ImageSpace.CLIP))?.modelId ?? null,
      behavior: (await this.behavior.activeModel())?.modelId ?? null,
    });
  }

  /**
   * The model of an image space or the trained BEHAVIOR version (MODEL_UNAVAILABLE when there is
   * none), or null for the other spaces.
   */
  private async modelFor(space: EmbeddingSpace): Promise<Pick<SpaceModel, 'modelId' | 'dimension'> | null> {
    if (space === EmbeddingSpace.BEHAVIOR) return this.behavior.requireActiveModel();
    const imageSpace = imageSpaceOf(space);
    return imageSpace ? this.spaces.requireActiveModel(imageSpace) : null;
  }

  private async targets(
    examples: readonly Example[],
    side: 'like' | 'unlike',
    resolved: ResolvedSpace,
    model: Pick<SpaceModel, 'modelId' | 'dimension'> | null,
    present: ReadonlyMap<string, ExampleSpaces>,
    tastes: ReadonlyMap<string, { behavior: number[] | null; attributes: number[] | null }>,
  ): Promise<QueryTarget[]> {
    const list: QueryTarget[] = [];
    for (const [index, example] of examples.entries()) {
      if (example.userToken) {
        const taste = tastes.get(example.userToken);
        const values =
          resolved.space === EmbeddingSpace.BEHAVIOR
            ? taste?.behavior
            : resolved.space === EmbeddingSpace.ATTRIBUTES
              ? taste?.attributes
              : null;
        if (values) list.push({ kind: 'vector', values });
        continue;
      }
      const target = await this.targetOf(example, resolved.space, model, present, `${side}[${index}]`);
      if (target) list.push(target);
    }
    return list;
  }

  /** What an example contributes to a space, or null when it has nothing there. */
  private async targetOf(
    example: Example,
    space: EmbeddingSpace,
    model: Pick<SpaceModel, 'modelId' | 'dimension'> | null,
    present: ReadonlyMap<string, ExampleSpaces>,
    field: string,
  ): Promise<QueryTarget | null> {
    if (example.productId) {
      const has = present.get(example.productId)!;
      const available =
        space === EmbeddingSpace.ATTRIBUTES ||
        (space === EmbeddingSpace.IMAGE && has.image) ||
        (space === EmbeddingSpace.CLIP && has.clip) ||
        (space === EmbeddingSpace.BEHAVIOR && has.behavior) ||
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

  private nothingToCompare(request: ValidRequest): ValidationError {
    const spaces = request.spaces.map((s) => s.space).join(', ');
    const [only] = request.like;
    if (request.like.length === 1 && only?.userToken) {
      return ValidationError.single(
        'like[0].userToken',
        `shopper ${JSON.stringify(only.userToken)} has no history to compare in ${spaces} (no interactions with existing products; recommendedForUser answers such shoppers with trending products)`,
      );
    }
    if (request.like.length === 1 && only?.productId) {
      return ValidationError.single(
        'like[0].productId',
        `product ${only.productId} has no value in ${spaces} (no photo, tags or location; or its photo is not embedded yet, see Product.embeddingStatus and \`npm run embeddings:backfill\`)`,
      );
    }
    return ValidationError.single(
      'like',
      `no liked example has a value in ${spaces} (no photo, no tags or no location)`,
    );
  }
}
