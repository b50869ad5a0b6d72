import { describe, expect, it } from 'vitest';
import { schedule, type Scheduled } from '../src/runner/scheduler.js';
import { autoConcurrency } from '../src/runner/limits.js';

/** Tasks that record how many run at once, per key and in all. */
function tracker() {
  let active = 0;
  let peak = 0;
  const perKey = new Map<string, number>();
  const peakPerKey = new Map<string, number>();
  const order: string[] = [];
  const task = (key: string, i: number): Scheduled<string> => ({
    key,
    run: async () => {
      active++;
      peak = Math.max(peak, active);
      const now = (perKey.get(key) ?? 0) + 1;
      perKey.set(key, now);
      peakPerKey.set(key, Math.max(peakPerKey.get(key) ?? 0, now));
      order.push(key);
      await new Promise((resolve) => setImmediate(resolve));
      active--;
      perKey.set(key, (perKey.get(key) ?? 1) - 1);
      return `${key}-${i}`;
    },
  });
  return { task, peak: () => peak, peakPerKey, order };
}

describe('scheduler', () => {
  it('never exceeds the global limit nor the per-host limit, and runs every task once', async () => {
    const t = tracker();
    const tasks = Array.from({ length: 500 }, (_, i) => t.task(`host${i % 7}`, i));
    const done: string[] = [];
    await schedule(tasks, { global: 10, perKey: 2 }, (r) => done.push(r), () => false);
    expect(done).toHaveLength(500);
    expect(new Set(done).size).toBe(500);
    expect(t.peak()).toBeLessThanOrEqual(10);
    for (const peak of t.peakPerKey.values()) expect(peak).toBeLessThanOrEqual(2);
  });

  it('takes hosts in turn, so one host with many probes does not starve the others', async () => {
    const t = tracker();
    const tasks = [...Array.from({ length: 50 }, (_, i) => t.task('big', i)), t.task('small', 0)];
    await schedule(tasks, { global: 1, perKey: 1 }, () => undefined, () => false);
    expect(t.order.indexOf('small')).toBeLessThanOrEqual(1);
  });

  it('starts nothing more once stopped', async () => {
    const t = tracker();
    let stop = false;
    const done: string[] = [];
    const tasks = Array.from({ length: 100 }, (_, i) => t.task(`h${i}`, i));
    await schedule(tasks, { global: 5, perKey: 1 }, (r) => { done.push(r); if (done.length === 5) stop = true; }, () => stop);
    expect(done.length).toBeLessThan(100);
  });

  it('resolves at once for an empty plan', async () => {
    await schedule([], { global: 5, perKey: 1 }, () => undefined, () => false);
  });

  it('sizes the automatic concurrency from the file-descriptor limit', () => {
    expect(autoConcurrency(1024)).toBe(480);
    expect(autoConcurrency(20000)).toBe(4096);
    expect(autoConcurrency(40)).toBe(16);
  });
});
