// Shopper behaviour over HTTP, on a catalogue the benchmark already loaded and a service it already
// started: a generated interaction log with planted tastes sent through `recordInteractions` in
// batches of 1000 (events/s on the Postgres server), one training through `trainBehaviorModel`
// (the background job, polled through `behaviorModelStatus`), then `recommendedForUser` against
// `similarProducts` in the CLIP space at c=1 in the same run (the target: within 1.5×), and
// `trendingProducts`. The training at 100k products × 1M events is bench/behavior-scale.ts (minutes
// and a GiB of memory: not part of every run); its last figures are read from
// bench/behavior-scale.json when present.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/paths.js';
import { plantedLog } from '../test/support/interaction-logs.js';
import { type LatencySummary, summarise } from './measure.js';
import { ADMIN_KEY, graphql } from './service-process.js';

export const RECOMMENDED_FOR_USER_TARGET_RATIO = 1.5;
export const EVENT_INGEST_TARGET_PER_SEC = 5_000;
export const BEHAVIOR_SCALE_FILE = join(PROJECT_ROOT, 'bench', 'behavior-scale.json');
export const BEHAVIOR_RESULTS_FILE = join(PROJECT_ROOT, 'bench', 'behavior-results.json');

/** What bench/behavior-scale.ts measured (its own run, written beside results.json). */
export interface BehaviorScaleResult {
  readonly command: string;
  readonly measuredAt: string;
  readonly products: number;
  readonly interactions: number;
  readonly users: number;
  readonly trainingSeconds: number;
  readonly jobSeconds: number;
  readonly peakRssMiB: number;
  readonly rssBeforeTrainingMiB: number;
  readonly recommendedForUserP50Ms: number;
  readonly similarBehaviorP50Ms: number;
}

export interface BehaviorBenchResult {
  readonly catalogueSize: number;
  readonly users: number;
  readonly events: number;
  readonly ingest: {
    readonly batchSize: number;
    readonly inFlight: number;
    readonly seconds: number;
    readonly eventsPerSec: number;
    readonly targetEventsPerSec: number;
    readonly met: boolean;
  };
  readonly training: {
    readonly jobSeconds: number;
    readonly trainingSeconds: number | null;
    readonly users: number | null;
    readonly items: number | null;
  };
  readonly recommendedForUser: LatencySummary;
  readonly similarClip: LatencySummary;
  readonly trending: LatencySummary;
  /** recommendedForUser p50 ÷ similarProducts(CLIP) p50. */
  readonly ratio: number;
  readonly targetRatio: number;
  readonly met: boolean;
  readonly scale: BehaviorScaleResult | null;
}

export interface BehaviorBenchOptions {
  readonly catalogueSize: number;
  /** Product ids with a CLIP vector, for similarProducts. */
  readonly clipProductIds: readonly string[];
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly users?: number;
  readonly eventsPerUser?: number;
}

const SELECTION = 'score distance product { id sku name category price }';
const TYPES = ['VIEW', 'VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE'] as const;

export async function behaviorBench(
  url: string,
  options: BehaviorBenchOptions,
  log: (line: string) => void,
): Promise<BehaviorBenchResult> {
  const users = options.users ?? 2_000;
  const planted = plantedLog({
    users,
    items: options.catalogueSize,
    groups: Math.max(10, Math.round(options.catalogueSize / 50)),
    eventsPerUser: options.eventsPerUser ?? 25,
    noise: 0.3,
    drift: 0.3,
    seed: 11,
  });
  // The bench catalogue's SKUs are bench-<index>; events end now (trending has a window to read).
  const now = Date.now();
  const events = planted.events.map((event, index) => ({
    eventId: `bench-${index}`,
    userToken: event.user,
    sku: `bench-${event.item.split('-')[1]}`,
    type: TYPES[index % TYPES.length]!,
    occurredAt: new Date(now - (planted.events.length - index) * 1000).toISOString(),
  }));

  const batchSize = 1000;
  const inFlight = 4;
  const record = `mutation Record($events: [InteractionInput!]!) { recordInteractions(events: $events) { accepted duplicates } }`;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (;;) {
        const start = next;
        next += batchSize;
        if (start >= events.length) return;
        await graphql(url, record, { events: events.slice(start, start + batchSize) }, ADMIN_KEY);
      }
    }),
  );
  const ingestSeconds = (performance.now() - started) / 1000;
  const eventsPerSec = events.length / ingestSeconds;
  log(
    `  ${events.length} events by recordInteractions (batches of ${batchSize}, ${inFlight} in flight): ${eventsPerSec.toFixed(0)} events/s`,
  );

  const trainStarted = performance.now();
  await graphql(url, 'mutation { trainBehaviorModel { state } }', {}, ADMIN_KEY);
  type Status = {
    state: string;
    trainingSeconds: number | null;
    users: number | null;
    items: number | null;
    error: string | null;
  };
  let status: Status;
  for (;;) {
    status = (
      await graphql<{ behaviorModelStatus: Status }>(
        url,
        '{ behaviorModelStatus { state trainingSeconds users items error } }',
        {},
        ADMIN_KEY,
      )
    ).behaviorModelStatus;
    if (status.state === 'READY') break;
    if (status.state === 'FAILED') throw new Error(`behaviour training failed: ${status.error}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const jobSeconds = (performance.now() - trainStarted) / 1000;
  log(
    `  training (job, polled): ${jobSeconds.toFixed(1)} s, of which ALS and storing ${status.trainingSeconds?.toFixed(1)} s (${status.users} users × ${status.items} items)`,
  );

  const forUserQuery = `query ForUser($user: String!) { recommendedForUser(userToken: $user, k: 10) { ${SELECTION} } }`;
  const similarQuery = `query Similar($id: ID!) { similarProducts(productId: $id, space: CLIP, k: 10) { ${SELECTION} } }`;
  const trendingQuery = `{ trendingProducts(k: 10) { ${SELECTION} } }`;
  const forUser = (i: number) => graphql(url, forUserQuery, { user: `user-${(i * 37) % users}` });
  const similar = (i: number) =>
    graphql(url, similarQuery, { id: options.clipProductIds[(i * 37) % options.clipProductIds.length] });
  const trendingCall = () => graphql(url, trendingQuery, {});
  // Interleaved request by request (forUser, similar, trending, forUser, …) at c=1, so a shared
  // machine's changing load falls on all three alike and their ratio holds.
  const [recommendedForUser, similarClip, trending] = (await interleaved(
    [forUser, similar, trendingCall],
    options.seconds * 3,
    options.warmupSeconds,
  )) as [LatencySummary, LatencySummary, LatencySummary];
  const ratio = recommendedForUser.p50Ms / similarClip.p50Ms;
  log(
    `  recommendedForUser p50 ${recommendedForUser.p50Ms.toFixed(2)} ms, similarProducts(CLIP) p50 ${similarClip.p50Ms.toFixed(2)} ms: ${ratio.toFixed(2)}×; trendingProducts p50 ${trending.p50Ms.toFixed(2)} ms`,
  );
  return {
    catalogueSize: options.catalogueSize,
    users,
    events: events.length,
    ingest: {
      batchSize,
      inFlight,
      seconds: ingestSeconds,
      eventsPerSec,
      targetEventsPerSec: EVENT_INGEST_TARGET_PER_SEC,
      met: eventsPerSec >= EVENT_INGEST_TARGET_PER_SEC,
    },
    training: {
      jobSeconds,
      trainingSeconds: status.trainingSeconds,
      users: status.users,
      items: status.items,
    },
    recommendedForUser,
    similarClip,
    trending,
    ratio,
    targetRatio: RECOMMENDED_FOR_USER_TARGET_RATIO,
    met: ratio <= RECOMMENDED_FOR_USER_TARGET_RATIO,
    scale: readBehaviorScale(),
  };
}

/** The last `npm run bench:behavior` (or null when it has not run here). */
export function readBehaviorResults(): (BehaviorBenchResult & { measuredAt: string }) | null {
  if (!existsSync(BEHAVIOR_RESULTS_FILE)) return null;
  return JSON.parse(readFileSync(BEHAVIOR_RESULTS_FILE, 'utf8')) as BehaviorBenchResult & {
    measuredAt: string;
  };
}

export function readBehaviorScale(): BehaviorScaleResult | null {
  if (!existsSync(BEHAVIOR_SCALE_FILE)) return null;
  return JSON.parse(readFileSync(BEHAVIOR_SCALE_FILE, 'utf8')) as BehaviorScaleResult;
}

/** Runs the operations in turn, one at a time, for `seconds` after a warm-up; one summary each. */
async function interleaved(
  operations: ReadonlyArray<(iteration: number) => Promise<unknown>>,
  seconds: number,
  warmupSeconds: number,
): Promise<LatencySummary[]> {
  const latencies = operations.map((): number[] => []);
  const warmupEnd = performance.now() + warmupSeconds * 1000;
  const end = warmupEnd + seconds * 1000;
  for (let iteration = 0; performance.now() < end; iteration++) {
    for (const [index, operation] of operations.entries()) {
      const started = performance.now();
      await operation(iteration);
      if (started >= warmupEnd) latencies[index]!.push(performance.now() - started);
    }
  }
  return latencies.map((times) => summarise(times, seconds / operations.length));
}
