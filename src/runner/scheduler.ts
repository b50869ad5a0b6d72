import { now } from '../core/clock.js';
import { Admission } from './admission.js';

/**
 * Runs tasks with a global limit and a per-key limit (a key is a target host), taking keys in
 * turn so that no host waits behind another host's long queue, and no host ever has more than
 * `perKey` tasks in flight whatever the number of hosts.
 */
export interface Scheduled<T> {
  readonly key: string;
  readonly run: () => Promise<T>;
}

interface KeyQueue<T> {
  readonly items: Scheduled<T>[];
  next: number;
  active: number;
  queued: boolean;
  /** This key's completion handlers, made once per key rather than twice per task. */
  onResult?: (result: T) => void;
  onFailure?: () => void;
}

export interface Limits {
  /** Tasks in flight in all, at most. */
  readonly global: number;
  /** Tasks in flight per key, at most. */
  readonly perKey: number;
  /**
   * Start below `global` and widen while the event loop keeps up (admission.ts); default true.
   * The tasks' deadline sets how long a turn of the loop may take.
   */
  readonly adaptive?: boolean;
  readonly timeoutMs?: number;
  /** The admission to use (the runner feeds it each attempt's outcome); made here when absent. */
  readonly admission?: Admission;
  /**
   * Tasks started per second, at most, all keys together; absent or 0: no limit. For networks
   * whose firewalls or IDS count new connections per second (SYN-flood protection), as nmap's
   * --max-rate. A tenth of a second's worth may start at once.
   */
  readonly maxRate?: number;
  /**
   * Called once, the first time nothing is left to start for now: every task has started, or
   * waits only for its own key's tasks in flight. From then on the run mostly waits (in a sweep,
   * on the silent ports, for up to a whole timeout), and the process has time to spare for work
   * that would otherwise come after the run.
   */
  readonly onDrained?: () => void;
  /** Milliseconds on a monotonic clock, for turn lengths and the start rate; tests pass a virtual one. */
  readonly clock?: () => number;
}

export function schedule<T>(
  tasks: Iterable<Scheduled<T>>,
  limits: Limits,
  onDone: (result: T) => void,
  stopped: () => boolean,
): Promise<void> {
  const queues = new Map<string, KeyQueue<T>>();
  for (const task of tasks) {
    let queue = queues.get(task.key);
    if (queue === undefined) {
      queue = { items: [], next: 0, active: 0, queued: false };
      queues.set(task.key, queue);
    }
    queue.items.push(task);
  }

  // Round-robin over keys that have work and room; a key re-enters the ring when it has both.
  const ring: KeyQueue<T>[] = [];
  let head = 0;
  const enqueue = (queue: KeyQueue<T>): void => {
    if (!queue.queued && queue.next < queue.items.length && queue.active < limits.perKey) {
      queue.queued = true;
      ring.push(queue);
    }
  };
  for (const queue of queues.values()) enqueue(queue);

  let active = 0;
  let pumpPending = false;
  let dueAt = 0;
  let bound = false;
  let drained = false;
  const admission = limits.admission ?? new Admission(limits.global, limits.timeoutMs ?? Infinity);
  const clock = limits.clock ?? now;
  const rate = limits.maxRate !== undefined && limits.maxRate > 0 ? new StartRate(limits.maxRate, clock()) : undefined;
  let rateTimer: NodeJS.Timeout | undefined;
  return new Promise((resolve) => {
    // Starts what the limits allow, at most START_BATCH per turn of the event loop: starting
    // thousands at once would hold the loop for a second, and every deadline and timing measured
    // meanwhile would be late. Completions only mark the pump as due; it runs once per turn.
    const pump = (): void => {
      pumpPending = false;
      const at = clock();
      if (dueAt > 0) admission.turn(at - dueAt, bound, at);
      dueAt = 0;
      const capacity = limits.adaptive === false ? limits.global : admission.capacity;
      const allowed = rate === undefined ? START_BATCH : Math.min(START_BATCH, rate.available(at));
      let budget = allowed;
      while (active < capacity && head < ring.length && !stopped()) {
        if (budget-- === 0) {
          // Out of this turn's batch: next turn. Out of the rate's allowance: when it refills.
          if (allowed === START_BATCH) due();
          else waitForRate();
          break;
        }
        rate?.take();
        const queue = ring[head++] as KeyQueue<T>;
        queue.queued = false;
        const task = queue.items[queue.next] as Scheduled<T>;
        // The queue forgets a started task, so a long run keeps no finished task alive.
        queue.items[queue.next++] = undefined as unknown as Scheduled<T>;
        queue.active++;
        active++;
        enqueue(queue);
        queue.onResult ??= (result) => finish(queue, result);
        queue.onFailure ??= () => finish(queue, undefined);
        task.run().then(queue.onResult, queue.onFailure);
      }
      if (head >= ring.length && !drained) {
        drained = true;
        limits.onDrained?.();
      }
      bound = active >= capacity && head < ring.length;
      if (head > 4096 && head * 2 > ring.length) {
        ring.splice(0, head);
        head = 0;
      }
      if (active === 0 && (head >= ring.length || stopped())) {
        clearTimeout(rateTimer);
        resolve();
      }
    };
    const waitForRate = (): void => {
      if (rateTimer !== undefined || rate === undefined) return;
      rateTimer = setTimeout(() => {
        rateTimer = undefined;
        due();
      }, rate.msUntilNext(clock()));
    };
    const due = (): void => {
      if (!pumpPending) {
        pumpPending = true;
        dueAt = clock();
        setImmediate(pump);
      }
    };
    const finish = (queue: KeyQueue<T>, result: T | undefined): void => {
      queue.active--;
      active--;
      if (result !== undefined) onDone(result);
      enqueue(queue);
      due();
    };
    pump();
  });
}

/** Tasks started per turn of the event loop (a TCP connect costs tens of microseconds to start). */
const START_BATCH = 256;

/** A token bucket: `perSecond` starts a second, at most a tenth of a second's worth at once. */
class StartRate {
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;

  constructor(perSecond: number, at: number) {
    this.#perMs = perSecond / 1000;
    this.#burst = Math.max(1, perSecond / 10);
    this.#tokens = this.#burst;
    this.#at = at;
  }

  /** Whole starts allowed now. */
  available(at: number): number {
    this.#tokens = Math.min(this.#burst, this.#tokens + (at - this.#at) * this.#perMs);
    this.#at = at;
    return Math.floor(this.#tokens);
  }

  take(): void {
    this.#tokens -= 1;
  }

  /** Milliseconds until the next start is allowed (at least 1). */
  msUntilNext(at: number): number {
    const missing = 1 - (this.#tokens + (at - this.#at) * this.#perMs);
    return Math.max(1, Math.ceil(missing / this.#perMs));
  }
}
