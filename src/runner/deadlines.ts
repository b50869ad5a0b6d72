import { setMaxListeners } from 'node:events';
import { DeadlineError } from '../core/abort.js';
import { now } from '../core/clock.js';

export interface Deadline {
  readonly signal: AbortSignal;
  /** The attempt is over: its deadline will not fire. */
  cancel(): void;
}

/**
 * The attempts that began in one millisecond: they share a deadline, so they share one
 * AbortController: one per attempt was a tenth of a TCP sweep's CPU (docs/benchmarks.md, second
 * round, item 9). Hundreds of attempts start in one turn of the event loop, so a group holds dozens.
 */
class Group {
  /** Attempts of the group still running; undefined once aborted or when all are over. */
  controller: AbortController | undefined;
  live = 0;

  constructor(
    readonly at: number,
    readonly signal: AbortSignal,
    controller: AbortController,
  ) {
    this.controller = controller;
  }
}

/** One attempt's handle on its group. */
class Entry implements Deadline {
  #group: Group | undefined;

  constructor(
    group: Group,
    readonly signal: AbortSignal,
  ) {
    this.#group = group;
  }

  cancel(): void {
    const group = this.#group;
    if (group === undefined) return;
    this.#group = undefined;
    // The last attempt of the group is over: nothing left to abort when its time comes.
    if (--group.live === 0) group.controller = undefined;
  }
}

/**
 * One deadline per probe attempt, for a whole run, cheaply. Every attempt of a run has the same
 * timeout, so deadlines expire in the order they began: one FIFO and one timer serve them all,
 * instead of a timer per attempt. Attempts that begin in the same millisecond share a deadline,
 * rounded up to the millisecond (an attempt gets its timeout and up to 1 ms more, never less),
 * and so share one AbortController. And instead of a listener per attempt on the run's signal
 * (EventTarget checks for duplicates on every add: with 4,096 probes in flight that cost more
 * than the connects), one listener aborts every attempt still in flight on Ctrl-C.
 * An attempt's signal aborts with DeadlineError at its timeout, as deadlineSignal() does.
 */
export class Deadlines {
  readonly #timeoutMs: number;
  readonly #parent: AbortSignal;
  readonly #queue: Group[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #onParentAbort = (): void => {
    for (let i = this.#head; i < this.#queue.length; i++) {
      const group = this.#queue[i] as Group;
      group.controller?.abort(this.#parent.reason);
      group.controller = undefined;
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
    if (this.#parent.aborted) {
      const controller = new AbortController();
      controller.abort(this.#parent.reason);
      return new Entry(new Group(0, controller.signal, controller), controller.signal);
    }
    const at = Math.ceil(now() + this.#timeoutMs);
    let group = this.#queue.length > this.#head ? this.#queue[this.#queue.length - 1] : undefined;
    if (group === undefined || group.at !== at || group.controller === undefined) {
      const controller = new AbortController();
      // A group's attempts each listen on its signal; dozens is the design, not a leak.
      setMaxListeners(0, controller.signal);
      group = new Group(at, controller.signal, controller);
      this.#queue.push(group);
      if (this.#timer === undefined) this.#arm(at);
    }
    group.live++;
    return new Entry(group, group.signal);
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
      const group = queue[this.#head] as Group;
      if (group.controller !== undefined) {
        // A timer may fire a fraction of a millisecond early; never abort before the deadline.
        if (group.at > t) break;
        group.controller.abort(new DeadlineError(this.#timeoutMs));
        group.controller = undefined;
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
      this.#arm((queue[this.#head] as Group).at);
    }
  };
}
