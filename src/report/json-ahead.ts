import { now } from '../core/clock.js';
import { resultLine, type ResultLines } from './json.js';
import type { ProbeResult } from './types.js';

/**
 * The JSON report's result lines, formatted while the run waits on its last probes. Once nothing
 * is left to start in a large sweep, the silent ports keep the run going for up to a whole
 * timeout with the process idle; formatting the lines after the run instead added to the time to
 * the report (docs/benchmarks.md, item 17). The text is the same
 * either way: jsonChunks formats whatever was not formatted ahead, and writes the bytes kept here
 * as they are.
 *
 * - Lines are made in slices of a few milliseconds, one per turn of the event loop, so that the
 *   probes still in flight (their timers, their reads) wait for a slice at most.
 * - They are kept as UTF-8 bytes in slabs outside the V8 heap: kept as strings, the lines went to
 *   the old generation, which V8 then grew by twice their size (item 17's peak RSS); as bytes
 *   they cost what they weigh.
 * - At most `budgetBytes` of them (default 32 MB, the lines of about 60,000 results): memory must
 *   not grow with the size of the network, so past the budget lines wait for the writer.
 *
 * Wiring: `add` is the run's onResult, `begin` its onDrained, `stop` comes when the run is over.
 */
export class JsonLinesAhead implements ResultLines {
  readonly #budgetBytes: number;
  readonly #lines = new Map<ProbeResult, Buffer>();
  /** Bytes of all the slabs made so far (taken lines are not given back to the budget). */
  #keptBytes = 0;
  #slab = Buffer.allocUnsafe(0);
  #slabUsed = 0;
  #pending: (ProbeResult | undefined)[] = [];
  #next = 0;
  #started = false;
  #stopped = false;
  #slice: NodeJS.Immediate | undefined;

  constructor(budgetBytes = DEFAULT_BUDGET_BYTES) {
    this.#budgetBytes = budgetBytes;
  }

  /** A probe has finished. */
  readonly add = (result: ProbeResult): void => {
    if (this.#stopped || this.#keptBytes >= this.#budgetBytes) return;
    this.#pending.push(result);
    if (this.#started) this.#schedule();
  };

  /** Nothing is left to start: from now on the run mostly waits, so format. */
  readonly begin = (): void => {
    this.#started = true;
    this.#schedule();
  };

  /** The run is over: nothing more is formatted ahead (the report's writer does the rest). */
  stop(): void {
    this.#stopped = true;
    clearImmediate(this.#slice);
    this.#slice = undefined;
    this.#pending = [];
    this.#next = 0;
  }

  take(result: ProbeResult): Uint8Array | undefined {
    const bytes = this.#lines.get(result);
    // Handed over once: a slab is freed when the last of its lines has been taken.
    if (bytes !== undefined) this.#lines.delete(result);
    return bytes;
  }

  /** Lines formatted and not yet taken (for tests). */
  get ready(): number {
    return this.#lines.size;
  }

  #schedule(): void {
    if (this.#slice === undefined && !this.#stopped && this.#next < this.#pending.length) this.#slice = setImmediate(this.#format);
  }

  readonly #format = (): void => {
    this.#slice = undefined;
    const until = now() + SLICE_MS;
    const pending = this.#pending;
    while (this.#next < pending.length && this.#keptBytes < this.#budgetBytes) {
      const result = pending[this.#next] as ProbeResult;
      pending[this.#next++] = undefined;
      this.#lines.set(result, this.#store(resultLine(result)));
      if (this.#next % CLOCK_EVERY === 0 && now() >= until) break;
    }
    if (this.#next === pending.length || this.#keptBytes >= this.#budgetBytes) {
      this.#pending = [];
      this.#next = 0;
    } else {
      this.#schedule();
    }
  };

  /** The line's bytes, in the current slab or a new one. */
  #store(line: string): Buffer {
    const size = Buffer.byteLength(line, 'utf8');
    if (this.#slabUsed + size > this.#slab.length) {
      this.#slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, size));
      this.#slabUsed = 0;
      this.#keptBytes += this.#slab.length;
    }
    const start = this.#slabUsed;
    this.#slabUsed += this.#slab.write(line, start, 'utf8');
    return this.#slab.subarray(start, this.#slabUsed);
  }
}

/** Longest slice of formatting per turn of the event loop, ms. */
const SLICE_MS = 4;
/** Lines between looks at the clock (a line takes a few microseconds). */
const CLOCK_EVERY = 64;
/** Lines are about 500 bytes; a slab holds a couple of thousand. */
const SLAB_BYTES = 1 << 20;
const DEFAULT_BUDGET_BYTES = 32 * SLAB_BYTES;
