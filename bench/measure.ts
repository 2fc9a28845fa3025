// Measuring helpers: latency percentiles, a closed-loop driver, /proc sampling of a process's
// memory and CPU, and the machine facts the report starts with.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import pg from 'pg';

export interface LatencySummary {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly throughputPerSec: number;
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarise(latencies: readonly number[], seconds: number, errors = 0): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (value: number): number => Math.round(value * 1000) / 1000;
  return {
    requests: sorted.length,
    errors,
    seconds: round(seconds),
    p50Ms: round(percentile(sorted, 0.5)),
    p95Ms: round(percentile(sorted, 0.95)),
    p99Ms: round(percentile(sorted, 0.99)),
    meanMs: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
    throughputPerSec: round(sorted.length / seconds),
  };
}

/**
 * One summary of a measurement taken in several rounds, interleaved with the measurements it is
 * compared with: each percentile and the throughput are the median of the rounds' values, so a
 * spell of a slow host moves one round's value, not the result, and falls on the compared figures
 * alike. Requests, errors and seconds are summed; the mean is over every request.
 */
export function combineRounds(rounds: readonly LatencySummary[]): LatencySummary {
  if (rounds.length === 0) throw new Error('no rounds to combine');
  const median = (pick: (summary: LatencySummary) => number): number => {
    const values = rounds.map(pick).sort((a, b) => a - b);
    const middle = values.length >> 1;
    const value = values.length % 2 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2;
    return Math.round(value * 1000) / 1000;
  };
  const requests = rounds.reduce((sum, round) => sum + round.requests, 0);
  const round = (value: number): number => Math.round(value * 1000) / 1000;
  return {
    requests,
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    seconds: round(rounds.reduce((sum, r) => sum + r.seconds, 0)),
    p50Ms: median((r) => r.p50Ms),
    p95Ms: median((r) => r.p95Ms),
    p99Ms: median((r) => r.p99Ms),
    meanMs: round(rounds.reduce((sum, r) => sum + r.meanMs * r.requests, 0) / Math.max(1, requests)),
    throughputPerSec: median((r) => r.throughputPerSec),
  };
}

/**
 * N workers, each running `operation` back to back until `seconds` have passed (after a warm-up of
 * `warmupSeconds` whose latencies are dropped): the closed loop autocannon also runs.
 */
export async function closedLoop(
  concurrency: number,
  seconds: number,
  warmupSeconds: number,
  operation: (worker: number, iteration: number) => Promise<void>,
): Promise<LatencySummary> {
  const latencies: number[] = [];
  let iteration = 0;
  const warmupEnd = performance.now() + warmupSeconds * 1000;
  const end = warmupEnd + seconds * 1000;
  let measuredStart = 0;
  const worker = async (index: number): Promise<void> => {
    while (performance.now() < end) {
      const started = performance.now();
      await operation(index, iteration++);
      const finished = performance.now();
      if (started >= warmupEnd) {
        if (measuredStart === 0) measuredStart = started;
        latencies.push(finished - started);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)));
  return summarise(latencies, (performance.now() - warmupEnd) / 1000);
}

/** A statement as `pg` query config: named when it has a name, as the service sends its hot statements. */
export const queryConfig = (statement: {
  readonly text: string;
  readonly values: unknown[];
  readonly name?: string;
}): pg.QueryConfig => ({
  text: statement.text,
  values: statement.values,
  ...(statement.name ? { name: statement.name } : {}),
});

/**
 * A hand-written floor statement as a named (prepared) statement: parsed once per connection and
 * planned once its generic plan is as good, as the service's own statements are — the best raw SQL
 * for an answer includes not planning it again.
 */
export const preparedFloor = <S extends { readonly text: string; readonly values: unknown[] }>(
  statement: S,
): S & { name: string } => ({
  ...statement,
  name: `floor_${createHash('sha1').update(statement.text).digest('hex').slice(0, 24)}`,
});

/** Runs `statements` on one pg client, in order; returns the rows of the last one that had rows. */
export async function runStatements(
  client: pg.Client | pg.PoolClient,
  statements: ReadonlyArray<{ text: string; values: unknown[]; alongside?: boolean }>,
  /** Connections for the statements sent alongside the one before (a split request's parts). */
  side: ReadonlyArray<pg.Client | pg.PoolClient> = [],
): Promise<Array<Record<string, unknown>>> {
  let rows: Array<Record<string, unknown>> = [];
  // Statements the service sent side by side form one group: replayed side by side too when there
  // are connections enough, one after the other otherwise; their rows merged as the service merges them.
  const groups: Array<typeof statements> = [];
  for (const statement of statements) {
    if (statement.alongside && groups.length > 0) groups[groups.length - 1] = [...groups.at(-1)!, statement];
    else groups.push([statement]);
  }
  for (const group of groups) {
    if (group.length === 1) {
      const result = await client.query(queryConfig(group[0]!));
      if (result.rows.length > 0) rows = result.rows as Array<Record<string, unknown>>;
      continue;
    }
    const connections = [client, ...side];
    let results: pg.QueryResult[] = [];
    if (connections.length >= group.length) {
      results = await Promise.all(
        group.map((statement, index) => connections[index]!.query(queryConfig(statement))),
      );
    } else {
      for (const statement of group) results.push(await client.query(queryConfig(statement)));
    }
    const merged = mergeParts(results.map((result) => result.rows as Array<Record<string, unknown>>));
    if (merged.length > 0) rows = merged;
  }
  return rows;
}

/**
 * The rows of a split recommendation's parts as the repository merges them: each product once, by
 * score descending, then id; as many as the fullest part returned (each returns up to the limit).
 */
function mergeParts(parts: ReadonlyArray<Array<Record<string, unknown>>>): Array<Record<string, unknown>> {
  const byId = new Map(parts.flat().map((row) => [String(row['id']), row]));
  const limit = Math.max(0, ...parts.map((part) => part.length));
  const id = (row: Record<string, unknown>): string => String(row['id']);
  return [...byId.values()]
    .sort((a, b) => Number(b['score']) - Number(a['score']) || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0))
    .slice(0, limit);
}

// ---------------------------------------------------------------------------------------------
// /proc sampling.

const CLOCK_TICKS = 100;

export function rssBytes(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number =>
      Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
    return { rss: field('VmRSS'), peak: field('VmHWM') };
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Busy and total jiffies of the whole machine. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface UsageWindow {
  /** Average cores the process kept busy. */
  readonly processCores: number;
  /** Average cores busy on the whole machine (the process, Postgres, the load generator, anything else). */
  readonly machineCores: number;
  readonly peakRssBytes: number;
  readonly meanRssBytes: number;
}

/** Samples a process's RSS every 100 ms and its CPU over the window until `stop()`. */
export function sampleUsage(pid: number): { stop(): UsageWindow } {
  const startCpu = cpuSeconds(pid);
  const startMachine = machineCpu();
  const started = performance.now();
  const samples: number[] = [];
  const timer = setInterval(() => {
    const rss = rssBytes(pid);
    if (rss) samples.push(rss.rss);
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      const seconds = (performance.now() - started) / 1000;
      const machine = machineCpu();
      const cores = availableParallelism();
      return {
        processCores: (cpuSeconds(pid) - startCpu) / seconds,
        machineCores:
          ((machine.busy - startMachine.busy) / Math.max(1, machine.total - startMachine.total)) * cores,
        peakRssBytes: samples.length ? Math.max(...samples) : 0,
        meanRssBytes: samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : 0,
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Machine facts.

export interface MachineFacts {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
  readonly postgres: string;
  readonly pgvector: string;
  readonly postgresSettings: Record<string, string>;
  readonly onnxruntime: string;
  readonly sharp: string;
  readonly loadAverageAtStart: string;
}

function packageVersion(name: string): string {
  try {
    const path = new URL(`../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function machineFacts(adminUrl: string): Promise<MachineFacts> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const version = await client.query<{ version: string }>('SELECT version()');
    const vector = await client.query<{ default_version: string }>(
      `SELECT default_version FROM pg_available_extensions WHERE name = 'vector'`,
    );
    const settings = await client.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings WHERE name IN
        ('shared_buffers', 'work_mem', 'maintenance_work_mem', 'max_parallel_workers_per_gather',
         'max_parallel_maintenance_workers', 'effective_cache_size', 'jit', 'max_connections')`,
    );
    let os = 'unknown';
    try {
      os = execFileSync('uname', ['-sr']).toString().trim();
    } catch {
      // not a Unix
    }
    return {
      cpuModel: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      os,
      postgres: version.rows[0]?.version.split(' on ')[0] ?? 'unknown',
      pgvector: vector.rows[0]?.default_version ?? 'not installed',
      postgresSettings: Object.fromEntries(
        settings.rows.map((row) => [row.name, row.unit ? `${row.setting} × ${row.unit}` : row.setting]),
      ),
      onnxruntime: packageVersion('onnxruntime-node'),
      sharp: packageVersion('sharp'),
      loadAverageAtStart: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    };
  } finally {
    await client.end();
  }
}
