import { afterEach, describe, expect, it, vi } from 'vitest';
import { Admission } from '../src/runner/admission.js';
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
    });

    async function startTimes(count: number, maxRate: number, global = 1000): Promise<number[]> {
      // The rate waits on setTimeout; the scheduler's clock is the same fake time (no global patched).
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
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
      const done = schedule(tasks, { global, perKey: 4, maxRate, clock: () => Date.now() }, () => undefined, () => false).then(
        () => (finished = true),
      );
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

  describe('with adaptive admission (a virtual clock: turns are measured on it, nothing is timed)', () => {
    /** One turn of the event loop. */
    const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

    it('never has more in flight than the admission allows, and follows it as quick answers widen it to the limit', async () => {
      const admission = new Admission(300, 4000);
      let active = 0;
      let peak = 0;
      const perKey = new Map<string, number>();
      let peakPerKey = 0;
      const overruns: number[] = [];
      const tasks = Array.from({ length: 1500 }, (_, i): Scheduled<number> => {
        const key = `h${i % 500}`;
        return {
          key,
          run: async () => {
            active++;
            peak = Math.max(peak, active);
            if (active > admission.capacity) overruns.push(active);
            perKey.set(key, (perKey.get(key) ?? 0) + 1);
            peakPerKey = Math.max(peakPerKey, perKey.get(key) ?? 0);
            // Three turns: long enough for the 256 starts of one turn to overlap the next.
            for (let turn = 0; turn < 3; turn++) await nextTurn();
            // As the runner does: each attempt's outcome, here a quick answer.
            admission.attempt(1, false, true, 1000);
            perKey.set(key, (perKey.get(key) ?? 1) - 1);
            active--;
            return i;
          },
        };
      });
      const done: number[] = [];
      await schedule(tasks, { global: 300, perKey: 2, admission, clock: () => 1000 }, (i) => done.push(i), () => false);
      expect(done).toHaveLength(1500);
      expect(overruns).toEqual([]);
      expect(peakPerKey).toBeLessThanOrEqual(2);
      expect(admission.capacity).toBe(300);
      expect(peak).toBe(300);
    });

    it('halves what it starts when a turn of the loop runs long, down to the floor of 16, and still runs every task', async () => {
      // Each result handled costs 5 ms of virtual time (a report line written, say): 64 results
      // handled in one turn make a turn of 315 ms, far past the 100 ms that counts as saturated.
      let t = 1000;
      const admission = new Admission(1000, 10_000);
      const releases: Array<() => void> = [];
      let active = 0;
      const overruns: number[] = [];
      const tasks = Array.from({ length: 300 }, (_, i): Scheduled<number> => ({
        key: `h${i}`,
        run: () =>
          new Promise((resolve) => {
            active++;
            if (active > admission.capacity) overruns.push(active);
            releases.push(() => {
              active--;
              resolve(i);
            });
          }),
      }));
      let finished = false;
      const done: number[] = [];
      // The clock starts above 0: the scheduler takes a due time of 0 for "no completion pending".
      const run = schedule(tasks, { global: 1000, perKey: 1, admission, clock: () => t }, (i) => {
        done.push(i);
        t += 5;
      }, () => false).then(() => (finished = true));
      const startedPerRound: number[] = [];
      const capacities: number[] = [];
      for (let round = 0; round < 100 && !finished; round++) {
        // Two turns: the first ends with the completions' pump queued, the second follows it.
        await nextTurn();
        await nextTurn();
        startedPerRound.push(releases.length);
        capacities.push(admission.capacity);
        for (const release of releases.splice(0)) release();
      }
      await run;
      expect(done).toHaveLength(300);
      expect(overruns).toEqual([]);
      // 64 at first; the long turn halves it to 32. The next long turn comes within 250 ms of
      // that cut and is let pass (the probes started before a cut finish slowly); the one after
      // halves it to the floor, 16, where a round of results makes a 75 ms turn: it stays there.
      expect(startedPerRound.slice(0, 4)).toEqual([64, 32, 32, 16]);
      expect(capacities.slice(0, 4)).toEqual([64, 32, 32, 16]);
      expect(Math.max(...startedPerRound.slice(3))).toBe(16);
      expect(new Set(capacities.slice(3))).toEqual(new Set([16]));
    });

    it('does not say it has drained while the admission holds tasks back', async () => {
      const events: string[] = [];
      const tasks = Array.from({ length: 100 }, (_, i): Scheduled<number> => ({
        key: `h${i}`,
        run: async () => {
          events.push(`start ${i}`);
          await nextTurn();
          events.push(`done ${i}`);
          return i;
        },
      }));
      // 100 tasks, a global limit of 1000, but the admission starts at 64.
      await schedule(tasks, { global: 1000, perKey: 1, clock: () => 1000, onDrained: () => events.push('drained') }, () => undefined, () => false);
      expect(events.indexOf('start 64')).toBeGreaterThan(events.indexOf('done 0'));
      expect(events.filter((e) => e === 'drained')).toHaveLength(1);
      expect(events.indexOf('drained')).toBe(events.indexOf('start 99') + 1);
    });
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
