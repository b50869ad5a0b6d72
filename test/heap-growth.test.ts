import { describe, expect, it } from 'vitest';
import { limitHeapGrowth } from '../src/cli/heap-growth.js';

// The effect on memory is measured by the benchmark (docs/benchmarks.md), not asserted here.
describe('limitHeapGrowth', () => {
  it('sets the growing factor when the user chose none', () => {
    expect(limitHeapGrowth([], '')).toBe(true);
    expect(limitHeapGrowth(['--enable-source-maps'], '--max-old-space-size=512')).toBe(true);
  });

  it("leaves the user's own value, given to node or in NODE_OPTIONS, in either spelling", () => {
    expect(limitHeapGrowth(['--heap-growing-percent=20'], '')).toBe(false);
    expect(limitHeapGrowth([], '--max-old-space-size=512 --heap_growing_percent=80')).toBe(false);
  });
});
