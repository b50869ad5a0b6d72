import { DeadlineError } from '../../probes/lib/abort.js';
import { now } from '../../probes/lib/clock.js';

export interface Deadline {
  readonly signal: AbortSignal;
  /** The attempt is over: its deadline will not fire. */
  cancel(): void;
}

/** One attempt's deadline: its place in the queue and its handle, in one object. */
class Entry implements Deadline {
  constructor(
    public controller: AbortController | undefined,
    readonly at: number,
    readonly signal: AbortSignal,
  ) {}

  cancel(): void {
    this.controller = undefined;
  }
}

/**
 * One deadline per probe attempt, for a whole run, cheaply. Every attempt of a run has the same
 * timeout, so deadlines expire in the order they began: one FIFO and one timer serve them all,
 * instead of a timer per attempt. And instead of a listener per attempt on the run's signal
 * (EventTarget checks for duplicates on every add: with 4,096 probes in flight that cost more
 * than the connects), one listener aborts every attempt still in flight on Ctrl-C.
 * An attempt's signal aborts with DeadlineError at its timeout, as deadlineSignal() does.
 */
export class Deadlines {
  readonly #timeoutMs: number;
  readonly #parent: AbortSignal;
  readonly #queue: Entry[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #onParentAbort = (): void => {
    for (let i = this.#head; i < this.#queue.length; i++) {
      const entry = this.#queue[i] as Entry;
      entry.controller?.abort(this.#parent.reason);
      entry.controller = undefined;
    }
    this.#queue.length = 0;
    this.#head = 0;
  };

  constructor(timeoutMs: number, parent: AbortSignal) {
    this.#timeoutMs = timeoutMs;
    this.#parent = parent;
    parent.addEventListener('abort', this.#onParentAbort, { once: true });
  }

  start(): Deadline {
    const controller = new AbortController();
    if (this.#parent.aborted) {
      controller.abort(this.#parent.reason);
      return new Entry(undefined, 0, controller.signal);
    }
    const entry = new Entry(controller, now() + this.#timeoutMs, controller.signal);
    this.#queue.push(entry);
    if (this.#timer === undefined) this.#arm(entry.at);
    return entry;
  }

  /** Stops the timer and the listener; attempts still in flight keep their signals (not aborted). */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
    this.#head = 0;
    this.#parent.removeEventListener('abort', this.#onParentAbort);
  }

  #arm(at: number): void {
    this.#timer = setTimeout(this.#expire, Math.max(0, Math.ceil(at - now())));
  }

  readonly #expire = (): void => {
    this.#timer = undefined;
    const t = now();
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const entry = queue[this.#head] as Entry;
      if (entry.controller !== undefined) {
        // A timer may fire a fraction of a millisecond early; never abort before the deadline.
        if (entry.at > t) break;
        entry.controller.abort(new DeadlineError(this.#timeoutMs));
        entry.controller = undefined;
      }
      this.#head++;
    }
    if (this.#head === queue.length) {
      queue.length = 0;
      this.#head = 0;
    } else {
      if (this.#head > 1024 && this.#head * 2 > queue.length) {
        queue.splice(0, this.#head);
        this.#head = 0;
      }
      this.#arm((queue[this.#head] as Entry).at);
    }
  };
}
