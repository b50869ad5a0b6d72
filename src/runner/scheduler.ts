import { now } from '../../probes/lib/clock.js';
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
  const admission = limits.admission ?? new Admission(limits.global, limits.timeoutMs ?? Infinity);
  return new Promise((resolve) => {
    // Starts what the limits allow, at most START_BATCH per turn of the event loop: starting
    // thousands at once would hold the loop for a second, and every deadline and timing measured
    // meanwhile would be late. Completions only mark the pump as due; it runs once per turn.
    const pump = (): void => {
      pumpPending = false;
      const at = now();
      if (dueAt > 0) admission.turn(at - dueAt, bound, at);
      dueAt = 0;
      const capacity = limits.adaptive === false ? limits.global : admission.capacity;
      let budget = START_BATCH;
      while (active < capacity && head < ring.length && !stopped()) {
        if (budget-- === 0) {
          due();
          break;
        }
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
      bound = active >= capacity && head < ring.length;
      if (head > 4096 && head * 2 > ring.length) {
        ring.splice(0, head);
        head = 0;
      }
      if (active === 0 && (head >= ring.length || stopped())) resolve();
    };
    const due = (): void => {
      if (!pumpPending) {
        pumpPending = true;
        dueAt = now();
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
