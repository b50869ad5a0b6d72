import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Report } from '../src/report/types.js';
import { assessHealth } from '../src/serve/health.js';
import { parseListen } from '../src/serve/listen.js';
import { createRunLoop, type RunLoopSnapshot } from '../src/serve/scheduler.js';
import { SAMPLE_REPORT } from './fixtures/report-sample.js';

const silentLog = pino({ level: 'silent' });

describe('parseListen', () => {
  it.each([
    ['127.0.0.1:9469', { host: '127.0.0.1', port: 9469 }],
    ['[::1]:9469', { host: '::1', port: 9469 }],
    ['0.0.0.0:80', { host: '0.0.0.0', port: 80 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['9469', { host: '127.0.0.1', port: 9469 }],
  ])('%s', (text, expected) => {
    expect(parseListen(text)).toEqual(expected);
  });

  it.each(['', ':9469', '127.0.0.1', '127.0.0.1:', '127.0.0.1:65536', '::1:9469', 'host name:80', '-bad-:80', '[::1]:x'])(
    'rejects %j with E_USAGE',
    (text) => {
      expect(() => parseListen(text)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    },
  );
});

function snapshot(overrides: Partial<RunLoopSnapshot>): RunLoopSnapshot {
  return {
    lastReport: undefined,
    lastFinishedAt: undefined,
    running: false,
    runningSince: undefined,
    runs: 0,
    overruns: 0,
    errors: 0,
    lastError: undefined,
    ...overrides,
  };
}

describe('assessHealth', () => {
  const interval = 60_000;

  it('is starting (503) until a run has finished, failing when runs only threw', () => {
    expect(assessHealth(snapshot({ running: true }), interval, 5_000)).toMatchObject({
      healthy: false,
      body: { status: 'starting', lastRunAgeSeconds: null, running: true },
    });
    expect(assessHealth(snapshot({ errors: 2 }), interval, 5_000).body.status).toBe('failing');
  });

  it('is ok while the last complete run is at most two intervals old, stale after', () => {
    const done = snapshot({ lastReport: SAMPLE_REPORT, lastFinishedAt: 1_000, runs: 3, overruns: 1 });
    expect(assessHealth(done, interval, 1_000 + 2 * interval)).toMatchObject({
      healthy: true,
      body: { status: 'ok', lastRunAgeSeconds: 120, intervalSeconds: 60, runs: 3, overruns: 1 },
    });
    expect(assessHealth(done, interval, 1_001 + 2 * interval)).toMatchObject({ healthy: false, body: { status: 'stale' } });
  });

  it('is not ok when the last run did not complete', () => {
    const cut: Report = { ...SAMPLE_REPORT, complete: false };
    expect(assessHealth(snapshot({ lastReport: cut, lastFinishedAt: 0 }), interval, 0)).toMatchObject({
      healthy: false,
      body: { status: 'incomplete' },
    });
  });
});

describe('createRunLoop', () => {
  // Fake timers drive the interval: the loop's logic, not the clock, is under test here (the
  // real-time behaviour is covered over HTTP in serve.test.ts).
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Runs that finish only when the test says so. */
  function controlledRuns() {
    const pending: { finish: () => void; signal: AbortSignal }[] = [];
    let active = 0;
    let peak = 0;
    const run = (signal: AbortSignal): Promise<Report> =>
      new Promise((resolve) => {
        peak = Math.max(peak, ++active);
        const finish = (): void => {
          active--;
          resolve(SAMPLE_REPORT);
        };
        signal.addEventListener('abort', finish, { once: true });
        pending.push({ finish, signal });
      });
    return { run, pending, peak: () => peak };
  }

  it('runs at once, then every interval', async () => {
    const runs = controlledRuns();
    let clock = 0;
    const loop = createRunLoop({ intervalMs: 1000, run: runs.run, log: silentLog, now: () => clock });
    loop.start();
    expect(runs.pending).toHaveLength(1);
    runs.pending[0]?.finish();
    clock = 10;
    await vi.advanceTimersByTimeAsync(0);
    expect(loop.snapshot()).toMatchObject({ runs: 1, overruns: 0, running: false, lastReport: SAMPLE_REPORT, lastFinishedAt: 10 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs.pending).toHaveLength(2);
    await loop.stop();
  });

  it('never starts a run while one is going: each such tick is an overrun', async () => {
    const runs = controlledRuns();
    const loop = createRunLoop({ intervalMs: 1000, run: runs.run, log: silentLog });
    loop.start();
    await vi.advanceTimersByTimeAsync(3500);
    expect(runs.pending).toHaveLength(1);
    expect(loop.snapshot()).toMatchObject({ running: true, runs: 0, overruns: 3 });
    runs.pending[0]?.finish();
    await vi.advanceTimersByTimeAsync(500);
    // The next tick after the slow run ends starts the next run.
    expect(runs.pending).toHaveLength(2);
    expect(runs.peak()).toBe(1);
    expect(loop.snapshot()).toMatchObject({ runs: 1, overruns: 3 });
    await loop.stop();
  });

  it('stop aborts the run in flight, waits for it, keeps nothing of it and ticks no more', async () => {
    const runs = controlledRuns();
    const loop = createRunLoop({ intervalMs: 1000, run: runs.run, log: silentLog });
    loop.start();
    await loop.stop();
    expect(runs.pending[0]?.signal.aborted).toBe(true);
    expect(loop.snapshot()).toMatchObject({ running: false, runs: 0, lastReport: undefined });
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs.pending).toHaveLength(1);
  });

  it('carries on after a run that throws, and counts it', async () => {
    let calls = 0;
    const loop = createRunLoop({
      intervalMs: 1000,
      log: silentLog,
      run: () => (++calls === 1 ? Promise.reject(new Error('bug')) : Promise.resolve(SAMPLE_REPORT)),
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(loop.snapshot()).toMatchObject({ errors: 1, lastError: 'bug', runs: 1, lastReport: SAMPLE_REPORT });
    await loop.stop();
  });
});
