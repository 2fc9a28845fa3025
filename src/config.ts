// Parses and validates the environment once. Nothing else in the service reads process.env.
import { z } from 'zod';

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

const emptyAsUndefined = (value: unknown): unknown => (value === '' ? undefined : value);

const configSchema = z.object({
  NODE_ENV: z.string().default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  DATABASE_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  DATA_DIR: z.string().default('.data'),
  SEED_DEMO: booleanFromEnv.default(true),
  ADMIN_API_KEYS: keyList,
  ANALYST_API_KEYS: keyList,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 * 1024),
  MAX_BULK_PRODUCTS: z.coerce.number().int().min(1).max(10_000).default(500),
  MAX_QUERY_COMPLEXITY: z.coerce.number().int().min(10).default(5_000),
  MAX_QUERY_DEPTH: z.coerce.number().int().min(2).default(8),
});

export type RawConfig = z.infer<typeof configSchema>;

export interface Config {
  readonly nodeEnv: string;
  readonly host: string;
  readonly port: number;
  readonly database:
    | { readonly kind: 'embedded'; readonly dataDir: string }
    | { readonly kind: 'server'; readonly url: string; readonly poolSize: number };
  readonly seedDemo: boolean;
  readonly auth: { readonly adminKeys: readonly string[]; readonly analystKeys: readonly string[] };
  readonly logLevel: RawConfig['LOG_LEVEL'];
  readonly limits: {
    readonly maxBodyBytes: number;
    readonly maxBulkProducts: number;
    readonly maxQueryComplexity: number;
    readonly maxQueryDepth: number;
  };
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment: ${problems.join('; ')}`);
  }
  const raw = parsed.data;
  return {
    nodeEnv: raw.NODE_ENV,
    host: raw.HOST,
    port: raw.PORT,
    database: raw.DATABASE_URL
      ? { kind: 'server', url: raw.DATABASE_URL, poolSize: raw.DATABASE_POOL_SIZE }
      : { kind: 'embedded', dataDir: raw.DATA_DIR },
    seedDemo: raw.SEED_DEMO,
    auth: { adminKeys: raw.ADMIN_API_KEYS, analystKeys: raw.ANALYST_API_KEYS },
    logLevel: raw.LOG_LEVEL,
    limits: {
      maxBodyBytes: raw.MAX_BODY_BYTES,
      maxBulkProducts: raw.MAX_BULK_PRODUCTS,
      maxQueryComplexity: raw.MAX_QUERY_COMPLEXITY,
      maxQueryDepth: raw.MAX_QUERY_DEPTH,
    },
  };
}
