// The "Shopper behaviour" section of BENCHMARKS.md and its rows of the Targets table, from the last
// `npm run bench:behavior` (bench/behavior-results.json) and the last bench/behavior-scale.ts run
// (bench/behavior-scale.json). Either may be missing on a machine that has not run it.
import { readBehaviorResults, readBehaviorScale } from './behavior-bench.js';

const TRAINING_TARGET_SECONDS = 300;
const TRAINING_TARGET_RSS_MIB = 2048;

const met = (ok: boolean): string => (ok ? 'met' : '**missed**');

/** [target, measured, met] rows for the Targets table. */
export function behaviorTargetRows(): string[][] {
  const rows: string[][] = [];
  const behavior = readBehaviorResults();
  const scale = readBehaviorScale();
  if (behavior) {
    rows.push([
      `\`recommendedForUser\` p50 ≤ ${behavior.targetRatio} × \`similarProducts\` CLIP p50 (${behavior.catalogueSize / 1000}k, HTTP, c=1)`,
      `${behavior.recommendedForUser.p50Ms.toFixed(2)} vs ${behavior.similarClip.p50Ms.toFixed(2)} ms = ${behavior.ratio.toFixed(2)}×`,
      met(behavior.met),
    ]);
    rows.push([
      `event ingest ≥ ${behavior.ingest.targetEventsPerSec} events/s (\`recordInteractions\`, server)`,
      `${behavior.ingest.eventsPerSec.toFixed(0)} events/s`,
      met(behavior.ingest.met),
    ]);
  }
  if (scale) {
    rows.push([
      `BEHAVIOR training, ${scale.products / 1000}k products × ${(scale.interactions / 1e6).toFixed(1)}M events, ≤ 5 min and ≤ 2 GiB RSS`,
      `${scale.jobSeconds.toFixed(0)} s, ${scale.peakRssMiB} MiB`,
      met(scale.jobSeconds <= TRAINING_TARGET_SECONDS && scale.peakRssMiB <= TRAINING_TARGET_RSS_MIB),
    ]);
  }
  return rows;
}

export function renderBehaviorSection(): string | null {
  const behavior = readBehaviorResults();
  const scale = readBehaviorScale();
  if (!behavior && !scale) return null;
  const parts = ['## Shopper behaviour'];
  if (behavior) {
    const latency = (label: string, summary: typeof behavior.recommendedForUser): string =>
      `| ${label} | ${summary.p50Ms.toFixed(2)} | ${summary.p95Ms.toFixed(2)} | ${summary.p99Ms.toFixed(2)} | ${summary.throughputPerSec.toFixed(0)} |`;
    parts.push(`Measured by \`npm run bench:behavior\` on ${behavior.measuredAt.slice(0, 16).replace('T', ' ')} UTC (bench/behavior.ts): a
${behavior.catalogueSize / 1000}k-product catalogue loaded as in section 1 (CLIP and CNN spaces), the service as a process on the
Postgres server, a generated log with planted tastes (${behavior.users} shoppers, ${behavior.events} events) sent through
\`recordInteractions\` over HTTP in batches of ${behavior.ingest.batchSize}, ${behavior.ingest.inFlight} in flight; one training through
\`trainBehaviorModel\`; then the three queries below interleaved request by request at c=1 (so the shared machine's
load falls on all alike), about ${behavior.recommendedForUser.requests} requests each. req/s is each query's share of that loop.

- Event ingest: **${behavior.ingest.eventsPerSec.toFixed(0)} events/s** (${behavior.events} events in ${behavior.ingest.seconds.toFixed(1)} s).
- Training (queued job, polled): ${behavior.training.jobSeconds.toFixed(1)} s, of which ALS and storing the vectors ${behavior.training.trainingSeconds?.toFixed(1) ?? '–'} s (${behavior.training.users} shoppers × ${behavior.training.items} products).

| query (HTTP, c=1) | p50 ms | p95 ms | p99 ms | req/s |
| --- | --- | --- | --- | --- |
${latency('`recommendedForUser(k: 10)` (shopper with history)', behavior.recommendedForUser)}
${latency('`similarProducts(space: CLIP, k: 10)`', behavior.similarClip)}
${latency('`trendingProducts(k: 10)`', behavior.trending)}

\`recommendedForUser\` ÷ \`similarProducts\` CLIP at p50: **${behavior.ratio.toFixed(2)}×** (target ≤ ${behavior.targetRatio}×). Its statements:
the shopper's profile (taste vector from their latest 500 events, seen products), then at once the
BEHAVIOR-space HNSW query excluding what they saw and the new-product slot (products added since the
training, by the created_at index).`);
  }
  if (scale) {
    parts.push(`**At scale** (\`${scale.command}\`, ${scale.measuredAt.slice(0, 16).replace('T', ' ')} UTC, in-process on the
Postgres server): ${scale.products / 1000}k products, ${scale.users / 1000}k shoppers, ${(scale.interactions / 1e6).toFixed(1)}M events.
Training job ${scale.jobSeconds.toFixed(0)} s (of which ALS and storing ${scale.trainingSeconds.toFixed(0)} s), peak RSS ${scale.peakRssMiB} MiB
(${scale.rssBeforeTrainingMiB} MiB before); then \`recommendedForUser\` p50 ${scale.recommendedForUserP50Ms.toFixed(2)} ms against
\`similarProducts\` BEHAVIOR p50 ${scale.similarBehaviorP50Ms.toFixed(2)} ms (in-process calls, no HTTP).`);
  }
  return parts.join('\n\n');
}
