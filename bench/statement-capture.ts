// Records the SQL statements the service sends, as node-postgres sees them (text and bound values),
// while the benchmark runs the service in-process. The SQL floor of a query case is then exactly
// what the repositories ran for that request, replayed through plain `pg`: nothing is retyped, so
// the floor cannot drift from the service's SQL.
import 'reflect-metadata';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { type Database } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { RecommendationRepository } from '../src/recommendations/recommendation.repository.js';
import { type App, createApp } from '../src/server.js';

export interface CapturedStatement {
  readonly text: string;
  readonly values: unknown[];
  /** Backend process id of the connection it ran on. */
  readonly connection: number;
  readonly ms: number;
}

let recording: CapturedStatement[] | null = null;
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const prototype = pg.Client.prototype as unknown as {
    query: (
      this: pg.Client & { processID?: number },
      config: unknown,
      values?: unknown,
      callback?: unknown,
    ) => unknown;
  };
  const original = prototype.query;
  prototype.query = function (this: pg.Client & { processID?: number }, config, values, callback) {
    const log = recording;
    if (!log || !config || typeof (config as { submit?: unknown }).submit === 'function') {
      return original.call(this, config, values, callback);
    }
    const text = typeof config === 'string' ? config : ((config as { text?: string }).text ?? '');
    const bound = (
      typeof config === 'object' && Array.isArray((config as { values?: unknown[] }).values)
        ? (config as { values: unknown[] }).values
        : Array.isArray(values)
          ? values
          : []
    ) as unknown[];
    const entry = { text, values: bound, connection: this.processID ?? -1, ms: 0 };
    log.push(entry);
    const started = performance.now();
    const done = (): void => {
      entry.ms = performance.now() - started;
    };
    // pg.Pool#query passes a callback (no promise comes back); Prisma's transactions await a promise.
    const timed = (next: unknown): unknown =>
      typeof next === 'function'
        ? (...results: unknown[]) => {
            done();
            return (next as (...args: unknown[]) => unknown)(...results);
          }
        : next;
    const result = original.call(this, config, timed(values), timed(callback));
    if (result instanceof Promise) void result.then(done, done);
    return result;
  };
}

/** Runs `work` and returns it with every statement sent meanwhile (by any pg client in this process). */
export async function capture<T>(
  work: () => Promise<T>,
): Promise<{ value: T; statements: CapturedStatement[] }> {
  install();
  if (recording) throw new Error('captures do not nest');
  const statements: CapturedStatement[] = [];
  recording = statements;
  try {
    const value = await work();
    return { value, statements };
  } finally {
    recording = null;
  }
}

/** `set_config('hnsw.…', …)`, with the setting's name inlined or bound as a parameter. */
export const isHnswSetting = (statement: { text: string; values: unknown[] }): boolean =>
  /set_config\(\s*'hnsw\./.test(statement.text) ||
  (/set_config\(/.test(statement.text) &&
    statement.values.some((value) => String(value).startsWith('hnsw.')));

/** A statement that orders by a pgvector distance: the vector query itself. */
export const isVectorQuery = (text: string): boolean =>
  /(<=>|<->|<#>|<\+>|<~>|<%>)/.test(text) && /ORDER BY/i.test(text) && /LIMIT/i.test(text);

/**
 * The statements that carry the request's vector queries, in order: each either a transaction
 * (BEGIN … COMMIT on one connection) holding an hnsw setting or a vector query, or a vector query
 * sent on its own (the service sets pgvector's options per session). Throws nothing: an empty
 * list means the request ran no vector query.
 */
export function vectorUnits(statements: readonly CapturedStatement[]): CapturedStatement[] {
  const units: CapturedStatement[] = [];
  const open = new Map<number, CapturedStatement[]>();
  for (const statement of statements) {
    const text = statement.text.trim().toUpperCase();
    if (text === 'BEGIN') {
      open.set(statement.connection, [statement]);
      continue;
    }
    const current = open.get(statement.connection);
    if (!current) {
      if (isVectorQuery(statement.text)) units.push(statement);
      continue;
    }
    current.push(statement);
    if (text === 'COMMIT' || text === 'ROLLBACK') {
      open.delete(statement.connection);
      if (current.some((s) => isHnswSetting(s) || isVectorQuery(s.text))) units.push(...current);
    }
  }
  return units;
}

/** pgvector settings of a session (the service sets them per connection), as `-c name=value` options. */
export async function sessionVectorOptions(pool: pg.Pool): Promise<string> {
  const client = await pool.connect();
  try {
    // pgvector's settings are listed once its library is loaded in the session.
    await client.query(`SELECT '[1]'::vector`);
    const result = await client.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings
        WHERE (name LIKE 'hnsw.%' OR name LIKE 'ivfflat.%') AND source <> 'default' ORDER BY name`,
    );
    return result.rows.map((row) => `-c ${row.name}=${row.setting}`).join(' ');
  } finally {
    client.release();
  }
}

export interface InProcessApp {
  readonly app: App;
  /** Runs an operation as the HTTP layer would; throws on GraphQL errors. */
  execute<T>(query: string, variables: Record<string, unknown>, key?: string): Promise<T>;
  /** Runs `work` with the repository's exact path (every filtered product scored) instead of the index. */
  exactly<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The service's own app, built in this process on `database`, for capturing SQL and exact answers. */
export async function inProcessApp(database: Database, env: Record<string, string>): Promise<InProcessApp> {
  const config = loadConfig({ LOG_LEVEL: 'silent', MODELS_AUTO_DOWNLOAD: 'false', ...env });
  const app = await createApp({ config, database, logger: createLogger('silent') });
  const repository = RecommendationRepository.prototype as unknown as {
    recommend: (plan: unknown) => Promise<unknown>;
    run: (plan: unknown, exact: boolean) => Promise<unknown>;
  };
  return {
    app,
    async execute<T>(query: string, variables: Record<string, unknown>, key?: string): Promise<T> {
      const response = await app.apollo.executeOperation(
        { query, variables },
        { contextValue: app.contextFor(key ? `Bearer ${key}` : undefined) },
      );
      if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
      const result = response.body.singleResult;
      if (result.errors?.length || !result.data)
        throw new Error(`GraphQL error: ${JSON.stringify(result.errors)}`);
      return result.data as T;
    },
    async exactly<T>(work: () => Promise<T>): Promise<T> {
      const original = repository.recommend;
      repository.recommend = function (this: typeof repository, plan: unknown) {
        return this.run(plan, true);
      };
      try {
        return await work();
      } finally {
        repository.recommend = original;
      }
    },
    async close() {
      await app.stop();
    },
  };
}
