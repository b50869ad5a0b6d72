import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { abortKind } from '../core/abort.js';
import type { ProbeContext, ProbeFacts, ProbeTarget } from '../core/probe.js';
import type { ProbeKind } from '../../probes/registry.js';
import type { LoopDelaySummary } from './loop-delay.js';
import type { LaneMessage, LaneReady, LaneReply, LaneRequest, LaneStopped } from './timing-worker.js';

/**
 * Probes whose result is a time: an NTP server's offset and delay, a plain TCP connect. In a
 * mixed run, the main event loop is busy with other probes' key exchanges and parsing for tens or
 * hundreds of milliseconds at a time (the benchmark's full check: p99 119 ms), and every timestamp
 * taken there waits as long. These kinds run in a thread of their own instead (./timing-worker.ts),
 * whose loop does nothing else.
 */
export const TIMING_KINDS: ReadonlySet<string> = new Set<ProbeKind>(['ntp', 'tcp']);

/**
 * Whether a plan gains from the lane: only when it mixes timing kinds with others. A plan of
 * timing kinds alone (the TCP sweep) keeps them on the main loop, which then does nothing else
 * either, and saves the messages between threads.
 */
export function laneWorthIt(kinds: Iterable<string>): boolean {
  let timing = false;
  let other = false;
  for (const kind of kinds) {
    if (TIMING_KINDS.has(kind)) timing = true;
    else other = true;
  }
  return timing && other;
}

const WORKER = new URL('./timing-worker.js', import.meta.url);
/** How long close() waits for the thread's loop figures before it ends the thread without them. */
const STOP_WAIT_MS = 1000;

/** A lane probe's facts, and how late the lane's own loop ran while it was timed (when it did). */
export interface LaneOutcome {
  readonly facts: ProbeFacts;
  readonly loopLateMs?: number;
}

export class TimingLane {
  /**
   * False where the thread's script is not built next to this module (the TypeScript sources run
   * by the test runner): the probes then run on the main loop, as before the lane.
   */
  static available(): boolean {
    return existsSync(fileURLToPath(WORKER));
  }

  readonly #worker: Worker;
  readonly #pending = new Map<number, (outcome: LaneOutcome) => void>();
  #stopped: ((summary: LoopDelaySummary) => void) | undefined;
  #next = 0;
  #broken: string | undefined;
  /** Resolves once the thread has loaded its probes (or failed): no probe's deadline starts before. */
  readonly ready: Promise<void>;

  constructor() {
    this.#worker = new Worker(WORKER);
    let loaded = (): void => undefined;
    this.ready = new Promise((resolve) => (loaded = resolve));
    this.#worker.on('message', (reply: LaneReply | LaneReady | LaneStopped) => {
      if ('ready' in reply) return loaded();
      if ('stopped' in reply) return this.#stopped?.(reply.stopped);
      const resolve = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      resolve?.(reply.loopLateMs === undefined ? { facts: reply.facts } : { facts: reply.facts, loopLateMs: reply.loopLateMs });
    });
    // A thread that fails takes its probes with it: each becomes a local error, never a hang.
    const fail = (why: string): void => {
      this.#broken = why;
      loaded();
      for (const resolve of this.#pending.values()) resolve({ facts: laneFailure(why) });
      this.#pending.clear();
    };
    this.#worker.on('error', (error) => fail(`timing thread failed: ${error.message}`));
    this.#worker.on('exit', (code) => fail(`timing thread exited (${code})`));
    // Kept referenced (a run awaits its replies) until close(), which the runner always calls.
  }

  /** Runs one probe of a TIMING_KINDS kind in the lane, with the caller's deadline. */
  run(kind: ProbeKind, target: ProbeTarget, ctx: ProbeContext<unknown>): Promise<LaneOutcome> {
    if (this.#broken !== undefined) return Promise.resolve({ facts: laneFailure(this.#broken) });
    const id = this.#next++;
    const request: LaneRequest = { id, kind, target, options: ctx.options, timeoutMs: ctx.timeoutMs, maxBytes: ctx.maxBytes };
    return new Promise<LaneOutcome>((resolve) => {
      const onAbort = (): void => {
        const message: LaneMessage = { abort: id, timeout: abortKind(ctx.signal) === 'timeout', timeoutMs: ctx.timeoutMs };
        this.#worker.postMessage(message);
      };
      this.#pending.set(id, (outcome) => {
        ctx.signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      });
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      const message: LaneMessage = { run: request };
      this.#worker.postMessage(message);
      if (ctx.signal.aborted) onAbort();
    });
  }

  /** Blocks the lane's loop for `ms` (tests: the lane's own lateness mark). */
  stall(ms: number): void {
    const message: LaneMessage = { stall: ms };
    this.#worker.postMessage(message);
  }

  /** Ends the thread; resolves its loop's delay during the run (undefined when it failed or did not answer). */
  async close(): Promise<LoopDelaySummary | undefined> {
    let summary: LoopDelaySummary | undefined;
    if (this.#broken === undefined) {
      summary = await new Promise<LoopDelaySummary | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), STOP_WAIT_MS);
        this.#stopped = (stopped) => {
          clearTimeout(timer);
          resolve(stopped);
        };
        const message: LaneMessage = { stop: true };
        this.#worker.postMessage(message);
      });
    }
    await this.#worker.terminate();
    return summary;
  }
}

function laneFailure(message: string): ProbeFacts {
  return { state: 'error', reason: 'local-error', message, timings: { total: 0 } };
}
