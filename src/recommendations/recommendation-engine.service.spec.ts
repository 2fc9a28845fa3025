// How many candidates one index scan of a query takes: for combined queries, what fits into the
// HNSW scan's first search round after the skipped ids, never fewer than 3/4 of what it wanted.
import { describe, expect, it } from 'vitest';
import { candidatesPerTarget, candidatesWithinFirstSearch } from './recommendation-engine.service.js';

describe('candidatesWithinFirstSearch', () => {
  it.each([
    // wanted, skipped, ef_search → taken
    [100, 0, 100, 100],
    [100, 1, 100, 99], // the liked product skipped: one row fewer instead of a second round
    [100, 3, 100, 97],
    [100, 25, 100, 75], // the least it takes
    [100, 26, 100, 100], // a second round anyway: take all
    [100, 1, 200, 100], // fits whole
    [200, 1, 100, 200], // more than one round wanted: unchanged
    [40, 1, 100, 40],
    [100, 1, 40, 100], // a small ef_search: rounds are paid anyway
  ])('wanted %i, %i skipped, ef_search %i → %i', (wanted, skipped, efSearch, taken) => {
    expect(candidatesWithinFirstSearch(wanted, skipped, efSearch)).toBe(taken);
  });
});

describe('candidatesPerTarget', () => {
  const shape = { simple: false, filtered: false, pool: 10, skipped: 1, efSearch: 100 };
  it('one space and one example: the pool, or 4 × it (at least 40) with a filter', () => {
    expect(candidatesPerTarget({ ...shape, simple: true })).toBe(10);
    expect(candidatesPerTarget({ ...shape, simple: true, filtered: true })).toBe(40);
    expect(candidatesPerTarget({ ...shape, simple: true, filtered: true, pool: 50 })).toBe(200);
  });
  it('combined: 100 (or 4 × the pool) fitted into the first search round without a filter', () => {
    expect(candidatesPerTarget(shape)).toBe(99);
    expect(candidatesPerTarget({ ...shape, skipped: 3 })).toBe(97);
    expect(candidatesPerTarget({ ...shape, pool: 50 })).toBe(200);
  });
  it('combined with a filter: all of them, the scans run further rounds anyway', () => {
    expect(candidatesPerTarget({ ...shape, filtered: true })).toBe(100);
  });
});
