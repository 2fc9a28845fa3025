// How many connections a request may take from a pool right now without making another request
// wait: the idle ones and those the pool may still open, none while requests are queued for one.
// The recommendation repository splits a statement's index scans over this many connections at
// most, so the split speeds a request up on an idle server and falls back to one statement
// under load, where the other connections are serving other requests.
import type pg from 'pg';

/** A pool that knows its spare capacity better than its own counters (the read-replica router). */
export interface SpareCapacity {
  spareConnections(): number;
}

/** Connections a request could use at once now, its own included; 0 while others wait for one. */
export function spareConnections(pool: pg.Pool): number {
  const own = (pool as Partial<SpareCapacity>).spareConnections;
  if (typeof own === 'function') return own.call(pool);
  if (pool.waitingCount > 0) return 0;
  return pool.idleCount + Math.max(0, (pool.options.max ?? 10) - pool.totalCount);
}
