import type { Logger } from 'pino';
import { now as monotonicNow } from '../core/clock.js';
import type { Report } from '../report/types.js';

/** What the HTTP side reads: the last finished run and the loop's counters. */
export interface RunLoopSnapshot {
  /** The report of the last run that finished (undefined until the first one does). */
  readonly lastReport: Report | undefined;
  /** Monotonic time (ms) at which that run finished. */
  readonly lastFinishedAt: number | undefined;
  /** Whether a run is in flight, and since when (monotonic ms). */
  readonly running: boolean;
  readonly runningSince: number | undefined;
  /** Runs that finished with a report. */
  readonly runs: number;
  /** Ticks that came while the previous run was still going, and so started nothing. */
  readonly overruns: number;
  /** Runs that ended in an exception instead of a report (a bug: the loop carries on). */
  readonly errors: number;
  readonly lastError: string | undefined;
}

export interface RunLoopOptions {
  readonly intervalMs: number;
  /** One run; the signal aborts it when the loop stops. */
  readonly run: (signal: AbortSignal) => Promise<Report>;
  readonly log: Logger;
  /** Monotonic clock in ms; tests may replace it. */
  readonly now?: () => number;
}

export interface RunLoop {
  /** Runs once at once, then at every interval. */
  start(): void;
  snapshot(): RunLoopSnapshot;
  /** No more ticks; the run in flight is aborted and awaited. */
  stop(): Promise<void>;
}

/**
 * Runs the check every interval, never two at once. A tick that finds the previous run still
 * going is counted and logged as an overrun and skipped: runs are never stacked, so a slow
 * network cannot pile up probes against the NEs.
 */
export function createRunLoop(options: RunLoopOptions): RunLoop {
  const { intervalMs, log } = options;
  const clock = options.now ?? monotonicNow;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: { promise: Promise<void>; controller: AbortController; since: number } | undefined;
  let stopped = false;
  let lastReport: Report | undefined;
  let lastFinishedAt: number | undefined;
  let runs = 0;
  let overruns = 0;
  let errors = 0;
  let lastError: string | undefined;

  const runOnce = async (controller: AbortController): Promise<void> => {
    try {
      const report = await options.run(controller.signal);
      // A run cut short by stop() is not a result worth serving.
      if (stopped) return;
      lastReport = report;
      lastFinishedAt = clock();
      runs++;
    } catch (error) {
      errors++;
      lastError = error instanceof Error ? error.message : String(error);
      log.error({ err: error }, 'run failed');
    }
  };

  const tick = (): void => {
    if (stopped) return;
    if (inFlight !== undefined) {
      overruns++;
      log.warn(
        { runningForMs: Math.round(clock() - inFlight.since), intervalMs, overruns },
        'run overran the interval: skipping this tick (runs are never stacked)',
      );
      return;
    }
    const controller = new AbortController();
    const since = clock();
    const promise = runOnce(controller).finally(() => {
      inFlight = undefined;
    });
    inFlight = { promise, controller, since };
  };

  return {
    start() {
      if (timer !== undefined || stopped) return;
      tick();
      timer = setInterval(tick, intervalMs);
    },
    snapshot() {
      return {
        lastReport,
        lastFinishedAt,
        running: inFlight !== undefined,
        runningSince: inFlight?.since,
        runs,
        overruns,
        errors,
        lastError,
      };
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      const current = inFlight;
      if (current !== undefined) {
        current.controller.abort(new Error('psm-netcheck serve is stopping'));
        await current.promise;
      }
    },
  };
}
