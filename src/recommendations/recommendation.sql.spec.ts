// How a split statement's candidate scans are shared out between its parts (scanParts).
import { describe, expect, it } from 'vitest';
import { scanParts } from './recommendation.sql.js';

describe('scanParts', () => {
  it('puts the costliest scan alone and the cheaper ones together', () => {
    // ATTRIBUTES (3-d), IMAGE (2048-d), CLIP (512-d) in two parts.
    expect(scanParts([3, 2048, 512], 2)).toEqual([1, 0, 1]);
    expect(scanParts([3, 2048, 512], 3)).toEqual([2, 0, 1]);
    expect(scanParts([3, 2048, 512], 1)).toEqual([0, 0, 0]);
  });

  it('keeps the parts about equally costly, every part with a scan', () => {
    const costs = [512, 512, 2048, 2048, 3, 3];
    const parts = scanParts(costs, 3);
    const loads = [0, 1, 2].map((part) =>
      costs.reduce((sum, cost, scan) => sum + (parts[scan] === part ? cost : 0), 0),
    );
    expect(new Set(parts).size).toBe(3);
    expect(loads.sort((a, b) => a - b)).toEqual([1030, 2048, 2048]);
  });
});
