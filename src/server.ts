// Composition root, HTTP half: the GraphQL schema over the services, Apollo, express, health
// endpoints and request logging.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler, type Request } from 'express';
import { type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { ApiKeyAuthenticator } from './auth/api-key.authenticator.js';
import { type Config } from './config.js';
import { type Database } from './db/database.js';
import { buildGraphQLSchema } from './graphql-schema.js';
import { errorLoggingPlugin, formatError } from './graphql/error-formatter.js';
import { inputTextPlugin } from './graphql/input-text.js';
import { complexityLimitPlugin } from './graphql/query-complexity.js';
import { queryLimits } from './graphql/query-limits.js';
import { type RequestContext, RequestLoaders } from './graphql/request-context.js';
import { createServices, type Services } from './services.js';

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

export async function createApp(options: {
  config: Config;
  database: Database;
  logger: Logger;
}): Promise<App> {
  const { config, database, logger } = options;
  const services = await createServices(database, config, logger);
  const schema = await buildGraphQLSchema(services);
  const authenticator = new ApiKeyAuthenticator(config.auth);
  const expressApp = express();
  const httpServer = createServer(expressApp);

  const limits = queryLimits({
    maxTokens: config.limits.maxQueryTokens,
    maxAliases: config.limits.maxQueryAliases,
    maxDirectives: config.limits.maxQueryDirectives,
    maxDepth: config.limits.maxQueryDepth,
    maxRootFields: config.limits.maxRootFields,
  });
  const apollo = new ApolloServer<RequestContext>({
    schema,
    formatError,
    // No "Did you mean …" field names for strangers probing the schema.
    hideSchemaDetailsFromClientErrors: config.production,
    parseOptions: limits.parseOptions,
    validationRules: limits.validationRules,
    plugins: [
      errorLoggingPlugin,
      complexityLimitPlugin(schema, {
        maximum: config.limits.maxQueryComplexity,
        vectorQueryCost: config.limits.vectorQueryCost,
      }),
      inputTextPlugin(schema),
      // In-flight requests get most of the shutdown deadline; the rest is for closing the database.
      ApolloServerPluginDrainHttpServer({
        httpServer,
        stopGracePeriodMillis: Math.floor(config.timeouts.shutdownMs * 0.8),
      }),
    ],
    // main.ts owns SIGINT/SIGTERM. Apollo's own handler would call stop() first, and a second
    // stop() waits on a barrier Apollo never resolves after a successful stop: shutdown hung.
    stopOnTerminationSignals: false,
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
    loaders: new RequestLoaders(),
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
      // The drain plugin stops accepting, lets in-flight requests finish, then closes the server.
      await apollo.stop();
      await services.reembedding.stop();
      await services.behavior.stop();
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
