// Composition root, first half: builds every repository and service over one database, each
// given exactly what it uses. The HTTP half (server.ts) and the command-line scripts start here.
import { fetch as undiciFetch } from 'undici';
import { type Logger } from 'pino';
import { EmbeddingMapService } from './analytics/embedding-map.service.js';
import { BehaviorModelRepository } from './behavior/behavior-model.repository.js';
import { BehaviorModelService } from './behavior/behavior-model.service.js';
import { BehaviorTrainingQueue } from './behavior/behavior-training.queue.js';
import { BehaviorTrainingService } from './behavior/behavior-training.service.js';
import { DEFAULT_ALS } from './behavior/implicit-als.js';
import { AttributeAxisRepository } from './catalogue/attribute-axis.repository.js';
import { AttributeVectorService } from './catalogue/attribute-vector.service.js';
import { ProductRepository } from './catalogue/product.repository.js';
import { ProductService } from './catalogue/product.service.js';
import { ClassificationRepository } from './classification/classification.repository.js';
import { ClassificationService } from './classification/classification.service.js';
import { type Config } from './config.js';
import { type ChangeFeed, localChangeFeed, postgresChangeFeed } from './db/change-feed.js';
import { type Database, searchesBinaryCandidates } from './db/database.js';
import { JobQueue } from './db/job-queue.js';
import { Migrator, readMigrations } from './db/migrator.js';
import { EmbeddingBackfillService } from './embeddings/embedding-backfill.service.js';
import { EmbeddingSpaceRepository } from './embeddings/embedding-space.repository.js';
import { EmbeddingSpaceService } from './embeddings/embedding-space.service.js';
import { EmbeddingRepository } from './embeddings/embedding.repository.js';
import { ProductMediaService } from './embeddings/product-media.service.js';
import { QueryEmbedder } from './embeddings/query-embedder.service.js';
import { EmbeddingJobQueue } from './embeddings/reembedding.queue.js';
import { ReembeddingService } from './embeddings/reembedding.service.js';
import { ImageLoader } from './imaging/image-loader.js';
import { ImagePreprocessor } from './imaging/image-preprocessor.js';
import { firstInstalledModel } from './inference/installed-model.js';
import { loggingProgress, ModelDownloader } from './inference/model-downloader.js';
import { ModelRegistry } from './inference/model-manifest.js';
import { OnnxModelProvider } from './inference/onnx-model.provider.js';
import { InteractionRepository } from './interactions/interaction.repository.js';
import { InteractionService } from './interactions/interaction.service.js';
import { BasketRepository } from './interactions/basket.repository.js';
import { ProductRecommendationService } from './interactions/product-recommendation.service.js';
import { FreshProductRepository } from './interactions/fresh-products.repository.js';
import { UserRecommendationService } from './interactions/user-recommendation.service.js';
import { ShopperProfileRepository } from './behavior/shopper-profile.repository.js';
import { ShopperProfileService } from './behavior/shopper-profile.service.js';
import { TrendingRepository } from './interactions/trending.repository.js';
import { TrendingService } from './interactions/trending.service.js';
import { MIGRATIONS_DIR } from './paths.js';
import { RecommendationEngine } from './recommendations/recommendation-engine.service.js';
import { RecommendationPlanner } from './recommendations/recommendation-planner.js';
import { RecommendationRepository } from './recommendations/recommendation.repository.js';
import { RecommendationService } from './recommendations/recommendation.service.js';
import { SearchService } from './recommendations/search.service.js';

export interface Services {
  readonly products: ProductService;
  readonly attributeVectors: AttributeVectorService;
  readonly recommendations: RecommendationService;
  readonly engine: RecommendationEngine;
  readonly search: SearchService;
  readonly classification: ClassificationService;
  readonly maps: EmbeddingMapService;
  readonly spaces: EmbeddingSpaceService;
  readonly media: ProductMediaService;
  readonly embedder: QueryEmbedder;
  readonly embeddings: EmbeddingRepository;
  readonly backfill: EmbeddingBackfillService;
  readonly reembedding: ReembeddingService;
  readonly models: OnnxModelProvider;
  readonly migrator: Migrator;
  readonly interactions: InteractionService;
  readonly trending: TrendingService;
  readonly productRecommendations: ProductRecommendationService;
  readonly behavior: BehaviorModelService;
  readonly userRecommendations: UserRecommendationService;
  readonly shoppers: ShopperProfileService;
  /** Announces model switches to every process of the service (LISTEN/NOTIFY on the server). */
  readonly changes: ChangeFeed;
}

export async function createServices(database: Database, config: Config, logger: Logger): Promise<Services> {
  const migrator = new Migrator(database.pool, readMigrations(MIGRATIONS_DIR), logger);
  const attributeVectors = new AttributeVectorService(new AttributeAxisRepository(database.prisma));
  await attributeVectors.load();

  const preprocessor = new ImagePreprocessor({ maxPixels: config.images.maxPixels });
  const registry = ModelRegistry.fromFile(config.models.manifestPath);
  // undici's own fetch: importing undici (the image loader does) replaces the global dispatcher
  // that Node's bundled fetch would otherwise use with one of a different undici version.
  const downloader = new ModelDownloader({
    modelsDir: config.models.directory,
    baseUrl: config.models.baseUrl,
    fetch: undiciFetch,
    progress: loggingProgress((fields, message) => logger.info(fields, message)),
  });
  const models = new OnnxModelProvider(
    registry,
    preprocessor,
    downloader,
    {
      modelsDir: config.models.directory,
      imageModelId: await firstInstalledModel(config.models.imageModelIds, registry, downloader),
      clipModelId: config.models.clipModelId,
      threads: config.models.threads,
    },
    logger,
  );
  const imageLoader = new ImageLoader({
    maxBytes: config.images.maxBytes,
    maxPixels: config.images.maxPixels,
    connectTimeoutMs: config.images.connectTimeoutMs,
    totalTimeoutMs: config.images.totalTimeoutMs,
    maxRedirects: config.images.maxRedirects,
    allowPrivateNetworks: config.images.allowedHosts,
  });
  const binaryCandidates = searchesBinaryCandidates(config.search.binaryCandidates, database.kind);
  const embeddings = new EmbeddingRepository(database.prisma, config.index, {
    halfvecCosineIndex: !binaryCandidates,
  });
  // One process on the embedded database; on the server, every API and worker process hears it.
  const changes =
    database.kind === 'server'
      ? postgresChangeFeed(database.pool, (error) =>
          logger.warn({ err: error }, 'listening for model changes failed; reconnecting'),
        )
      : localChangeFeed();
  // One pg-boss instance for every queue; its maintenance finds a dead worker's job well within JOB_TIMEOUT_SECONDS.
  const jobs = new JobQueue(
    { executeSql: (text, values) => database.pool.query(text, values) },
    { maintenanceIntervalSeconds: Math.max(1, Math.min(120, Math.floor(config.jobs.timeoutSeconds / 3))) },
    (error) => logger.error({ err: error }, 'job queue error'),
  );
  const behavior = createBehavior(jobs, database, config, logger, changes);
  const shoppers = new ShopperProfileService(new ShopperProfileRepository(database.prisma), behavior, {
    weights: config.interactions.weights,
    halfLifeDays: config.behavior.shopperHalfLifeDays,
  });
  const spaceStates = new EmbeddingSpaceRepository(database.prisma);
  const spaces = new EmbeddingSpaceService(spaceStates, embeddings, models);
  changes.subscribe((topic) => {
    if (topic === 'embedding-space') spaces.invalidate();
    else behavior.invalidate();
  });
  await spaces.reconcile();
  // An API process of a scaled-out deployment stores photos and leaves their embedding to the workers.
  let reembedding: ReembeddingService | null = null;
  const media = new ProductMediaService(
    imageLoader,
    preprocessor,
    preprocessor,
    models,
    spaces,
    logger,
    config.role === 'api' ? () => reembedding?.enqueueIngest() ?? Promise.resolve() : null,
  );
  const embedder = new QueryEmbedder(models, imageLoader, preprocessor);
  const backfill = new EmbeddingBackfillService(embeddings, media);
  reembedding = new ReembeddingService(
    spaceStates,
    spaces,
    backfill,
    embeddings,
    models,
    new EmbeddingJobQueue(jobs, { timeoutSeconds: config.jobs.timeoutSeconds }),
    changes,
    (config.jobs.timeoutSeconds * 1000) / 3,
    logger,
  );
  const products = new ProductService(
    new ProductRepository(database.prisma),
    attributeVectors,
    { maxBulkProducts: config.limits.maxBulkProducts },
    media,
  );
  // Public read queries may run on a read replica (DATABASE_READ_URLS); everything else on the primary.
  const recommendationRepository = new RecommendationRepository(database.reads, {
    exact: config.search.exact,
    exactScanMaxRows: config.search.exactScanMaxRows,
    binaryCandidates,
    preparedStatements: config.search.preparedStatements,
    // PGlite is one session: statements side by side would only queue behind each other.
    parallelScans: database.kind === 'embedded' ? 1 : config.search.parallelScans,
  });
  const engine = new RecommendationEngine(
    recommendationRepository,
    new RecommendationPlanner(
      recommendationRepository,
      attributeVectors,
      spaces,
      embedder,
      behavior,
      shoppers,
    ),
    products,
    attributeVectors,
    { efSearch: config.search.efSearch },
  );
  const trending = new TrendingService(
    new TrendingRepository(database.reads.prisma, database.prisma),
    products,
    { weights: config.interactions.weights, refreshMs: config.interactions.trendingRefreshMs },
    logger,
  );
  return {
    products,
    attributeVectors,
    recommendations: new RecommendationService(recommendationRepository, products, attributeVectors, engine),
    engine,
    search: new SearchService(engine, spaces, embedder),
    classification: new ClassificationService(
      new ClassificationRepository(database.prisma),
      models,
      spaces,
      products,
      embedder,
    ),
    maps: new EmbeddingMapService(products, spaces, embeddings),
    spaces,
    media,
    embedder,
    embeddings,
    backfill,
    reembedding,
    changes,
    models,
    migrator,
    interactions: new InteractionService(new InteractionRepository(database.prisma), products, {
      maxClockSkewMs: config.interactions.maxClockSkewMs,
    }),
    behavior,
    shoppers,
    trending,
    userRecommendations: new UserRecommendationService(
      shoppers,
      engine,
      new FreshProductRepository(database.reads.prisma),
      trending,
      products,
      config.behavior.newProductShare,
    ),
    productRecommendations: new ProductRecommendationService(
      new BasketRepository(database.reads.prisma),
      engine,
      products,
      spaces,
      {
        minSupport: config.interactions.complementaryMinSupport,
        minLift: config.interactions.complementaryMinLift,
      },
    ),
  };
}

/** The BEHAVIOR space: its model versions, the training job and the pg-boss queue that runs it. */
function createBehavior(
  jobs: JobQueue,
  database: Database,
  config: Config,
  logger: Logger,
  changes: ChangeFeed,
): BehaviorModelService {
  const models = new BehaviorModelRepository(database.prisma, config.index);
  const parameters = {
    ...DEFAULT_ALS,
    factors: config.behavior.factors,
    iterations: config.behavior.iterations,
  };
  const training = new BehaviorTrainingService(
    models,
    { parameters, weights: config.interactions.weights },
    logger,
    // Every process (this one included) drops its cached serving version.
    () =>
      void changes
        .publish('behavior-model')
        .catch((error: unknown) => logger.warn({ err: error }, 'announcing the BEHAVIOR version failed')),
  );
  const queue = new BehaviorTrainingQueue(jobs);
  return new BehaviorModelService(
    models,
    queue,
    training,
    {
      retrainIntervalMs: config.behavior.retrainIntervalMs,
      tickMs: 30_000,
      dimension: parameters.factors,
      parameters,
    },
    logger,
  );
}
