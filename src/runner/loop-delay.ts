import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { now } from '../core/clock.js';

/**
 * A probe's timestamps are taken in JavaScript callbacks, so when the event loop runs late
 * (thousands of other probes' work queued before them) a timing grows by that lateness: it then
 * describes the checker, not the network. This watch measures the lateness during a run, with
 * Node's own `monitorEventLoopDelay`, for two uses:
 * - the run's figures (p50, p99, max) for the report, so a reader knows how far to trust timings;
 * - `lateDuring(start, end)`: how late the loop ran while one probe was timed, so that result can
 *   say so.
 * Two monitors: one for the whole run, one read and reset every SAMPLE_MS into short windows (a
 * histogram of one cannot be added to another's). Only windows late by LATE_MS or more are kept,
 * and only as long as a probe can last, so memory stays small.
 */

/** A timing taken while the loop ran at least this late is marked (the benchmark's 5 ms bound). */
export const LATE_MS = 5;
/** The monitor's own timer; its period is part of each recorded value and is subtracted. */
const RESOLUTION_MS = 10;
/** How often the histogram is read into a window. */
const SAMPLE_MS = 20;

/** The run's event-loop delay in the report, milliseconds beyond the monitor's own timer period. */
export interface LoopDelaySummary {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Results whose timing was taken while the loop ran at least `lateMs` late. */
  readonly lateResults: number;
  readonly lateMs: number;
  /** The timing lane's own loop (./timing-lane.ts), when the run had one. */
  readonly lane?: LaneLoopDelay;
}

/** The timing lane's loop: its probes' timestamps wait for it as the others' wait for the main loop. */
export interface LaneLoopDelay {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export class LoopDelayWatch {
  readonly #monitor: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  readonly #total: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  readonly #timer: NodeJS.Timeout;
  readonly #horizonMs: number;
  /** Late windows: [start, end, lateness ms], flat, oldest first from #head. */
  #windows: number[] = [];
  #head = 0;
  #lastSample = now();
  #lateResults = 0;

  /** `horizonMs`: the longest a probe can be timed (all its attempts); older windows are dropped. */
  constructor(horizonMs: number) {
    this.#horizonMs = horizonMs;
    this.#monitor.enable();
    this.#total.enable();
    this.#timer = setInterval(() => this.#sample(), SAMPLE_MS);
    // The watch observes the run; it must never be what keeps the process alive.
    this.#timer.unref();
  }

  /**
   * The most the loop ran late between `start` and `end` (monotonic ms), including the lateness
   * of this very moment: a callback delayed by a long turn runs before the monitor's timer has
   * recorded that turn, but the watch's own timer is then overdue by as much.
   */
  lateDuring(start: number, end = now()): number {
    let late = Math.max(0, end - this.#lastSample - SAMPLE_MS);
    const windows = this.#windows;
    for (let i = this.#head; i < windows.length; i += 3) {
      if ((windows[i + 1] ?? 0) < start) continue;
      if ((windows[i] ?? 0) > end) break;
      late = Math.max(late, windows[i + 2] ?? 0);
    }
    return late;
  }

  /** Counts a result marked late, for the summary. */
  countLate(): void {
    this.#lateResults++;
  }

  /** Stops watching and returns the run's figures. */
  stop(): LoopDelaySummary {
    clearInterval(this.#timer);
    this.#sample();
    this.#monitor.disable();
    this.#total.disable();
    const total = this.#total;
    const beyond = (ns: number): number => (total.count === 0 ? 0 : Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 1000) / 1000));
    return {
      p50Ms: beyond(total.percentile(50)),
      p99Ms: beyond(total.percentile(99)),
      maxMs: beyond(total.max),
      lateResults: this.#lateResults,
      lateMs: LATE_MS,
    };
  }

  #sample(): void {
    const t = now();
    const monitor = this.#monitor;
    // The watch's own timer ran late too: that counts even when the monitor's timer did not fire.
    const overdue = t - this.#lastSample - SAMPLE_MS;
    const late = Math.max(overdue, monitor.count === 0 ? 0 : monitor.max / 1e6 - RESOLUTION_MS);
    monitor.reset();
    if (late >= LATE_MS) this.#windows.push(this.#lastSample, t, late);
    this.#lastSample = t;
    this.#prune(t);
  }

  #prune(t: number): void {
    const windows = this.#windows;
    while (this.#head < windows.length && (windows[this.#head + 1] ?? 0) < t - this.#horizonMs) this.#head += 3;
    // Compact once the dropped head is large, so the array does not grow with the run.
    if (this.#head > 3000 && this.#head * 2 > windows.length) {
      this.#windows = windows.slice(this.#head);
      this.#head = 0;
    }
  }
}
