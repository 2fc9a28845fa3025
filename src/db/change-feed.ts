// Tells every process of the service that shared state changed (a space switched models, a
// BEHAVIOR version was activated), so each drops its cache at once instead of serving a stale
// model. On the Postgres server this is LISTEN/NOTIFY on one channel: a publish is a pg_notify
// from any connection, and each process holds one pool connection that listens. A notification
// is lost while that connection is down, so after it reconnects every topic is announced as
// changed; the caches also re-read on a short TTL of their own, so a lost notification can never
// make a process serve a stale model for ever. The embedded database serves one process: its
// feed calls the listeners directly.
import type pg from 'pg';

/** The kinds of shared state whose caches are dropped on a change. */
export type ChangeTopic = 'embedding-space' | 'behavior-model';
export const CHANGE_TOPICS: readonly ChangeTopic[] = ['embedding-space', 'behavior-model'];

/** The Postgres channel (an identifier, so no quoting is needed). */
export const CHANGE_CHANNEL = 'recommender_changes';

export type ChangeListener = (topic: ChangeTopic) => void;

export interface ChangeFeed {
  /** Tells every process (this one included) that `topic` changed. */
  publish(topic: ChangeTopic): Promise<void>;
  subscribe(listener: ChangeListener): void;
  /** Starts receiving other processes' changes (a long-running process; scripts need not). */
  listen(): void;
  close(): Promise<void>;
}

const isTopic = (value: string | undefined): value is ChangeTopic =>
  CHANGE_TOPICS.includes(value as ChangeTopic);

/** The feed of a single process: a publish reaches this process's listeners only. */
export function localChangeFeed(): ChangeFeed {
  const listeners: ChangeListener[] = [];
  return {
    publish(topic) {
      for (const listener of listeners) listener(topic);
      return Promise.resolve();
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    listen: () => undefined,
    close: () => Promise.resolve(),
  };
}

/**
 * The feed over LISTEN/NOTIFY on the Postgres server. listen() starts listening in the background
 * (a database that is down delays only the notifications, not the start) on a connection of
 * `pool`, held until close(), and keeps reconnecting with back-off until then.
 */
export function postgresChangeFeed(
  pool: pg.Pool,
  onError: (error: unknown) => void,
  retry: { minMs: number; maxMs: number } = { minMs: 250, maxMs: 5_000 },
): ChangeFeed {
  const listeners: ChangeListener[] = [];
  let client: pg.PoolClient | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let delayMs = retry.minMs;
  /** Notifications may have been missed: set when listening failed or stopped, until it resumes. */
  let missed = false;
  let connecting: Promise<void> = Promise.resolve();
  let listening = false;
  const emit = (topic: ChangeTopic) => {
    for (const listener of listeners) listener(topic);
  };

  const drop = (held: pg.PoolClient, error?: unknown) => {
    if (client !== held) return;
    client = null;
    held.release(error instanceof Error ? error : true);
    if (error) onError(error);
    schedule();
  };
  const schedule = () => {
    missed = true;
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = null;
      connecting = connect();
    }, delayMs);
    timer.unref();
    delayMs = Math.min(retry.maxMs, delayMs * 2);
  };
  const connect = async (): Promise<void> => {
    if (closed) return;
    let held: pg.PoolClient;
    try {
      held = await pool.connect();
    } catch (error) {
      onError(error);
      schedule();
      return;
    }
    if (closed) {
      held.release();
      return;
    }
    client = held;
    held.on('notification', (message) => {
      if (message.channel === CHANGE_CHANNEL && isTopic(message.payload)) emit(message.payload);
    });
    held.on('error', (error) => drop(held, error));
    held.on('end', () => drop(held));
    try {
      await held.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      drop(held, error);
      return;
    }
    // Whatever changed while nobody listened (and at the first start, nothing is lost by it).
    delayMs = retry.minMs;
    if (missed) {
      missed = false;
      for (const topic of CHANGE_TOPICS) emit(topic);
    }
  };

  return {
    async publish(topic) {
      // This process drops its cache at once; the others on the notification.
      emit(topic);
      await pool.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, topic]);
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    listen() {
      if (listening || closed) return;
      listening = true;
      connecting = connect();
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await connecting;
      const held = client;
      client = null;
      if (held) {
        await held.query(`UNLISTEN ${CHANGE_CHANNEL}`).catch(() => undefined);
        held.release();
      }
    },
  };
}
