// Composition root, HTTP half: the GraphQL schema over the services, Apollo, express, health
// endpoints and each request's GraphQL context. The HTTP safeguards and request logging live in http/.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Request, type Response } from 'express';
import { type Logger } from 'pino';
import { ApiKeyAuthenticator } from './auth/api-key.authenticator.js';
import { type Principal } from './auth/principal.js';
import { type Config } from './config.js';
import { type Database } from './db/database.js';
import { buildGraphQLSchema } from './graphql-schema.js';
import { errorLoggingPlugin, formatError } from './graphql/error-formatter.js';
import { expensiveOperationLimitPlugin } from './graphql/expensive-operations.js';
import { inputTextPlugin } from './graphql/input-text.js';
import { complexityLimitPlugin } from './graphql/query-complexity.js';
import { queryLimits } from './graphql/query-limits.js';
import {
  type RequestClient,
  type RequestContext,
  type RequestDeadline,
  RequestLoaders,
} from './graphql/request-context.js';
import { abandonFieldsAfterDeadline } from './graphql/request-deadline.js';
import { bodyBudget, BodyByteBudget } from './http/body-budget.js';
import { bodyErrors } from './http/body-errors.js';
import { rateLimitKey, RateLimits } from './http/rate-limits.js';
import { type ReadinessReport, readinessHandler } from './http/readiness.js';
import { requestLogging } from './http/request-logging.js';
import { lateAnswerAfterTimeout, requestDeadline, requestTimeout } from './http/request-timeout.js';
import { noStore, securityHeaders } from './http/security-headers.js';
import { webPages } from './pages/web-pages.js';
import { WEB_DIST_DIR } from './paths.js';
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
  const schema = abandonFieldsAfterDeadline(await buildGraphQLSchema(services));
  const authenticator = new ApiKeyAuthenticator(config.auth);
  const rateLimits = config.rateLimits.enabled ? new RateLimits(config.rateLimits) : null;
  const expressApp = express();
  const { httpHeadersMs, httpBodyMs, httpKeepAliveMs } = config.timeouts;
  const httpServer = createServer(
    {
      headersTimeout: httpHeadersMs,
      requestTimeout: httpBodyMs,
      keepAliveTimeout: httpKeepAliveMs,
      // Node checks the two read timeouts on this interval (30 s by default, too coarse for them).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(httpHeadersMs / 4))),
    },
    expressApp,
  );

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
      // GET /graphql in a browser is our own offline GraphiQL (pages/), not Apollo's CDN-loaded Sandbox.
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints in this schema: the plugin would only compute an uncacheable policy per field
      // and say `no-store`, which noStore says for every answer.
      ApolloServerPluginCacheControlDisabled(),
      errorLoggingPlugin,
      complexityLimitPlugin(schema, {
        maximum: config.limits.maxQueryComplexity,
        vectorQueryCost: config.limits.vectorQueryCost,
      }),
      inputTextPlugin(schema),
      ...(rateLimits ? [expensiveOperationLimitPlugin(rateLimits)] : []),
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

  const contextFor = (authorization?: string): RequestContext => {
    const requestId = randomUUID();
    return {
      requestId,
      principal: authenticator.authenticate(authorization),
      logger: logger.child({ reqId: requestId }),
      loaders: new RequestLoaders(),
    };
  };
  const httpContext = (request: Request, response: Response): RequestContext =>
    new HttpRequestContext(request, response, authenticator);

  expressApp.disable('x-powered-by');
  // No ETag on answers sent with res.send: GraphQL answers are POSTed and never cached, and the tag
  // was a SHA-1 over every answer's body. (Photos set their own; static files use their own.)
  expressApp.set('etag', false);
  expressApp.set('trust proxy', config.trustProxy);
  expressApp.use(securityHeaders());
  expressApp.use(requestLogging(logger));
  expressApp.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  expressApp.get(
    '/readyz',
    readinessHandler({
      probe: () => readiness(database, services),
      timeoutMs: config.timeouts.readinessMs,
      facts: { database: database.kind },
      logger,
    }),
  );
  const api = [
    ...(rateLimits ? [rateLimits.authFailureGuard(authenticator)] : []),
    bodyBudget(new BodyByteBudget(config.limits.maxInflightBodyBytes), config.limits.maxBodyBytes),
    // Reading the body is bounded by HTTP_BODY_TIMEOUT_MS (node, 408); running it by REQUEST_TIMEOUT_MS.
    express.json({ limit: config.limits.maxBodyBytes }),
    requestTimeout(config.timeouts.requestMs),
    noStore,
    expressMiddleware(apollo, {
      context: ({ req, res }: { req: Request; res: Response }) => Promise.resolve(httpContext(req, res)),
    }),
  ];
  // Operations are POSTed: they go straight to the API, past the pages' routes (all GET).
  expressApp.post('/graphql', ...api);
  expressApp.use(
    webPages({
      products: services.products,
      webDir: WEB_DIST_DIR,
      storefrontEventsKey: config.auth.storefrontEventsKey,
    }),
  );
  // A browser's GET /graphql is the IDE (pages); other GETs are operations.
  expressApp.use('/graphql', ...api);
  expressApp.use(lateAnswerAfterTimeout, bodyErrors(config.limits.maxBodyBytes));

  return {
    services,
    apollo,
    authenticator,
    logger,
    contextFor,
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
      await services.changes.close();
      await services.models.close();
    },
  };
}

/**
 * The context of a request that came over HTTP, built for every request. Its caller (a SHA-256 of
 * an API key), client address, rate-limit key and logger are worked out only when something asks:
 * getters on the class, as Apollo copies the context's own properties (its own getters would run).
 */
class HttpRequestContext implements RequestContext {
  readonly requestId: string;
  readonly loaders = new RequestLoaders();
  readonly deadline: RequestDeadline | undefined;
  private readonly request: Request;
  private readonly authenticator: ApiKeyAuthenticator;
  private readonly known: { principal?: Principal; client?: RequestClient; logger?: Logger } = {};

  constructor(request: Request, response: Response, authenticator: ApiKeyAuthenticator) {
    this.request = request;
    this.authenticator = authenticator;
    this.requestId = request.id as string;
    this.deadline = requestDeadline(response);
  }

  get principal(): Principal {
    return (this.known.principal ??= this.authenticator.authenticate(this.request.headers.authorization));
  }

  get client(): RequestClient {
    if (!this.known.client) {
      const ip = this.request.ip ?? 'unknown';
      this.known.client = { ip, rateLimitKey: rateLimitKey(ip, this.request.headers.authorization) };
    }
    return this.known.client;
  }

  get logger(): Logger {
    return (this.known.logger ??= this.request.log.child({ reqId: this.requestId }));
  }
}

/**
 * Ready when the database answers and every migration is applied. Models are reported, not
 * required: a missing model disables only the queries that need it.
 */
async function readiness(database: Database, services: Services): Promise<ReadinessReport> {
  await database.prisma.$queryRaw`SELECT 1`;
  const { pending } = await services.migrator.status();
  const models = (await services.models.statuses())
    .filter((model) => model.configured)
    .map(({ id, space, state, reason }) => ({ id, space, state, reason }));
  return { ready: pending.length === 0, pendingMigrations: pending, models };
}
