import { now } from '../../src/core/clock.js';

/** How long a closing connection waits for the peer's FIN (closeGently's default too). */
export const GRACE_MS = 250;

/**
 * Connections waiting for the peer's FIN, released at the end of their grace. A sweep closes tens
 * of thousands a second, all with the same grace, so they expire in the order they were added: one
 * timer serves them all, rather than a timer and a closure each.
 */
export class Lingering<T extends { release(): void }> {
  readonly #deadlines = new Map<T, number>();
  #timer: NodeJS.Timeout | undefined;

  add(attempt: T): void {
    const at = now() + GRACE_MS;
    this.#deadlines.set(attempt, at);
    if (this.#timer === undefined) this.#arm(at);
  }

  delete(attempt: T): void {
    this.#deadlines.delete(attempt);
  }

  get size(): number {
    return this.#deadlines.size;
  }

  #arm(at: number): void {
    this.#timer = setTimeout(this.#expire, Math.max(1, Math.ceil(at - now())));
    // Closing connections never keep the process alive on their own.
    this.#timer.unref();
  }

  readonly #expire = (): void => {
    this.#timer = undefined;
    const t = now();
    let next = Infinity;
    for (const [attempt, at] of this.#deadlines) {
      if (at > t) {
        next = at;
        break;
      }
      // Deleting the current entry of a Map's iteration is safe.
      this.#deadlines.delete(attempt);
      attempt.release();
    }
    if (next !== Infinity) this.#arm(next);
  };
}
