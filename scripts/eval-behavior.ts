// `npm run eval:behavior -- <file.csv|ndjson> [--factors 64] [--iterations 15] [--half-life-days 14] [--json]`:
// the offline protocol on an interaction log (src/behavior/offline-evaluation.ts): each shopper's
// latest interaction held out, the model trained on the rest, a full ranking over the whole
// catalogue without the shopper's training items; HR@10, NDCG@10, coverage and training time for
// popularity, implicit ALS (its own shopper factors) and ALS as recommendedForUser serves it (the
// shopper's recency-weighted taste from their history). Needs no database.
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { DEFAULT_ALS, trainImplicitAls } from '../src/behavior/implicit-als.js';
import {
  evaluateRanking,
  factorScores,
  leaveLastOut,
  type LoggedInteraction,
  popularityScores,
  type RankingQuality,
  tasteScores,
} from '../src/behavior/offline-evaluation.js';
import { readEventFile } from '../src/interactions/event-file.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    factors: { type: 'string' },
    iterations: { type: 'string' },
    'half-life-days': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const file = positionals[0];
if (!file) {
  console.error(
    'usage: npm run eval:behavior -- <interactions.csv|ndjson> [--factors N] [--iterations N] [--json]',
  );
  process.exit(2);
}
const config = loadConfig();
const weights = config.interactions.weights;
const parameters = {
  ...DEFAULT_ALS,
  factors: Number(values.factors ?? config.behavior.factors),
  iterations: Number(values.iterations ?? config.behavior.iterations),
};
const halfLifeDays = Number(values['half-life-days'] ?? config.behavior.shopperHalfLifeDays);

const log: LoggedInteraction[] = [];
let skipped = 0;
const { records } = readEventFile(file);
for await (const record of records) {
  const event = record.event;
  if (!event || event.userToken === '' || !(event.productId ?? event.sku)) {
    skipped++;
    continue;
  }
  log.push({
    user: event.userToken,
    item: event.productId ?? `sku:${event.sku}`,
    strength: weights[event.type],
    at: event.occurredAt?.getTime() ?? record.number,
  });
}
const split = leaveLastOut(log);
const popularity = evaluateRanking(split, popularityScores(split));
const started = performance.now();
const model = await trainImplicitAls(split.train, parameters);
const trainingSeconds = (performance.now() - started) / 1000;
const als = evaluateRanking(split, factorScores(model.userFactors, model.itemFactors, model.factors));
const served = evaluateRanking(
  split,
  tasteScores(split, model.itemFactors, model.factors, halfLifeDays * 86_400_000),
);

const report = {
  file,
  events: log.length,
  skipped,
  users: split.userIds.length,
  items: split.itemIds.length,
  evaluatedUsers: split.heldOut.size,
  parameters,
  halfLifeDays,
  trainingSeconds: Number(trainingSeconds.toFixed(2)),
  popularity,
  als,
  served,
};
if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const row = (name: string, quality: RankingQuality, seconds: string) =>
    `${name.padEnd(34)} ${quality.hitRate.toFixed(4).padStart(7)} ${quality.ndcg.toFixed(4).padStart(8)} ${(quality.coverage * 100).toFixed(1).padStart(9)} % ${seconds.padStart(9)}`;
  console.log(
    `${file}: ${log.length} events (${skipped} skipped), ${report.users} shoppers, ${report.items} products; ${report.evaluatedUsers} shoppers held out`,
  );
  console.log(
    `${'method'.padEnd(34)} ${'HR@10'.padStart(7)} ${'NDCG@10'.padStart(8)} ${'coverage'.padStart(11)} ${'training'.padStart(9)}`,
  );
  console.log(row('popularity', popularity, '—'));
  console.log(
    row(
      `implicit ALS (d=${parameters.factors}, ${parameters.iterations} sweeps)`,
      als,
      `${trainingSeconds.toFixed(2)} s`,
    ),
  );
  console.log(row(`ALS, served (taste, half-life ${halfLifeDays} d)`, served, '—'));
  console.log(
    `served / popularity: HR@10 × ${(served.hitRate / Math.max(popularity.hitRate, 1e-9)).toFixed(2)}, NDCG@10 × ${(served.ndcg / Math.max(popularity.ndcg, 1e-9)).toFixed(2)}`,
  );
}
