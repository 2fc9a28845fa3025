// Runs the configured models: loads each on first use (verifying its files), shares one session
// per model across requests, reports what is installed, and downloads missing models in the
// background when allowed. A missing model never stops the service: the queries that need it get
// MODEL_UNAVAILABLE naming the command that installs it.
import { type Logger } from 'pino';
import { ModelUnavailableError } from '../errors/domain-errors.js';
import { ClipImageModel } from './clip-image-model.js';
import { ClipTextModel } from './clip-text-model.js';
import { CnnImageModel } from './cnn-image-model.js';
import {
  type ClipTextEncoder,
  type ImageEncoder,
  type ModelProvider,
  ModelState,
  type ModelStatus,
} from './ports.js';
import { ImageSpace, type SpaceModel } from './ports.js';
import { type ImagePreprocessor } from '../imaging/image-preprocessor.js';
import { type ModelDownloader } from './model-downloader.js';
import { type ModelRegistry, type ModelSpec } from './model-manifest.js';

export interface ModelProviderOptions {
  readonly modelsDir: string;
  readonly imageModelId: string | null;
  readonly clipModelId: string | null;
  readonly threads?: number | undefined;
}

type Loaded = { encoder: ImageEncoder; release(): Promise<void> };

const spaceOf = (spec: ModelSpec): ImageSpace => (spec.kind === 'cnn' ? ImageSpace.IMAGE : ImageSpace.CLIP);

export class OnnxModelProvider implements ModelProvider {
  private readonly images = new Map<string, Promise<Loaded>>();
  private readonly texts = new Map<string, Promise<ClipTextModel>>();
  private readonly failures = new Map<string, string>();
  private readonly downloading = new Set<string>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly preprocessor: ImagePreprocessor,
    private readonly downloader: ModelDownloader,
    private readonly options: ModelProviderOptions,
    private readonly logger: Logger,
  ) {
    for (const [variable, id, kind] of [
      ['IMAGE_MODEL', options.imageModelId, 'cnn'],
      ['CLIP_MODEL', options.clipModelId, 'clip'],
    ] as const) {
      if (id === null) continue;
      const spec = registry.find(id);
      if (!spec || spec.kind !== kind) {
        const choices = registry.models.filter((m) => m.kind === kind).map((m) => m.id);
        throw new Error(
          `${variable}=${id} is not a ${kind} model of the manifest; choose one of: ${choices.join(', ')}`,
        );
      }
    }
  }

  configured(space: ImageSpace): SpaceModel | null {
    const id = space === ImageSpace.IMAGE ? this.options.imageModelId : this.options.clipModelId;
    return id === null ? null : this.describe(id);
  }

  describe(modelId: string): SpaceModel | null {
    const spec = this.registry.find(modelId);
    return spec ? { space: spaceOf(spec), modelId: spec.id, dimension: spec.dimension } : null;
  }

  async imageEncoder(space: ImageSpace, modelId?: string): Promise<ImageEncoder> {
    const id = modelId ?? this.configured(space)?.modelId;
    if (!id) throw new ModelUnavailableError(space.toLowerCase(), `no ${space} model is configured`);
    const spec = this.registry.find(id);
    if (!spec || spaceOf(spec) !== space)
      throw new ModelUnavailableError(id, `it is not a ${space} model of the manifest`);
    let loading = this.images.get(id);
    if (!loading) {
      loading = this.loadImageModel(spec);
      this.images.set(id, loading);
      // A failed load is forgotten, so installing the files later makes the model usable.
      loading.catch((error: unknown) => this.forget(id, error));
    }
    return (await loading).encoder;
  }

  async textEncoder(modelId?: string): Promise<ClipTextEncoder> {
    const id = modelId ?? this.options.clipModelId;
    if (!id) throw new ModelUnavailableError('clip', 'no CLIP model is configured (CLIP_MODEL)');
    const spec = this.registry.find(id);
    if (spec?.kind !== 'clip') throw new ModelUnavailableError(id, 'it is not a CLIP model of the manifest');
    let loading = this.texts.get(id);
    if (!loading) {
      loading = ClipTextModel.load(spec, this.options.modelsDir, this.sessionOptions());
      this.texts.set(id, loading);
      loading.catch((error: unknown) => {
        this.texts.delete(id);
        this.failures.set(`${id}#text`, error instanceof Error ? error.message : String(error));
      });
    }
    const model = await loading;
    return {
      modelId: spec.id,
      dimension: spec.dimension,
      logitScale: spec.logitScale,
      encode: (texts) => model.embed(texts),
    };
  }

  async statuses(): Promise<ModelStatus[]> {
    const configuredIds = new Set([this.options.imageModelId, this.options.clipModelId]);
    return Promise.all(
      this.registry.models.map(async (spec) => {
        const base = {
          id: spec.id,
          space: spaceOf(spec),
          kind: spec.kind,
          dimension: spec.dimension,
          configured: configuredIds.has(spec.id),
          installCommand: `npm run models:download ${spec.id}`,
        };
        if (this.downloading.has(spec.id)) return { ...base, state: ModelState.DOWNLOADING, reason: null };
        if (await this.isLoaded(spec.id)) return { ...base, state: ModelState.LOADED, reason: null };
        const failure = this.failures.get(spec.id) ?? this.failures.get(`${spec.id}#text`);
        const status = await this.downloader.status(spec);
        const missing = status.files.filter((file) => file.state === 'missing').map((file) => file.path);
        if (missing.length > 0)
          return { ...base, state: ModelState.MISSING, reason: `missing ${missing.join(', ')}` };
        if (failure) return { ...base, state: ModelState.INVALID, reason: failure };
        const invalid = status.files.filter((file) => file.state === 'invalid').map((file) => file.path);
        if (invalid.length > 0)
          return { ...base, state: ModelState.INVALID, reason: `wrong size: ${invalid.join(', ')}` };
        return { ...base, state: ModelState.AVAILABLE, reason: null };
      }),
    );
  }

  /** Downloads configured models whose files are missing, one after another, in the background. */
  async downloadMissing(): Promise<void> {
    for (const id of [this.options.imageModelId, this.options.clipModelId]) {
      if (!id) continue;
      const spec = this.registry.get(id);
      const status = await this.downloader.status(spec);
      if (status.files.every((file) => file.state !== 'missing')) continue;
      this.downloading.add(id);
      try {
        this.logger.info({ modelId: id }, `downloading model ${id}`);
        const result = await this.downloader.ensure(spec);
        this.failures.delete(id);
        this.logger.info({ modelId: id, files: result.downloaded }, `model ${id} is installed`);
      } catch (error) {
        this.logger.warn({ modelId: id }, error instanceof Error ? error.message : String(error));
      } finally {
        this.downloading.delete(id);
      }
    }
  }

  async close(): Promise<void> {
    const loaded = await Promise.allSettled([...this.images.values()]);
    for (const result of loaded) if (result.status === 'fulfilled') await result.value.release();
    this.images.clear();
    for (const text of this.texts.values())
      await text.then((model) => model.release()).catch(() => undefined);
    this.texts.clear();
  }

  private async isLoaded(id: string): Promise<boolean> {
    const image = this.images.get(id);
    if (image && (await image.then(() => true).catch(() => false))) return true;
    const text = this.texts.get(id);
    return text !== undefined && (await text.then(() => true).catch(() => false));
  }

  private forget(id: string, error: unknown): void {
    this.images.delete(id);
    this.failures.set(id, error instanceof Error ? error.message : String(error));
  }

  private sessionOptions(): { intraOpNumThreads?: number } {
    return this.options.threads ? { intraOpNumThreads: this.options.threads } : {};
  }

  private async loadImageModel(spec: ModelSpec): Promise<Loaded> {
    const started = Date.now();
    const model =
      spec.kind === 'cnn'
        ? await CnnImageModel.load(spec, this.options.modelsDir, this.sessionOptions())
        : await ClipImageModel.load(spec, this.options.modelsDir, this.sessionOptions());
    const preprocess = spec.kind === 'cnn' ? spec.preprocess : spec.vision.preprocess;
    this.logger.info({ modelId: spec.id, ms: Date.now() - started }, `loaded model ${spec.id}`);
    this.failures.delete(spec.id);
    return {
      encoder: {
        space: spaceOf(spec),
        modelId: spec.id,
        dimension: spec.dimension,
        preprocess,
        embedPreprocessed: (batch, count) => model.embed(batch, count),
        encode: async (images) => {
          if (images.length === 0) return [];
          const batch = await this.preprocessor.preprocess(images, preprocess);
          return model.embed(batch, images.length);
        },
      },
      release: () => model.release(),
    };
  }
}
