/**
 * How many probes may be in flight now, up to the configured global limit. The limit is sized
 * from file descriptors; CPU is the other bound, ours and the far side's. A probe that costs CPU
 * (an SSH key exchange, a NETCONF login: milliseconds each) started by thousands at once queues
 * more work than can be done before the deadlines: answers sit unread in socket buffers, or a
 * shared AAA server behind the elements falls behind, and healthy elements are reported as timed
 * out. So the scheduler starts small, widens with every quick answer, and halves
 * - when a turn of our event loop runs long (this process is saturated), or
 * - when a probe that had connected runs out of time in a later phase, or answers only after half
 *   its deadline (the far side is saturated).
 * A connect-only sweep trips neither and widens to the full limit within a few turns.
 */
export class Admission {
  readonly #max: number;
  readonly #busyTurnMs: number;
  readonly #timeoutMs: number;
  #capacity: number;
  #lastCut = -Infinity;
  /** Whether the capacity, rather than the work left or the per-host limit, held starts back. */
  #bound = false;

  /** `timeoutMs`: the probes' deadline; a turn longer than a twentieth of it counts as saturated. */
  constructor(max: number, timeoutMs: number) {
    this.#max = max;
    this.#timeoutMs = timeoutMs;
    this.#busyTurnMs = Math.min(BUSY_TURN_MS, timeoutMs / 20);
    this.#capacity = Math.min(max, INITIAL_CAPACITY);
  }

  get capacity(): number {
    return this.#capacity;
  }

  /**
   * One turn of the event loop took `turnMs` (from a completion until the scheduler ran);
   * `bound`: the capacity stopped the starts of the previous turn.
   */
  turn(turnMs: number, bound: boolean, at: number): void {
    this.#bound = bound;
    if (turnMs > this.#busyTurnMs) this.#cut(at);
  }

  /**
   * An attempt ended after `elapsedMs`. `connectedButLate`: it reached the service and then ran
   * out of time (a timeout-like reason on an open port); `answered`: a definite answer.
   * A quick answer while the capacity binds widens it by one, so the capacity doubles every
   * round of quick answers (a loopback sweep reaches thousands in a few turns) and stops growing
   * while answers are slow.
   */
  attempt(elapsedMs: number, connectedButLate: boolean, answered: boolean, at: number): void {
    if (connectedButLate || (answered && elapsedMs > this.#timeoutMs / 2)) this.#cut(at);
    else if (answered && this.#bound && elapsedMs <= this.#timeoutMs / 4 && this.#capacity < this.#max) this.#capacity++;
  }

  // Once per interval: the probes in flight when the cut is made still finish, slowly.
  #cut(at: number): void {
    if (at - this.#lastCut < CUT_INTERVAL_MS) return;
    this.#capacity = Math.min(this.#max, Math.max(MIN_CAPACITY, Math.floor(this.#capacity / 2)));
    this.#lastCut = at;
  }
}

const INITIAL_CAPACITY = 64;
const MIN_CAPACITY = 16;
const BUSY_TURN_MS = 100;
const CUT_INTERVAL_MS = 250;
