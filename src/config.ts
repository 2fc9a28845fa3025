// Parses and validates the environment once. Nothing else in the service reads process.env.
import { z } from 'zod';
import { fromProjectRoot } from './paths.js';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const keyList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((key) => key.trim())
      .filter((key) => key.length > 0),
  );

/** `VIEW:1,CLICK:2,…`: a weight per interaction type; every type must be given. */
const INTERACTION_TYPES = ['VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE'] as const;
type InteractionTypeName = (typeof INTERACTION_TYPES)[number];
const isInteractionType = (value: string | undefined): value is InteractionTypeName =>
  INTERACTION_TYPES.includes(value as InteractionTypeName);
const interactionWeights = z.string().transform((value, context) => {
  const weights: Partial<Record<InteractionTypeName, number>> = {};
  for (const part of value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const [type, weight] = part.split(':').map((item) => item.trim());
    const number = Number(weight);
    if (!isInteractionType(type) || !(number > 0) || !Number.isFinite(number)) {
      context.addIssue({
        code: 'custom',
        message: `expected TYPE:weight (weight > 0), got ${JSON.stringify(part)}`,
      });
      return z.NEVER;
    }
    weights[type] = number;
  }
  const missing = INTERACTION_TYPES.filter((type) => weights[type] === undefined);
  if (missing.length > 0) {
    context.addIssue({ code: 'custom', message: `gives no weight for ${missing.join(', ')}` });
    return z.NEVER;
  }
  return weights as Record<InteractionTypeName, number>;
});

/** `90s`, `30m`, `6h`, `1d` (or a bare number of seconds); `0` or empty: never. In milliseconds. */
const duration = z.string().transform((value, context) => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$/i.exec(value);
  if (value.trim() === '') return 0;
  if (!match) {
    context.addIssue({
      code: 'custom',
      message: `expected a duration such as 30m, 6h or 1d, got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[(match[2] ?? 's').toLowerCase() as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit * 1000;
});

const emptyAsUndefined = (value: unknown): unknown => (value === '' ? undefined : value);

/** The models a space serves unless IMAGE_MODEL / CLIP_MODEL say otherwise (ids in models/manifest.json). */
export const DEFAULT_IMAGE_MODEL = 'resnet50-v1-7';
/** Committed under models/: the IMAGE model when IMAGE_MODEL is unset and ResNet-50 is not installed. */
export const BUNDLED_IMAGE_MODEL = 'mobilenetv2-12-int8';
export const DEFAULT_CLIP_MODEL = 'clip-vit-base-patch32';
/** MAX_BODY_BYTES unless set: the largest request body read, 16 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

const configSchema = z.object({
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  DATABASE_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** Streaming replicas (comma-separated URLs) that public read queries may use; see README "Scaling out". */
  DATABASE_READ_URLS: keyList.pipe(z.array(z.url())),
  /** A replica further behind the primary than this serves no reads until it catches up. */
  DATABASE_READ_MAX_LAG_MS: z.coerce.number().int().min(0).default(2_000),
  /** `api`: HTTP only, queues jobs; `worker`: runs the jobs, no GraphQL; `all`: both (one process). */
  ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  /** A queued job (re-embedding, backfill) whose worker died is retried after this; jobs work in slices of a third of it. */
  JOB_TIMEOUT_SECONDS: z.coerce.number().int().min(3).max(3600).default(300),
  /** 0 disables. Index builds and migrations lift it for their own statements. */
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(15_000),
  /** How long a query waits for a free pool connection (server only); 0 waits for ever. */
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(0).default(5_000),
  /** How long `npm start` keeps retrying (with back-off) a Postgres server it cannot reach; 0 tries once. */
  DB_STARTUP_RETRY_MS: z.coerce.number().int().min(0).default(30_000),
  DATA_DIR: z.string().default('.data'),
  /** Deadline for a graceful stop after SIGTERM/SIGINT; the process exits 1 when it passes. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** A GraphQL request running longer is answered 504 REQUEST_TIMEOUT and its remaining fields are not resolved; 0 disables. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  /** Node's headersTimeout: a client must send all request headers within it. */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Node's requestTimeout: a client must send the whole request (headers and body) within it (408). */
  HTTP_BODY_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** How long an idle keep-alive connection stays open. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  /** /readyz answers within this, whatever the database does (503 when the probe has not finished). */
  READINESS_TIMEOUT_MS: z.coerce.number().int().min(50).max(5_000).default(800),
  /** Request bodies being read at once may declare at most this many bytes together; beyond, 503. */
  MAX_INFLIGHT_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024),
  RATE_LIMIT_ENABLED: booleanFromEnv.default(true),
  /** Failed authentications (a wrong API key) one client IP may make per window before it is blocked. */
  RATE_LIMIT_AUTH_FAILURES: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_AUTH_WINDOW_SECONDS: z.coerce.number().int().min(1).default(60),
  /** How long a client IP that made too many failed authentications gets 429 for any key it sends. */
  RATE_LIMIT_AUTH_BLOCK_SECONDS: z.coerce.number().int().min(1).default(300),
  /** Expensive root fields (vector queries, models, mutations) one API key (or IP without a key) may run per window. */
  RATE_LIMIT_EXPENSIVE_OPERATIONS: z.coerce.number().int().min(1).default(600),
  RATE_LIMIT_EXPENSIVE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(60),
  /** Express's `trust proxy`: false (default), true, a hop count, or addresses/subnets (`loopback`, `10.0.0.0/8`). */
  TRUST_PROXY: z.string().default('false'),
  SEED_DEMO: booleanFromEnv.default(true),
  ADMIN_API_KEYS: keyList,
  ANALYST_API_KEYS: keyList,
  /** Keys that may only send interaction events (`recordInteractions`): the storefront's. */
  EVENTS_API_KEYS: keyList,
  /**
   * One of EVENTS_API_KEYS that the storefront page (`/`) is given to record its shoppers' VIEW and
   * CLICK events; an events key can do nothing else, so it may be public, like a storefront's.
   */
  STOREFRONT_EVENTS_KEY: z.preprocess(emptyAsUndefined, z.string().trim().optional()),
  /** How much each kind of interaction counts (trending, co-occurrence, shopper vectors). */
  INTERACTION_WEIGHTS: interactionWeights.default(
    interactionWeights.parse('VIEW:1,CLICK:2,ADD_TO_CART:4,PURCHASE:8'),
  ),
  /** How far in the future an event's occurredAt may lie (clients' clocks drift). */
  EVENTS_MAX_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /** Retrain the BEHAVIOR model this often (e.g. `6h`); `0` or empty: only on trainBehaviorModel. */
  BEHAVIOR_RETRAIN_INTERVAL: duration.default(0),
  /** A shopper's event this much older than their latest counts half in their taste vector. */
  SHOPPER_HISTORY_HALF_LIFE_DAYS: z.coerce.number().positive().default(14),
  /** Share of recommendedForUser's k kept for products without behaviour yet (found by content). */
  NEW_PRODUCT_SHARE: z.coerce.number().min(0).max(1).default(0.2),
  /** Latent dimensions of the BEHAVIOR space. */
  BEHAVIOR_FACTORS: z.coerce.number().int().min(2).max(512).default(64),
  /** ALS sweeps per training. */
  BEHAVIOR_ITERATIONS: z.coerce.number().int().min(1).max(100).default(15),
  /**
   * trendingProducts reads a snapshot of each window's popularity plus the events recorded since,
   * live; the snapshot is recomputed in the background once it is this many seconds old.
   */
  TRENDING_REFRESH_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  /** COMPLEMENTARY: the fewest baskets a pair must share to count as bought together. */
  COMPLEMENTARY_MIN_SUPPORT: z.coerce.number().int().min(1).default(2),
  /** COMPLEMENTARY: the least lift (how much likelier together than by chance) a pair needs. */
  COMPLEMENTARY_MIN_LIFT: z.coerce.number().min(0).default(1.5),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(DEFAULT_MAX_BODY_BYTES),
  MAX_BULK_PRODUCTS: z.coerce.number().int().min(1).max(10_000).default(500),
  MAX_QUERY_COMPLEXITY: z.coerce.number().int().min(10).default(5_000),
  /** What one root field that runs a vector query or a model costs in the budget, besides its list. */
  VECTOR_QUERY_COST: z.coerce.number().int().min(0).default(50),
  /** Nesting levels of fields; a root field is level 1. */
  MAX_QUERY_DEPTH: z.coerce.number().int().min(2).default(9),
  MAX_QUERY_ALIASES: z.coerce.number().int().min(0).default(30),
  MAX_ROOT_FIELDS: z.coerce.number().int().min(1).default(20),
  MAX_QUERY_TOKENS: z.coerce.number().int().min(100).default(5_000),
  MAX_QUERY_DIRECTIVES: z.coerce.number().int().min(0).default(20),
  /** `production` hides schema details ("Did you mean …") from client errors. */
  NODE_ENV: z.string().default('development'),
  HNSW_EF_SEARCH: z.coerce.number().int().min(1).max(1000).default(100),
  HNSW_MAX_SCAN_TUPLES: z.coerce.number().int().min(100).default(20_000),
  /** Score every filtered product exactly instead of using the HNSW indexes (small catalogues, recall checks). */
  VECTOR_SEARCH_EXACT: booleanFromEnv.default(false),
  /**
   * A filter passing at most this many products is answered by an exact scan of them, not the HNSW
   * index (1 % filter at 100k, ~1 000 rows: exact 17 ms against 29 ms for the iterative scan; BENCHMARKS.md).
   */
  FILTER_EXACT_SCAN_MAX_ROWS: z.coerce.number().int().min(0).default(2_000),
  /**
   * Spaces of more than 2000 dimensions (stored and compared as halfvec): take their nearest
   * candidates from the Hamming index on the binary-quantised vectors and rank them by the exact
   * distance, instead of searching the halfvec cosine index. `auto`: on for the embedded database,
   * where one halfvec comparison costs ~8× the server's (BENCHMARKS.md section 6), off on the server.
   */
  VECTOR_SEARCH_BINARY_CANDIDATES: z.enum(['auto', 'on', 'off']).default('auto'),
  /**
   * How many distinct recommendation statements run as named (prepared) statements, planned once
   * per connection instead of per request; at most half go to statements carrying a filter's
   * values (a recurring filter's, on its second request); 0 sends every statement unnamed (e.g.
   * behind a pooler in transaction mode that does not track prepared statements).
   */
  DB_PREPARED_STATEMENTS: z.coerce.number().int().min(0).max(10_000).default(64),
  /**
   * A recommendation over several spaces (or several examples with BEST_SCORE) splits its index
   * scans over up to this many statements run side by side, on pool connections no other request
   * is waiting for; 1 runs one statement. The embedded database has one session and runs one.
   * 2: on a 2-core server, three spaces in 2 parts beat 3 parts and 1 (BENCHMARKS.md).
   */
  VECTOR_SEARCH_PARALLEL_SCANS: z.coerce.number().int().min(1).max(16).default(2),
  HNSW_M: z.coerce.number().int().min(2).max(100).default(16),
  HNSW_EF_CONSTRUCTION: z.coerce.number().int().min(4).max(1000).default(128),
  MODELS_DIR: z.string().default('models'),
  MODELS_MANIFEST: z.string().optional(),
  /** Empty disables the space; unset: ResNet-50 when installed, else the bundled MobileNetV2. */
  IMAGE_MODEL: z.string().optional(),
  CLIP_MODEL: z.string().default(DEFAULT_CLIP_MODEL),
  MODELS_AUTO_DOWNLOAD: booleanFromEnv.default(true),
  MODELS_BASE_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
  MODEL_THREADS: z.coerce.number().int().min(1).max(64).optional(),
  IMAGE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  IMAGE_MAX_PIXELS: z.coerce.number().int().min(1).default(40_000_000),
  IMAGE_FETCH_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  IMAGE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  IMAGE_FETCH_MAX_REDIRECTS: z.coerce.number().int().min(0).max(10).default(3),
  /** Hosts or IPs image URLs may use even when they are private or loopback (tests, intranets). */
  IMAGE_FETCH_ALLOW_HOSTS: keyList,
});

export type RawConfig = z.infer<typeof configSchema>;

/** Every environment variable the service reads. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(configSchema.shape);

export interface Config {
  /** NODE_ENV is `production`. */
  readonly production: boolean;
  readonly host: string;
  readonly port: number;
  readonly database:
    | { readonly kind: 'embedded'; readonly dataDir: string }
    | {
        readonly kind: 'server';
        readonly url: string;
        readonly poolSize: number;
        /** DATABASE_READ_URLS: replicas for public reads (none: everything on the primary). */
        readonly readUrls?: readonly string[];
        readonly maxReadLagMs?: number;
      };
  /** What this process runs (ROLE): GraphQL, the job workers, or both. */
  readonly role: 'api' | 'worker' | 'all';
  readonly jobs: {
    /** A job's worker is presumed dead after this long and the job retried (JOB_TIMEOUT_SECONDS). */
    readonly timeoutSeconds: number;
  };
  readonly seedDemo: boolean;
  readonly timeouts: {
    readonly dbStatementMs: number;
    readonly dbConnectMs: number;
    readonly shutdownMs: number;
    readonly dbStartupRetryMs: number;
    readonly requestMs: number;
    readonly httpHeadersMs: number;
    readonly httpBodyMs: number;
    readonly httpKeepAliveMs: number;
    readonly readinessMs: number;
  };
  readonly rateLimits: {
    readonly enabled: boolean;
    readonly authFailures: number;
    readonly authWindowSeconds: number;
    readonly authBlockSeconds: number;
    readonly expensiveOperations: number;
    readonly expensiveWindowSeconds: number;
  };
  /** Express's `trust proxy` setting: which X-Forwarded-For hops give the client IP. */
  readonly trustProxy: boolean | number | string;
  readonly auth: {
    readonly adminKeys: readonly string[];
    readonly analystKeys: readonly string[];
    readonly eventsKeys: readonly string[];
    /** The events key the storefront page records its shoppers' events with (STOREFRONT_EVENTS_KEY). */
    readonly storefrontEventsKey: string | null;
  };
  readonly interactions: {
    readonly weights: Readonly<Record<InteractionTypeName, number>>;
    readonly maxClockSkewMs: number;
    readonly complementaryMinSupport: number;
    readonly complementaryMinLift: number;
    readonly trendingRefreshMs: number;
  };
  readonly behavior: {
    /** 0: no schedule. */
    readonly retrainIntervalMs: number;
    readonly factors: number;
    readonly iterations: number;
    readonly shopperHalfLifeDays: number;
    readonly newProductShare: number;
  };
  readonly logLevel: RawConfig['LOG_LEVEL'];
  readonly limits: {
    readonly maxBodyBytes: number;
    readonly maxInflightBodyBytes: number;
    readonly maxBulkProducts: number;
    readonly maxQueryComplexity: number;
    readonly vectorQueryCost: number;
    readonly maxQueryDepth: number;
    readonly maxQueryAliases: number;
    readonly maxRootFields: number;
    readonly maxQueryTokens: number;
    readonly maxQueryDirectives: number;
  };
  readonly search: {
    readonly efSearch: number;
    readonly maxScanTuples: number;
    /** Answer vector queries by exact scans, never from an index. */
    readonly exact: boolean;
    /** Filtered single-target queries scan the filtered products exactly when at most this many pass. */
    readonly exactScanMaxRows: number;
    /** VECTOR_SEARCH_BINARY_CANDIDATES: halfvec spaces' candidates from the binary-quantised index. */
    readonly binaryCandidates: 'auto' | 'on' | 'off';
    /** How many distinct recommendation statements run as named statements (DB_PREPARED_STATEMENTS). */
    readonly preparedStatements: number;
    /** VECTOR_SEARCH_PARALLEL_SCANS: statements a multi-scan recommendation may split into. */
    readonly parallelScans: number;
  };
  /** How the image and CLIP HNSW indexes are built (pgvector's m and ef_construction). */
  readonly index: { readonly m: number; readonly efConstruction: number };
  readonly models: {
    readonly directory: string;
    readonly manifestPath: string;
    /**
     * The IMAGE model: the first of these that is installed (the first when none is); empty
     * disables the space. IMAGE_MODEL names one; unset, ResNet-50 then the bundled MobileNetV2.
     */
    readonly imageModelIds: readonly string[];
    readonly clipModelId: string | null;
    readonly autoDownload: boolean;
    readonly baseUrl: string | undefined;
    readonly threads: number | undefined;
  };
  readonly images: {
    readonly maxBytes: number;
    readonly maxPixels: number;
    readonly totalTimeoutMs: number;
    readonly connectTimeoutMs: number;
    readonly maxRedirects: number;
    readonly allowedHosts: readonly string[];
  };
}

export class ConfigError extends Error {}

/** TRUST_PROXY as express takes it: `true`/`false`, a hop count, or a list of addresses and subnets. */
function trustProxySetting(value: string): boolean | number | string {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === 'false') return false;
  if (trimmed === 'true') return true;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  return trimmed;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment: ${problems.join('; ')}`);
  }
  const raw = parsed.data;
  if (raw.STOREFRONT_EVENTS_KEY !== undefined && !raw.EVENTS_API_KEYS.includes(raw.STOREFRONT_EVENTS_KEY)) {
    throw new ConfigError('Invalid environment: STOREFRONT_EVENTS_KEY must be one of EVENTS_API_KEYS');
  }
  if (raw.DATABASE_READ_URLS.length > 0 && !raw.DATABASE_URL) {
    throw new ConfigError('Invalid environment: DATABASE_READ_URLS needs DATABASE_URL (the primary)');
  }
  if (raw.HNSW_EF_CONSTRUCTION < 2 * raw.HNSW_M) {
    throw new ConfigError(
      `Invalid environment: HNSW_EF_CONSTRUCTION (${raw.HNSW_EF_CONSTRUCTION}) must be at least 2 × HNSW_M (${raw.HNSW_M})`,
    );
  }
  if (raw.HTTP_HEADERS_TIMEOUT_MS > raw.HTTP_BODY_TIMEOUT_MS) {
    throw new ConfigError(
      `Invalid environment: HTTP_HEADERS_TIMEOUT_MS (${raw.HTTP_HEADERS_TIMEOUT_MS}) must not exceed HTTP_BODY_TIMEOUT_MS (${raw.HTTP_BODY_TIMEOUT_MS})`,
    );
  }
  if (raw.MAX_INFLIGHT_BODY_BYTES < raw.MAX_BODY_BYTES) {
    throw new ConfigError(
      `Invalid environment: MAX_INFLIGHT_BODY_BYTES (${raw.MAX_INFLIGHT_BODY_BYTES}) must be at least MAX_BODY_BYTES (${raw.MAX_BODY_BYTES}), or the largest allowed body could never be read`,
    );
  }
  const config: Config = {
    production: raw.NODE_ENV === 'production',
    host: raw.HOST,
    port: raw.PORT,
    database: raw.DATABASE_URL
      ? {
          kind: 'server',
          url: raw.DATABASE_URL,
          poolSize: raw.DATABASE_POOL_SIZE,
          readUrls: raw.DATABASE_READ_URLS,
          maxReadLagMs: raw.DATABASE_READ_MAX_LAG_MS,
        }
      : { kind: 'embedded', dataDir: raw.DATA_DIR },
    role: raw.ROLE,
    jobs: { timeoutSeconds: raw.JOB_TIMEOUT_SECONDS },
    seedDemo: raw.SEED_DEMO,
    timeouts: {
      dbStatementMs: raw.DB_STATEMENT_TIMEOUT_MS,
      dbConnectMs: raw.DB_CONNECT_TIMEOUT_MS,
      shutdownMs: raw.SHUTDOWN_TIMEOUT_MS,
      dbStartupRetryMs: raw.DB_STARTUP_RETRY_MS,
      requestMs: raw.REQUEST_TIMEOUT_MS,
      httpHeadersMs: raw.HTTP_HEADERS_TIMEOUT_MS,
      httpBodyMs: raw.HTTP_BODY_TIMEOUT_MS,
      httpKeepAliveMs: raw.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      readinessMs: raw.READINESS_TIMEOUT_MS,
    },
    rateLimits: {
      enabled: raw.RATE_LIMIT_ENABLED,
      authFailures: raw.RATE_LIMIT_AUTH_FAILURES,
      authWindowSeconds: raw.RATE_LIMIT_AUTH_WINDOW_SECONDS,
      authBlockSeconds: raw.RATE_LIMIT_AUTH_BLOCK_SECONDS,
      expensiveOperations: raw.RATE_LIMIT_EXPENSIVE_OPERATIONS,
      expensiveWindowSeconds: raw.RATE_LIMIT_EXPENSIVE_WINDOW_SECONDS,
    },
    trustProxy: trustProxySetting(raw.TRUST_PROXY),
    auth: {
      adminKeys: raw.ADMIN_API_KEYS,
      analystKeys: raw.ANALYST_API_KEYS,
      eventsKeys: raw.EVENTS_API_KEYS,
      storefrontEventsKey: raw.STOREFRONT_EVENTS_KEY ?? null,
    },
    interactions: {
      weights: raw.INTERACTION_WEIGHTS,
      maxClockSkewMs: raw.EVENTS_MAX_CLOCK_SKEW_SECONDS * 1000,
      complementaryMinSupport: raw.COMPLEMENTARY_MIN_SUPPORT,
      complementaryMinLift: raw.COMPLEMENTARY_MIN_LIFT,
      trendingRefreshMs: raw.TRENDING_REFRESH_SECONDS * 1000,
    },
    behavior: {
      retrainIntervalMs: raw.BEHAVIOR_RETRAIN_INTERVAL,
      factors: raw.BEHAVIOR_FACTORS,
      iterations: raw.BEHAVIOR_ITERATIONS,
      shopperHalfLifeDays: raw.SHOPPER_HISTORY_HALF_LIFE_DAYS,
      newProductShare: raw.NEW_PRODUCT_SHARE,
    },
    logLevel: raw.LOG_LEVEL,
    limits: {
      maxBodyBytes: raw.MAX_BODY_BYTES,
      maxInflightBodyBytes: raw.MAX_INFLIGHT_BODY_BYTES,
      maxBulkProducts: raw.MAX_BULK_PRODUCTS,
      maxQueryComplexity: raw.MAX_QUERY_COMPLEXITY,
      vectorQueryCost: raw.VECTOR_QUERY_COST,
      maxQueryDepth: raw.MAX_QUERY_DEPTH,
      maxQueryAliases: raw.MAX_QUERY_ALIASES,
      maxRootFields: raw.MAX_ROOT_FIELDS,
      maxQueryTokens: raw.MAX_QUERY_TOKENS,
      maxQueryDirectives: raw.MAX_QUERY_DIRECTIVES,
    },
    search: {
      efSearch: raw.HNSW_EF_SEARCH,
      maxScanTuples: raw.HNSW_MAX_SCAN_TUPLES,
      exact: raw.VECTOR_SEARCH_EXACT,
      exactScanMaxRows: raw.FILTER_EXACT_SCAN_MAX_ROWS,
      binaryCandidates: raw.VECTOR_SEARCH_BINARY_CANDIDATES,
      preparedStatements: raw.DB_PREPARED_STATEMENTS,
      parallelScans: raw.VECTOR_SEARCH_PARALLEL_SCANS,
    },
    index: { m: raw.HNSW_M, efConstruction: raw.HNSW_EF_CONSTRUCTION },
    models: {
      directory: fromProjectRoot(raw.MODELS_DIR),
      manifestPath: fromProjectRoot(raw.MODELS_MANIFEST ?? 'models/manifest.json'),
      imageModelIds:
        raw.IMAGE_MODEL === undefined
          ? [DEFAULT_IMAGE_MODEL, BUNDLED_IMAGE_MODEL]
          : [raw.IMAGE_MODEL.trim()].filter((id) => id !== ''),
      clipModelId: raw.CLIP_MODEL.trim() || null,
      autoDownload: raw.MODELS_AUTO_DOWNLOAD,
      baseUrl: raw.MODELS_BASE_URL,
      threads: raw.MODEL_THREADS,
    },
    images: {
      maxBytes: raw.IMAGE_MAX_BYTES,
      maxPixels: raw.IMAGE_MAX_PIXELS,
      totalTimeoutMs: raw.IMAGE_FETCH_TIMEOUT_MS,
      connectTimeoutMs: raw.IMAGE_CONNECT_TIMEOUT_MS,
      maxRedirects: raw.IMAGE_FETCH_MAX_REDIRECTS,
      allowedHosts: raw.IMAGE_FETCH_ALLOW_HOSTS,
    },
  };
  return withRole(config, raw.ROLE);
}

export type Role = Config['role'];

/**
 * The configuration for a process of `role` (`npm run worker` is always a worker). Only `all` runs
 * on the embedded database: it serves one process, which must then do everything.
 */
export function withRole(config: Config, role: Role): Config {
  if (role !== 'all' && config.database.kind === 'embedded') {
    throw new ConfigError(
      `Invalid environment: ROLE=${role} needs DATABASE_URL (the embedded database serves one process, which runs everything: ROLE=all)`,
    );
  }
  return { ...config, role };
}
