import { afterEach, describe, expect, it, vi } from 'vitest';
import { abortKind } from '../src/core/abort.js';
import { Deadlines } from '../src/runner/deadlines.js';

// Fake timers: the deadlines' timer and clock (performance.now(), read through src/core/clock.ts,
// which holds node:perf_hooks' object, the same as the global one) move only when the test says so.
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function fakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.spyOn(performance, 'now').mockImplementation(() => Date.now());
}

describe('Deadlines', () => {
  it('aborts an attempt with a timeout at its deadline, never before', () => {
    fakeClock();
    const run = new AbortController();
    const deadlines = new Deadlines(100, run.signal);
    const deadline = deadlines.start();
    vi.advanceTimersByTime(99);
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(2);
    expect(deadline.signal.aborted).toBe(true);
    expect(abortKind(deadline.signal)).toBe('timeout');
    deadlines.dispose();
  });

  it('lets attempts of the same millisecond share one signal, and later ones get their own', () => {
    fakeClock();
    const deadlines = new Deadlines(100, new AbortController().signal);
    const first = deadlines.start();
    const second = deadlines.start();
    expect(second.signal).toBe(first.signal);
    vi.advanceTimersByTime(5);
    const later = deadlines.start();
    expect(later.signal).not.toBe(first.signal);
    vi.advanceTimersByTime(96);
    expect(first.signal.aborted).toBe(true);
    expect(later.signal.aborted).toBe(false);
    vi.advanceTimersByTime(5);
    expect(later.signal.aborted).toBe(true);
    deadlines.dispose();
  });

  it('does not abort a group whose attempts are all over, and still aborts one with an attempt left', () => {
    fakeClock();
    const deadlines = new Deadlines(50, new AbortController().signal);
    const done = deadlines.start();
    done.cancel();
    done.cancel(); // twice is harmless: it must not count another attempt out
    vi.advanceTimersByTime(1);
    const a = deadlines.start();
    const b = deadlines.start();
    a.cancel();
    vi.advanceTimersByTime(60);
    expect(done.signal.aborted).toBe(false);
    expect(b.signal.aborted).toBe(true);
    deadlines.dispose();
  });

  it('starts a new group when the current one is already over, even in the same millisecond', () => {
    fakeClock();
    const deadlines = new Deadlines(50, new AbortController().signal);
    const first = deadlines.start();
    first.cancel();
    const second = deadlines.start();
    expect(second.signal).not.toBe(first.signal);
    vi.advanceTimersByTime(51);
    expect(first.signal.aborted).toBe(false);
    expect(second.signal.aborted).toBe(true);
    deadlines.dispose();
  });

  it('aborts every attempt in flight, as aborted rather than timed out, when the run is stopped', () => {
    fakeClock();
    const run = new AbortController();
    const deadlines = new Deadlines(1000, run.signal);
    const a = deadlines.start();
    vi.advanceTimersByTime(3);
    const b = deadlines.start();
    run.abort(new Error('SIGTERM'));
    expect(a.signal.aborted && b.signal.aborted).toBe(true);
    expect(abortKind(a.signal)).toBe('aborted');
    const after = deadlines.start();
    expect(after.signal.aborted).toBe(true);
    deadlines.dispose();
  });

  it('holds hundreds of listeners on a shared signal without a leak warning', async () => {
    fakeClock();
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const deadlines = new Deadlines(100, new AbortController().signal);
      const started = Array.from({ length: 300 }, () => deadlines.start());
      for (const d of started) d.signal.addEventListener('abort', () => undefined);
      expect(new Set(started.map((d) => d.signal)).size).toBe(1);
      vi.advanceTimersByTime(101);
      expect(started.every((d) => d.signal.aborted)).toBe(true);
      deadlines.dispose();
      // Warnings are emitted on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
