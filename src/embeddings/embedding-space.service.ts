// Which model's vectors answer queries in each image space, and the embedding status of products.
import { ModelUnavailableError } from '../errors/domain-errors.js';
import { type ModelProvider } from '../inference/ports.js';
import { EmbeddingState, type EmbeddingStatus } from './embedding.domain.js';
import { ImageSpace, type SpaceModel } from '../inference/ports.js';
import { type EmbeddingRepository } from './embedding.repository.js';
import { type EmbeddingSpaceRepository } from './embedding-space.repository.js';

export const IMAGE_SPACES = [ImageSpace.IMAGE, ImageSpace.CLIP] as const;

/**
 * A switch made by another process is announced on the change feed, which drops the cache at
 * once; should that notification be lost, the active model is re-read after this long anyway.
 */
export const ACTIVE_MODEL_CACHE_MS = 5_000;

export class EmbeddingSpaceService {
  private readonly active = new Map<ImageSpace, { model: SpaceModel | null; at: number }>();
  /** Bumped by invalidate(): a read that began before it must not refill the cache. */
  private generation = 0;

  constructor(
    private readonly spaces: EmbeddingSpaceRepository,
    private readonly embeddings: EmbeddingRepository,
    private readonly models: ModelProvider,
  ) {}

  /**
   * Called at start-up: a space without an active model adopts the configured one. When the
   * configured model differs from the active one, it becomes the target the re-embedding job fills.
   */
  async reconcile(): Promise<void> {
    for (const space of IMAGE_SPACES) {
      const configured = this.models.configured(space);
      const state = await this.spaces.get(space);
      if (configured && state.activeModelId === null) {
        await this.spaces.set(space, { activeModelId: configured.modelId, targetModelId: null });
      } else if (
        configured &&
        state.activeModelId !== configured.modelId &&
        state.targetModelId !== configured.modelId
      ) {
        await this.spaces.set(space, {
          activeModelId: state.activeModelId,
          targetModelId: configured.modelId,
        });
      }
      this.active.delete(space);
    }
  }

  /** Forgets the cached active models (a space switched, in this process or another). */
  invalidate(): void {
    this.generation += 1;
    this.active.clear();
  }

  /** The model whose vectors answer queries in `space`, or null when the space has none. */
  async activeModel(space: ImageSpace): Promise<SpaceModel | null> {
    const cached = this.active.get(space);
    if (cached && Date.now() - cached.at <= ACTIVE_MODEL_CACHE_MS) return cached.model;
    const at = Date.now();
    const generation = this.generation;
    const state = await this.spaces.get(space);
    const model = state.activeModelId ? this.models.describe(state.activeModelId) : null;
    if (generation === this.generation) this.active.set(space, { model, at });
    return model;
  }

  /** The active model of `space`; MODEL_UNAVAILABLE naming the setting when the space has none. */
  async requireActiveModel(space: ImageSpace): Promise<SpaceModel> {
    const model = await this.activeModel(space);
    if (!model) {
      const variable = space === ImageSpace.IMAGE ? 'IMAGE_MODEL' : 'CLIP_MODEL';
      throw new ModelUnavailableError(
        space.toLowerCase(),
        `no ${space} model is configured (set ${variable})`,
      );
    }
    return model;
  }

  /**
   * The models new images are embedded with: the active one and, while a re-embedding runs, its
   * target, so a product added meanwhile is findable before and after the switch.
   */
  async ingestModelIds(space: ImageSpace): Promise<string[]> {
    const state = await this.spaces.get(space);
    const configured = this.models.configured(space)?.modelId ?? null;
    return [...new Set([state.activeModelId, state.targetModelId, configured])].filter(
      (id): id is string => id !== null && this.models.describe(id) !== null,
    );
  }

  /** Creates the active models' vector indexes (idempotent). */
  async ensureIndexes(): Promise<void> {
    for (const space of IMAGE_SPACES) {
      const model = await this.activeModel(space);
      if (model) await this.embeddings.ensureIndex(model);
    }
  }

  /** Per product, whether each image space has a vector of its active model. */
  async statuses(productIds: readonly string[]): Promise<Map<string, EmbeddingStatus[]>> {
    const [byProduct, withImage] = await Promise.all([
      this.embeddings.modelsByProduct(productIds),
      this.embeddings.productsWithImage(productIds),
    ]);
    const models = await Promise.all(IMAGE_SPACES.map((space) => this.activeModel(space)));
    return new Map(
      productIds.map((productId) => [
        productId,
        IMAGE_SPACES.map((space, index): EmbeddingStatus => {
          const model = models[index] ?? null;
          if (!model) return { space, modelId: null, state: EmbeddingState.DISABLED };
          if (!withImage.has(productId))
            return { space, modelId: model.modelId, state: EmbeddingState.NO_IMAGE };
          const present = (byProduct.get(productId) ?? []).some((row) => row.modelId === model.modelId);
          return {
            space,
            modelId: model.modelId,
            state: present ? EmbeddingState.PRESENT : EmbeddingState.MISSING,
          };
        }),
      ]),
    );
  }
}
