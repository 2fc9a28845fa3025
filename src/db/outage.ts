// The one rule that tells a database outage (unreachable, connection lost, pool exhausted, a statement
// cancelled by its timeout) from every other database error. Outages are the service's condition,
// not the client's mistake: the GraphQL layer answers them with SERVICE_UNAVAILABLE, HTTP 503 and
// Retry-After, and /readyz reports them without the driver's message (which names host and port).
//
// Errors reach us in three shapes: Prisma's (PrismaClientKnownRequestError whose
// `meta.driverAdapterError.cause` is @prisma/adapter-pg's classification), node-postgres's own
// (`code` = SQLSTATE or a Node socket error code), and the few errors pg and pg-pool raise without
// any code, which we recognise by their exact message (the only marker they carry).

export type OutageKind = 'unreachable' | 'connection-lost' | 'pool-exhausted' | 'timeout' | 'overloaded';

export interface DatabaseOutage {
  readonly kind: OutageKind;
  /** The driver's own description, for the log only: it may name the host and port. */
  readonly detail: string;
}

/** How long a client should wait before retrying a request refused by an outage (Retry-After). */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

/** Node socket errors: the server cannot be reached or went away. */
const SOCKET_CODES: Readonly<Record<string, OutageKind>> = {
  ECONNREFUSED: 'unreachable',
  ENOTFOUND: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EAI_AGAIN: 'unreachable',
  ECONNRESET: 'connection-lost',
  EPIPE: 'connection-lost',
  ETIMEDOUT: 'timeout',
};

/** SQLSTATEs of an outage (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
function sqlStateOutage(code: string): OutageKind | null {
  if (code.startsWith('08')) return 'connection-lost'; // connection_exception class
  switch (code) {
    case '57P01': // admin_shutdown: the server is stopping or terminated our backend
    case '57P02': // crash_shutdown
      return 'connection-lost';
    case '57P03': // cannot_connect_now: the server is starting up or in recovery
      return 'unreachable';
    case '57014': // query_canceled: statement_timeout (DB_STATEMENT_TIMEOUT_MS) fired
    case '55P03': // lock_not_available
      return 'timeout';
    case '53300': // too_many_connections
    case '53200': // out_of_memory
    case '53100': // disk_full
      return 'overloaded';
    default:
      return null;
  }
}

/** @prisma/adapter-pg's `DriverAdapterError.cause.kind` values that mean an outage. */
const ADAPTER_KINDS: Readonly<Record<string, OutageKind>> = {
  DatabaseNotReachable: 'unreachable',
  ConnectionClosed: 'connection-lost',
  SocketTimeout: 'timeout',
  TooManyConnections: 'overloaded',
};

/** Prisma's own codes for the same conditions (engine-side checks). */
const PRISMA_CODES: Readonly<Record<string, OutageKind>> = {
  P1001: 'unreachable', // can't reach database server
  P1002: 'timeout', // database server reached but timed out
  P1008: 'timeout', // operations timed out
  P1017: 'connection-lost', // server has closed the connection
  P2024: 'pool-exhausted', // timed out fetching a new connection from the pool
  P2037: 'overloaded', // too many database connections opened
};

/** pg and pg-pool raise these without a code; the message is their only marker. */
const UNCODED_DRIVER_MESSAGES: Readonly<Record<string, OutageKind>> = {
  'timeout exceeded when trying to connect': 'pool-exhausted', // pg-pool: DB_CONNECT_TIMEOUT_MS
  'Connection terminated unexpectedly': 'connection-lost', // pg Client: socket closed mid-query
  'Connection terminated due to connection timeout': 'timeout', // pg Client: connect timed out
  'Connection terminated': 'connection-lost', // pg Client ended while a query was queued
  'Client has encountered a connection error and is not queryable': 'connection-lost',
  'Cannot use a pool after calling end on the pool': 'connection-lost', // shutting down
};

interface ErrorLike {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
  readonly meta?: { readonly driverAdapterError?: { readonly cause?: unknown } };
  readonly kind?: unknown;
}

const isObject = (value: unknown): value is ErrorLike => typeof value === 'object' && value !== null;

function ownOutage(error: ErrorLike): OutageKind | null {
  const { code, kind, message } = error;
  if (typeof kind === 'string') {
    if (kind in ADAPTER_KINDS) return ADAPTER_KINDS[kind]!;
    if (kind === 'postgres' && typeof code === 'string') return sqlStateOutage(code);
  }
  if (typeof code === 'string') {
    if (code in SOCKET_CODES) return SOCKET_CODES[code]!;
    if (code in PRISMA_CODES) return PRISMA_CODES[code]!;
    if (/^[0-9A-Z]{5}$/.test(code)) {
      const fromSqlState = sqlStateOutage(code);
      if (fromSqlState) return fromSqlState;
    }
  }
  if (code === undefined && typeof message === 'string' && message in UNCODED_DRIVER_MESSAGES) {
    return UNCODED_DRIVER_MESSAGES[message]!;
  }
  return null;
}

/**
 * The outage behind `error` (looking through Prisma's wrapper and `cause` chains), or null when the
 * error is anything else: a constraint, a syntax error, a bug.
 */
export function databaseOutageOf(error: unknown): DatabaseOutage | null {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (!isObject(current) || seen.has(current)) continue;
    seen.add(current);
    const kind = ownOutage(current);
    if (kind) {
      const detail = [current, error].find(
        (candidate): candidate is ErrorLike & { message: string } =>
          isObject(candidate) && typeof candidate.message === 'string',
      );
      return { kind, detail: detail?.message ?? kind };
    }
    queue.push(current.meta?.driverAdapterError?.cause, current.meta?.driverAdapterError, current.cause);
  }
  return null;
}
