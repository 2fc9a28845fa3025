// Implicit ALS on generated logs with planted tastes: it must recover the structure (beat the
// popularity baseline clearly under the leave-last-out protocol) and keep its numbers sane.
import { describe, expect, it } from 'vitest';
import { plantedLog } from '../../test/support/interaction-logs.js';
import { DEFAULT_ALS, trainImplicitAls } from './implicit-als.js';
import { evaluateRanking, factorScores, leaveLastOut, popularityScores } from './offline-evaluation.js';

describe('implicit ALS', () => {
  it('beats popularity by a clear margin on a log with planted tastes', async () => {
    const { events } = plantedLog({
      users: 600,
      items: 400,
      groups: 20,
      eventsPerUser: 12,
      noise: 0.3,
      seed: 7,
    });
    const split = leaveLastOut(events);
    const started = performance.now();
    const model = await trainImplicitAls(split.train, { ...DEFAULT_ALS, factors: 32, iterations: 10 });
    const seconds = (performance.now() - started) / 1000;
    const als = evaluateRanking(split, factorScores(model.userFactors, model.itemFactors, model.factors));
    const popularity = evaluateRanking(split, popularityScores(split));
    // With 20 groups of 20 items and 70 % of events inside a shopper's groups, knowing the taste
    // puts the held-out item among ~20–40 candidates (HR@10 ≈ 0.4 is near the ceiling; within a
    // group the order is chance, which caps NDCG); popularity knows nothing of tastes (≈ 0.16).
    expect(als.hitRate).toBeGreaterThan(0.33);
    expect(als.hitRate).toBeGreaterThan(2 * popularity.hitRate);
    expect(als.ndcg).toBeGreaterThan(1.5 * popularity.ndcg);
    expect(als.coverage).toBeGreaterThan(popularity.coverage);
    expect(seconds).toBeLessThan(10);
    expect(model.itemFactors.every(Number.isFinite)).toBe(true);
  });

  it('puts items of one taste group closer to each other than to other groups', async () => {
    const log = plantedLog({ users: 400, items: 100, groups: 5, eventsPerUser: 10, noise: 0.1, seed: 3 });
    const split = leaveLastOut(log.events);
    const model = await trainImplicitAls(split.train, { ...DEFAULT_ALS, factors: 16, iterations: 8 });
    const d = model.factors;
    const cosine = (a: number, b: number) => {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let k = 0; k < d; k++) {
        const x = model.itemFactors[a * d + k]!;
        const y = model.itemFactors[b * d + k]!;
        dot += x * y;
        na += x * x;
        nb += y * y;
      }
      return dot / Math.sqrt(na * nb);
    };
    let same = 0;
    let sameCount = 0;
    let other = 0;
    let otherCount = 0;
    for (let a = 0; a < split.itemIds.length; a++) {
      for (let b = a + 1; b < split.itemIds.length; b++) {
        if (log.groupOf(split.itemIds[a]!) === log.groupOf(split.itemIds[b]!)) {
          same += cosine(a, b);
          sameCount++;
        } else {
          other += cosine(a, b);
          otherCount++;
        }
      }
    }
    expect(same / sameCount).toBeGreaterThan(other / otherCount + 0.25);
  });

  it('yields to the caller while it trains and reports every sweep', async () => {
    const { events } = plantedLog({
      users: 300,
      items: 200,
      groups: 10,
      eventsPerUser: 10,
      noise: 0.2,
      seed: 5,
    });
    const split = leaveLastOut(events);
    let pauses = 0;
    const progress: number[] = [];
    await trainImplicitAls(
      split.train,
      { ...DEFAULT_ALS, factors: 64, iterations: 3 },
      {
        pause: () => {
          pauses++;
          return new Promise((resolve) => setImmediate(resolve));
        },
        onProgress: ({ iteration }) => {
          progress.push(iteration);
        },
      },
    );
    expect(progress).toEqual([1, 2, 3]);
    expect(pauses).toBeGreaterThan(0);
  });
});
