// An in-process app on a fresh database, and a helper to run GraphQL operations against it the
// way the HTTP layer would (same context, same error formatting).
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type App, createApp } from '../../src/server.js';
import { createTestDatabase, type TestDatabase, type TestDatabaseKind } from './databases.js';

export const ADMIN_KEY = 'test-admin-key';
export const ANALYST_KEY = 'test-analyst-key';

export interface GraphQLResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: ReadonlyArray<{
    message: string;
    path?: ReadonlyArray<string | number>;
    extensions?: Record<string, unknown>;
  }>;
}

export interface TestApp {
  readonly app: App;
  readonly db: TestDatabase;
  readonly config: Config;
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { key?: string | null },
  ): Promise<GraphQLResult<T>>;
  close(): Promise<void>;
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    ADMIN_API_KEYS: ADMIN_KEY,
    ANALYST_API_KEYS: ANALYST_KEY,
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    MODELS_AUTO_DOWNLOAD: 'false',
    IMAGE_MODEL: '',
    CLIP_MODEL: '',
    ...env,
  });
}

export async function createTestApp(
  kind: TestDatabaseKind,
  env: Record<string, string> = {},
): Promise<TestApp> {
  return createTestAppOn(await createTestDatabase(kind), env);
}

/** An app on an existing database; `close` disposes of the database unless `keepDatabase`. */
export async function createTestAppOn(
  db: TestDatabase,
  env: Record<string, string> = {},
  options: { keepDatabase?: boolean } = {},
): Promise<TestApp> {
  const config = testConfig(env);
  const app = await createApp({ config, database: db.database, logger: createLogger(config.logLevel) });
  return {
    app,
    db,
    config,
    async gql<T>(query: string, variables?: Record<string, unknown>, request: { key?: string | null } = {}) {
      const key = request.key === undefined ? ADMIN_KEY : request.key;
      const response = await app.apollo.executeOperation(
        { query, ...(variables ? { variables } : {}) },
        { contextValue: app.contextFor(key === null ? undefined : `Bearer ${key}`) },
      );
      if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
      return response.body.singleResult as GraphQLResult<T>;
    },
    async close() {
      await app.stop();
      if (!options.keepDatabase) await db.dispose();
    },
  };
}

/** The error codes of a result, in order. */
export const errorCodes = (result: GraphQLResult<unknown>): unknown[] =>
  (result.errors ?? []).map((error) => error.extensions?.['code']);
