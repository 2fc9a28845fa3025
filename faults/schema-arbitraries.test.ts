// The fuzzer's own generator, checked without a service: every request body it draws fits in the
// service's default MAX_BODY_BYTES (16 MiB) but the one attack drawn oversized on purpose. A
// generator that multiplies megabyte strings or values nested thousands deep across a list's
// elements draws bodies of hundreds of megabytes — refused unread by the service, so they test
// nothing — and now and then one past the longest string V8 can build, which fails the fuzz test
// in the generator (the CI failure of 2026-12-06).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BODY_BYTES } from '../src/config.js';
import { AXES } from './support/http.js';
import { OVERSIZED_BODY_BYTES, schemaOperations } from './support/schema-arbitraries.js';

const known = {
  productIds: ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'],
  axes: AXES,
};

describe('the fuzzer’s request generator', () => {
  it.each([1, 2, 3])('draws bodies under 16 MB (seed %i, 600 operations)', (seed) => {
    let largest = 0;
    for (const operation of fc.sample(schemaOperations(known), { seed, numRuns: 600 })) {
      const bytes = Buffer.byteLength(operation.body);
      if (operation.field === '(oversized body)') expect(bytes).toBeGreaterThanOrEqual(OVERSIZED_BODY_BYTES);
      else largest = Math.max(largest, bytes);
    }
    expect(largest).toBeLessThan(DEFAULT_MAX_BODY_BYTES);
  });
});
