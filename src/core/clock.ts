import { performance } from 'node:perf_hooks';

/** Milliseconds on a monotonic clock, sub-millisecond resolution. */
export const now = (): number => performance.now();

/** Round to microseconds: finer digits are noise and bloat reports. */
export const ms = (value: number): number => Math.round(value * 1000) / 1000;

/**
 * Records phase timings of one probe. `mark('connect')` stores the time since the previous mark
 * (or the start) under that phase; `done()` adds the total.
 */
export class PhaseClock {
  readonly #start = now();
  #last = this.#start;
  readonly #phases: Record<string, number> = {};

  mark(phase: string): number {
    const t = now();
    const elapsed = ms(t - this.#last);
    this.#phases[phase] = elapsed;
    this.#last = t;
    return elapsed;
  }

  /** Time since the start, without marking a phase. */
  elapsed(): number {
    return now() - this.#start;
  }

  done(): { total: number; [phase: string]: number } {
    return { ...this.#phases, total: ms(now() - this.#start) };
  }
}
