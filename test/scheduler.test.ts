import { afterEach, describe, expect, it, vi } from 'vitest';
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

  describe('with a start rate (fake clock: these count starts in virtual time, nothing is timed)', () => {
    afterEach(() => {
      vi.useRealTimers();
      vi.restoreAllMocks();
    });

    async function startTimes(count: number, maxRate: number, global = 1000): Promise<number[]> {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      // The scheduler reads performance.now() (src/core/clock.ts): the same fake clock.
      vi.spyOn(performance, 'now').mockImplementation(() => Date.now());
      const t0 = Date.now();
      const starts: number[] = [];
      const tasks = Array.from({ length: count }, (_, i) => ({
        key: `h${i % 50}`,
        run: async () => {
          starts.push(Date.now() - t0);
          return i;
        },
      }));
      let finished = false;
      const done = schedule(tasks, { global, perKey: 4, maxRate }, () => undefined, () => false).then(() => (finished = true));
      for (let ms = 0; ms < 60_000 && !finished; ms += 10) await vi.advanceTimersByTimeAsync(10);
      await done;
      return starts;
    }

    it('starts at most maxRate tasks a second, a tenth of a second of them at once', async () => {
      const starts = await startTimes(300, 100);
      expect(starts).toHaveLength(300);
      // The first tenth of a second: the burst of 10 and the 10 the rate adds meanwhile.
      expect(starts.filter((t) => t < 100).length).toBeLessThanOrEqual(21);
      // Any one-second window holds at most a second's worth plus the burst.
      for (const from of starts) expect(starts.filter((t) => t >= from && t < from + 1000).length).toBeLessThanOrEqual(111);
      // And it does not hold back more than it must: 300 starts take about 2.9 s.
      expect(Math.max(...starts)).toBeLessThan(3200);
    });

    it('still starts every task when the rate is below one a tick', async () => {
      const starts = await startTimes(5, 2);
      expect(starts).toHaveLength(5);
      expect(Math.max(...starts)).toBeGreaterThanOrEqual(1500);
    });
  });

  it('does not limit the rate when maxRate is 0', async () => {
    const done: number[] = [];
    const tasks = Array.from({ length: 1000 }, (_, i) => ({ key: `h${i}`, run: async () => i }));
    await schedule(tasks, { global: 1000, perKey: 1, maxRate: 0 }, (r) => done.push(r), () => false);
    expect(done).toHaveLength(1000);
  });

  it('says once when nothing is left to start, before the tasks in flight finish', async () => {
    // Three hosts, one task in flight per host: the last two of host a wait on a's own slot,
    // not on the global limit, so the run has drained once b and c have started.
    const releases: Array<() => void> = [];
    const events: string[] = [];
    const task = (key: string, i: number): Scheduled<string> => ({
      key,
      run: () =>
        new Promise((resolve) => {
          events.push(`start ${key}${i}`);
          releases.push(() => resolve(`${key}${i}`));
        }),
    });
    const tasks = [task('a', 1), task('a', 2), task('a', 3), task('b', 1), task('c', 1)];
    const run = schedule(tasks, { global: 10, perKey: 1, onDrained: () => events.push('drained') }, () => undefined, () => false);
    for (let turn = 0; turn < 50 && events.length < 5 + 1; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
      releases.shift()?.();
    }
    while (releases.length > 0) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await run;
    expect(events.filter((e) => e === 'drained')).toHaveLength(1);
    expect(events.indexOf('drained')).toBe(events.indexOf('start c1') + 1);
    expect(events.filter((e) => e.startsWith('start'))).toHaveLength(5);
  });

  it('does not say it has drained while the global limit holds tasks back', async () => {
    const events: string[] = [];
    const tasks = Array.from({ length: 6 }, (_, i): Scheduled<number> => ({
      key: `h${i}`,
      run: async () => {
        events.push(`start ${i}`);
        await new Promise((resolve) => setImmediate(resolve));
        return i;
      },
    }));
    await schedule(tasks, { global: 2, perKey: 1, adaptive: false, onDrained: () => events.push('drained') }, () => undefined, () => false);
    expect(events.indexOf('drained')).toBe(events.indexOf('start 5') + 1);
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
