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
}

export function schedule<T>(
  tasks: Iterable<Scheduled<T>>,
  limits: { global: number; perKey: number },
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
  return new Promise((resolve) => {
    const pump = (): void => {
      while (active < limits.global && head < ring.length && !stopped()) {
        const queue = ring[head++] as KeyQueue<T>;
        queue.queued = false;
        const task = queue.items[queue.next++] as Scheduled<T>;
        queue.active++;
        active++;
        enqueue(queue);
        task.run().then(
          (result) => finish(queue, result),
          () => finish(queue, undefined),
        );
      }
      if (head > 4096 && head * 2 > ring.length) {
        ring.splice(0, head);
        head = 0;
      }
      if (active === 0 && (head >= ring.length || stopped())) resolve();
    };
    const finish = (queue: KeyQueue<T>, result: T | undefined): void => {
      queue.active--;
      active--;
      if (result !== undefined) onDone(result);
      enqueue(queue);
      pump();
    };
    pump();
  });
}
