// Composition root: builds repositories, services and resolvers, and serves them over HTTP.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import DataLoader from 'dataloader';
import { fetch as undiciFetch } from 'undici';
import express, { type ErrorRequestHandler, type Request } from 'express';
import depthLimit from 'graphql-depth-limit';
import { type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { ApiKeyAuthenticator } from './auth/api-key.authenticator.js';
import { type Config } from './config.js';
import { type Database } from './db/database.js';
import { Migrator, readMigrations } from './db/migrator.js';
import { AttributeAxisRepository } from './catalogue/attribute-axis.repository.js';
import { AttributeAxisResolver } from './catalogue/attribute-axis.resolver.js';
import { AttributeVectorService } from './catalogue/attribute-vector.service.js';
import { errorLoggingPlugin, formatError } from './graphql/error-formatter.js';
import { ClassificationRepository } from './classification/classification.repository.js';
import { ClassificationResolver } from './classification/classification.resolver.js';
import { ClassificationService } from './classification/classification.service.js';
import { EmbeddingRepository } from './embeddings/embedding.repository.js';
import { EmbeddingSpaceRepository } from './embeddings/embedding-space.repository.js';
import { EmbeddingSpaceService } from './embeddings/embedding-space.service.js';
import { ImageLoader } from './imaging/image-loader.js';
import { ImagePreprocessor } from './imaging/image-preprocessor.js';
import { loggingProgress, ModelDownloader } from './inference/model-downloader.js';
import { ModelRegistry } from './inference/model-manifest.js';
import { OnnxModelProvider } from './inference/onnx-model.provider.js';
import { ModelResolver } from './inference/model-status.resolver.js';
import { EmbeddingBackfillService } from './embeddings/embedding-backfill.service.js';
import { ReembeddingResolver } from './embeddings/reembedding.resolver.js';
import { ReembeddingService } from './embeddings/reembedding.service.js';
import { ProductFieldsResolver } from './catalogue/product-fields.resolver.js';
import { ProductMediaService } from './embeddings/product-media.service.js';
import { SearchResolver } from './recommendations/search.resolver.js';
import { SearchService } from './recommendations/search.service.js';
import { QueryEmbedder } from './embeddings/query-embedder.service.js';
import { RecommendationEngine } from './recommendations/recommendation-engine.service.js';
import { buildGraphQLSchema } from './graphql-schema.js';
import { complexityLimitPlugin } from './graphql/query-complexity.js';
import { type RequestContext } from './graphql/request-context.js';
import { MIGRATIONS_DIR } from './paths.js';
import { ProductRepository } from './catalogue/product.repository.js';
import { ProductResolver } from './catalogue/product.resolver.js';
import { ProductService } from './catalogue/product.service.js';
import { RecommendationRepository } from './recommendations/recommendation.repository.js';
import { RecommendationResolver } from './recommendations/recommendation.resolver.js';
import { RecommendationService } from './recommendations/recommendation.service.js';

export interface Services {
  readonly products: ProductService;
  readonly recommendations: RecommendationService;
  readonly engine: RecommendationEngine;
  readonly embedder: QueryEmbedder;
  readonly search: SearchService;
  readonly classification: ClassificationService;
  readonly attributeVectors: AttributeVectorService;
  readonly spaces: EmbeddingSpaceService;
  readonly media: ProductMediaService;
  readonly models: OnnxModelProvider;
  readonly reembedding: ReembeddingService;
  readonly embeddings: EmbeddingRepository;
  readonly migrator: Migrator;
}

export interface App {
  readonly services: Services;
  readonly apollo: ApolloServer<RequestContext>;
  readonly authenticator: ApiKeyAuthenticator;
  readonly logger: Logger;
  /** Context for an in-process operation, as the HTTP layer would build it. */
  contextFor(authorization?: string): RequestContext;
  listen(port?: number, host?: string): Promise<{ url: string; server: Server }>;
  stop(): Promise<void>;
}

export async function createServices(database: Database, config: Config, logger: Logger): Promise<Services> {
  const migrator = new Migrator(database.pool, readMigrations(MIGRATIONS_DIR), logger);
  const attributeVectors = new AttributeVectorService(new AttributeAxisRepository(database.prisma));
  await attributeVectors.load();

  const preprocessor = new ImagePreprocessor({ maxPixels: config.images.maxPixels });
  const models = new OnnxModelProvider(
    ModelRegistry.fromFile(config.models.manifestPath),
    preprocessor,
    // undici's own fetch: importing undici (the image loader does) replaces the global dispatcher
    // that Node's bundled fetch would otherwise use with one of a different undici version.
    new ModelDownloader({
      modelsDir: config.models.directory,
      baseUrl: config.models.baseUrl,
      fetch: undiciFetch,
      progress: loggingProgress((fields, message) => logger.info(fields, message)),
    }),
    {
      modelsDir: config.models.directory,
      imageModelId: config.models.imageModelId,
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
  const embeddings = new EmbeddingRepository(database.prisma, config.index);
  const spaceStates = new EmbeddingSpaceRepository(database.prisma);
  const spaces = new EmbeddingSpaceService(spaceStates, embeddings, models);
  await spaces.reconcile();
  const media = new ProductMediaService(imageLoader, preprocessor, models, spaces, logger);
  const products = new ProductService(
    new ProductRepository(database.prisma),
    attributeVectors,
    { maxBulkProducts: config.limits.maxBulkProducts },
    media,
  );
  const recommendationRepository = new RecommendationRepository(database.prisma);
  const embedder = new QueryEmbedder(models, imageLoader, preprocessor);
  const engine = new RecommendationEngine(
    recommendationRepository,
    products,
    attributeVectors,
    spaces,
    embedder,
  );
  const recommendations = new RecommendationService(
    recommendationRepository,
    products,
    attributeVectors,
    spaces,
    engine,
  );
  const search = new SearchService(recommendations, engine, embedder);
  const reembedding = new ReembeddingService(
    spaceStates,
    spaces,
    new EmbeddingBackfillService(embeddings, media),
    embeddings,
    models,
    logger,
  );
  const classification = new ClassificationService(
    new ClassificationRepository(database.prisma),
    models,
    recommendations,
    products,
    embedder,
  );
  return {
    products,
    recommendations,
    engine,
    embedder,
    search,
    classification,
    attributeVectors,
    spaces,
    media,
    models,
    reembedding,
    embeddings,
    migrator,
  };
}

export async function createApp(options: {
  config: Config;
  database: Database;
  logger: Logger;
}): Promise<App> {
  const { config, database, logger } = options;
  const services = await createServices(database, config, logger);
  const schema = await buildGraphQLSchema(
    new Map<unknown, object>([
      [ProductResolver, new ProductResolver(services.products)],
      [AttributeAxisResolver, new AttributeAxisResolver(services.attributeVectors)],
      [RecommendationResolver, new RecommendationResolver(services.recommendations, services.engine)],
      [ProductFieldsResolver, new ProductFieldsResolver()],
      [SearchResolver, new SearchResolver(services.search)],
      [ClassificationResolver, new ClassificationResolver(services.classification)],
      [ModelResolver, new ModelResolver(services.models)],
      [ReembeddingResolver, new ReembeddingResolver(services.reembedding)],
    ]),
  );
  const authenticator = new ApiKeyAuthenticator(config.auth);
  const expressApp = express();
  const httpServer = createServer(expressApp);

  const apollo = new ApolloServer<RequestContext>({
    schema,
    formatError,
    validationRules: [depthLimit(config.limits.maxQueryDepth)],
    plugins: [
      errorLoggingPlugin,
      complexityLimitPlugin(schema, config.limits.maxQueryComplexity),
      ApolloServerPluginDrainHttpServer({ httpServer }),
    ],
  });
  await apollo.start();

  const contextFor = (
    authorization?: string,
    requestId: string = randomUUID(),
    requestLogger = logger,
  ): RequestContext => ({
    requestId,
    principal: authenticator.authenticate(authorization),
    logger: requestLogger.child({ reqId: requestId }),
    loaders: {
      embeddingStatus: new DataLoader(async (ids: readonly string[]) => {
        const statuses = await services.spaces.statuses(ids);
        return ids.map((id) => statuses.get(id) ?? []);
      }),
    },
  });

  expressApp.disable('x-powered-by');
  expressApp.use(
    pinoHttp({
      logger,
      genReqId: (request, response) => {
        const given = request.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
        response.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (request) => request.url === '/healthz' || request.url === '/readyz' },
    }),
  );
  expressApp.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  expressApp.get('/readyz', (_request, response) => {
    void readiness(database, services).then(({ ready, ...details }) => {
      response.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', ...details });
    });
  });
  expressApp.use(
    '/graphql',
    express.json({ limit: config.limits.maxBodyBytes }),
    expressMiddleware(apollo, {
      context: ({ req }: { req: Request }) =>
        Promise.resolve(contextFor(req.headers.authorization, req.id as string, req.log)),
    }),
  );
  const bodyErrors: ErrorRequestHandler = (
    error: { status?: number; type?: string; message?: string },
    _request,
    response,
    next,
  ) => {
    if (error.type === 'entity.too.large') {
      response.status(413).json({
        errors: [
          {
            message: `Request body exceeds ${config.limits.maxBodyBytes} bytes`,
            extensions: { code: 'PAYLOAD_TOO_LARGE' },
          },
        ],
      });
      return;
    }
    if (error.type === 'entity.parse.failed') {
      response.status(400).json({
        errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }],
      });
      return;
    }
    next(error);
  };
  expressApp.use(bodyErrors);

  return {
    services,
    apollo,
    authenticator,
    logger,
    contextFor: (authorization) => contextFor(authorization),
    async listen(port = config.port, host = config.host) {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, resolve);
      });
      const address = httpServer.address() as AddressInfo;
      const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      return { url: `http://${shownHost}:${address.port}/graphql`, server: httpServer };
    },
    async stop() {
      // The drain plugin closes the HTTP server when it is listening.
      await apollo.stop();
      await services.models.close();
    },
  };
}

/**
 * Ready when the database answers and every migration is applied. Models are reported, not
 * required: a missing model disables only the queries that need it.
 */
async function readiness(
  database: Database,
  services: Services,
): Promise<{
  ready: boolean;
  database: string;
  pendingMigrations?: readonly string[];
  models?: ReadonlyArray<{ id: string; space: string; state: string; reason: string | null }>;
  error?: string;
}> {
  try {
    await database.prisma.$queryRaw`SELECT 1`;
    const { pending } = await services.migrator.status();
    const models = (await services.models.statuses())
      .filter((model) => model.configured)
      .map(({ id, space, state, reason }) => ({ id, space, state, reason }));
    return { ready: pending.length === 0, database: database.kind, pendingMigrations: pending, models };
  } catch (error) {
    return {
      ready: false,
      database: database.kind,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}
