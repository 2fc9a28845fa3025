// Records the SQL statements the service sends, as node-postgres sees them (text and bound values),
// while the benchmark runs the service in-process. The SQL floor of a query case is then exactly
// what the repositories ran for that request, replayed through plain `pg`: nothing is retyped, so
// the floor cannot drift from the service's SQL.
//
// Public seams only: the service runs on a Database the bench builds with `databaseFromPool` over a
// pool whose clients record their statements (nothing in pg or src/ is patched), and exact answers
// come from a second app on the same database configured with VECTOR_SEARCH_EXACT=true.
import 'reflect-metadata';
import pg from 'pg';
import { type Config, loadConfig } from '../src/config.js';
import { type Database, databaseFromPool, serverPoolConfig } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { type App, createApp } from '../src/server.js';

export interface CapturedStatement {
  readonly text: string;
  readonly values: unknown[];
  /** The statement's name when the service sent it as a named (prepared) statement. */
  readonly name?: string;
  /** Backend process id of the connection it ran on. */
  readonly connection: number;
  /** performance.now() when it was sent, and how long until its result came back. */
  readonly started: number;
  readonly ms: number;
}

let recording: CapturedStatement[] | null = null;

type QueryMethod = (config: unknown, values?: unknown, callback?: unknown) => unknown;
// pg.Client's query is a stack of overloads; the recording override takes them all as one.
const PgClient = pg.Client as unknown as new (config?: string | pg.ClientConfig) => {
  query(config: unknown, values?: unknown, callback?: unknown): unknown;
  processID?: number;
};

/** Sends one query through `send`, recording it (text, values, connection, timing) during a capture(). */
function recorded(
  processID: number | undefined,
  config: unknown,
  values: unknown,
  callback: unknown,
  send: QueryMethod,
): unknown {
  const log = recording;
  if (!log || !config || typeof (config as { submit?: unknown }).submit === 'function') {
    return send(config, values, callback);
  }
  const text = typeof config === 'string' ? config : ((config as { text?: string }).text ?? '');
  const bound = (
    typeof config === 'object' && Array.isArray((config as { values?: unknown[] }).values)
      ? (config as { values: unknown[] }).values
      : Array.isArray(values)
        ? values
        : []
  ) as unknown[];
  const started = performance.now();
  const name = typeof config === 'object' ? (config as { name?: unknown }).name : undefined;
  const entry = {
    text,
    values: bound,
    ...(typeof name === 'string' ? { name } : {}),
    connection: processID ?? -1,
    started,
    ms: 0,
  };
  log.push(entry);
  const done = (): void => {
    entry.ms = performance.now() - started;
  };
  // pg.Pool#query passes a callback (no promise comes back); Prisma's adapter awaits a promise.
  const timed = (next: unknown): unknown =>
    typeof next === 'function'
      ? (...results: unknown[]) => {
          done();
          return (next as (...args: unknown[]) => unknown)(...results);
        }
      : next;
  const result = send(config, timed(values), timed(callback));
  if (result instanceof Promise) void result.then(done, done);
  return result;
}

/** A pg.Client that records what it sends while a capture() runs; otherwise plain pg.Client. */
class CapturingClient extends PgClient {
  override query(config: unknown, values?: unknown, callback?: unknown): unknown {
    return recorded(this.processID, config, values, callback, (c, v, cb) => super.query(c, v, cb));
  }
}

/**
 * The service's Database on the Postgres server at `url`, over a pool of recording clients. Its
 * sessions carry the same pgvector settings openDatabase gives the service's own pool
 * (src/db/database.ts), taken from the configuration's `search` section.
 */
export function openCapturingDatabase(
  url: string,
  poolSize: number,
  search: Config['search'] = loadConfig({}).search,
): Database {
  const config = loadConfig({});
  const pool = new pg.Pool({
    ...serverPoolConfig({ kind: 'server', url, poolSize }, search, config.timeouts),
    Client: CapturingClient as unknown as new () => pg.ClientBase,
  });
  return databaseFromPool('server', pool, async () => pool.end());
}

/**
 * A recording Database over an existing one's pool (the embedded PGlite, whose single connection
 * cannot be reopened by a second pool): its clients are handed out behind a recording wrapper,
 * nothing is patched. Closing it leaves `database` and its pool open.
 */
export function capturingView(database: Database): Database {
  const inner = database.pool;
  const wrapClient = (client: pg.PoolClient): pg.PoolClient =>
    new Proxy(client, {
      get(target, property) {
        if (property === 'query') {
          const processID = (target as { processID?: number }).processID;
          const send = (target.query as QueryMethod).bind(target);
          return (config: unknown, values?: unknown, callback?: unknown) =>
            recorded(processID, config, values, callback, send);
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  const connect = async (): Promise<pg.PoolClient> => wrapClient(await inner.connect());
  const pool = new Proxy(inner, {
    get(target, property) {
      if (property === 'connect') return connect;
      if (property === 'query') {
        return async (config: unknown, values?: unknown) => {
          const client = await connect();
          try {
            return await (client.query as QueryMethod)(config, values);
          } finally {
            client.release();
          }
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return databaseFromPool(database.kind, pool, () => Promise.resolve());
}

/**
 * Runs `work` and returns it with every statement sent meanwhile through a capturing database's
 * connections (openCapturingDatabase).
 */
export async function capture<T>(
  work: () => Promise<T>,
): Promise<{ value: T; statements: CapturedStatement[] }> {
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
  /**
   * Runs an operation on a second app over the same database configured with
   * VECTOR_SEARCH_EXACT=true: the repository's exact path (every filtered product scored), no index.
   */
  executeExact<T>(query: string, variables: Record<string, unknown>, key?: string): Promise<T>;
  close(): Promise<void>;
}

async function executeOn<T>(
  app: App,
  query: string,
  variables: Record<string, unknown>,
  key?: string,
): Promise<T> {
  const response = await app.apollo.executeOperation(
    { query, variables },
    { contextValue: app.contextFor(key ? `Bearer ${key}` : undefined) },
  );
  if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
  const result = response.body.singleResult;
  if (result.errors?.length || !result.data)
    throw new Error(`GraphQL error: ${JSON.stringify(result.errors)}`);
  return result.data as T;
}

/**
 * The service's own app, built in this process on `database` (a capturing database, to capture
 * SQL), plus an exact-search app on the same database, built on first use.
 */
export async function inProcessApp(database: Database, env: Record<string, string>): Promise<InProcessApp> {
  const build = (extra: Record<string, string>): Promise<App> =>
    createApp({
      config: loadConfig({ LOG_LEVEL: 'silent', MODELS_AUTO_DOWNLOAD: 'false', ...env, ...extra }),
      database,
      logger: createLogger('silent'),
    });
  const app = await build({});
  let exactApp: Promise<App> | null = null;
  return {
    app,
    execute: (query, variables, key) => executeOn(app, query, variables, key),
    async executeExact(query, variables, key) {
      exactApp ??= build({ VECTOR_SEARCH_EXACT: 'true' });
      return executeOn(await exactApp, query, variables, key);
    },
    async close() {
      if (exactApp) await (await exactApp).stop();
      await app.stop();
    },
  };
}
