import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { abortKind } from '../core/abort.js';
import type { ProbeContext, ProbeFacts, ProbeTarget } from '../core/probe.js';
import type { ProbeKind } from '../../probes/registry.js';
import type { LoopDelaySummary } from './loop-delay.js';
import type { LaneBatch, LaneMessage, LaneReady, LaneReplies, LaneRequest, LaneStopped } from './timing-worker.js';

/**
 * Probes whose result is a time: an NTP server's offset and delay, a plain TCP connect. In a
 * mixed run, the main event loop is busy with other probes' key exchanges and parsing for tens or
 * hundreds of milliseconds at a time (the benchmark's full check: p99 119 ms), and every timestamp
 * taken there waits as long. These kinds run in a thread of their own instead (./timing-worker.ts),
 * whose loop does nothing else.
 */
export const TIMING_KINDS: ReadonlySet<string> = new Set<ProbeKind>(['ntp', 'tcp']);

/**
 * ICMP echo, in a process of its own (the *echo lane*). raw-socket, the echo's native addon, is
 * not context-aware: it loads in one thread per process only (a second thread fails with "Module
 * did not self-register", and a thread that loaded it crashes the process when it ends), and the
 * main thread loads it for the ICMP error observer. On the main loop, raw-socket sends one queued
 * datagram and reads one per turn of the loop, so during a full check, whose turns last
 * milliseconds, a thousand pings outlast their deadline and are reported as false timeouts
 * (docs/benchmarks.md, "Honest timings"). A child process has a loop of its own for them.
 */
export const ECHO_KINDS: ReadonlySet<string> = new Set<ProbeKind>(['icmp']);

/**
 * Whether a plan gains from a lane of `lanes` kinds: only when it mixes them with others. A plan
 * of those kinds alone (the TCP sweep) keeps them on the main loop, which then does nothing else
 * either, and saves the messages between threads.
 */
export function laneWorthIt(kinds: Iterable<string>, lanes: ReadonlySet<string> = TIMING_KINDS): boolean {
  let mine = false;
  let other = false;
  for (const kind of kinds) {
    if (lanes.has(kind)) mine = true;
    else other = true;
  }
  return mine && other;
}

/** A lane's host, thread or child process, seen through the few calls the lane makes. */
interface LaneHost {
  post(batch: LaneBatch): void;
  on(event: 'message', listener: (message: LaneReplies | LaneReady | LaneStopped) => void): void;
  onFailure(listener: (why: string) => void): void;
  end(): Promise<void>;
}

function threadHost(): LaneHost {
  const worker = new Worker(WORKER);
  return {
    post: (message) => worker.postMessage(message),
    on: (event, listener) => worker.on(event, listener),
    onFailure: (listener) => {
      worker.on('error', (error) => listener(`timing thread failed: ${error.message}`));
      worker.on('exit', (code) => listener(`timing thread exited (${code})`));
    },
    end: async () => {
      await worker.terminate();
    },
  };
}

function processHost(): LaneHost {
  // The child's own output would interleave with the report on stdout: only its errors pass.
  // Node's flags pass on (heap limits, --cpu-prof), but not a debugger's port, which is taken.
  const execArgv = process.execArgv.filter((flag) => !flag.startsWith('--inspect'));
  const child: ChildProcess = fork(fileURLToPath(WORKER), [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return {
    post: (message) => {
      if (child.connected) child.send(message);
    },
    on: (event, listener) => child.on(event, listener as (reply: unknown) => void),
    onFailure: (listener) => {
      child.on('error', (error) => listener(`echo process failed: ${error.message}`));
      child.on('exit', (code, signal) => listener(`echo process exited (${signal ?? code ?? '?'})`));
    },
    end: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
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

  readonly #worker: LaneHost;
  readonly #pending = new Map<number, (outcome: LaneOutcome) => void>();
  #stopped: ((summary: LoopDelaySummary) => void) | undefined;
  #next = 0;
  #broken: string | undefined;
  #raised = false;
  #outbox: LaneMessage[] = [];
  /** Resolves once the thread has loaded its probes (or failed): no probe's deadline starts before. */
  readonly ready: Promise<void>;

  /** `thread`: the timing lane (TIMING_KINDS); `process`: the echo lane (ECHO_KINDS). */
  constructor(host: 'thread' | 'process' = 'thread') {
    this.#worker = host === 'thread' ? threadHost() : processHost();
    let loaded = (): void => undefined;
    this.ready = new Promise((resolve) => (loaded = resolve));
    this.#worker.on('message', (message: LaneReplies | LaneReady | LaneStopped) => {
      if ('ready' in message) {
        this.#raised = message.raised;
        return loaded();
      }
      if ('stopped' in message) return this.#stopped?.(message.stopped);
      for (const reply of message.replies) {
        const resolve = this.#pending.get(reply.id);
        this.#pending.delete(reply.id);
        resolve?.(reply.loopLateMs === undefined ? { facts: reply.facts } : { facts: reply.facts, loopLateMs: reply.loopLateMs });
      }
    });
    // A thread that fails takes its probes with it: each becomes a local error, never a hang.
    const fail = (why: string): void => {
      this.#broken = why;
      loaded();
      for (const resolve of this.#pending.values()) resolve({ facts: laneFailure(why) });
      this.#pending.clear();
    };
    this.#worker.onFailure(fail);
    // Kept referenced (a run awaits its replies) until close(), which the runner always calls.
  }

  /**
   * Messages leave in one batch per turn of this loop (LaneBatch): a scheduler starts hundreds of
   * lane probes in one turn, and each message to the echo process is a write on a pipe.
   */
  #send(message: LaneMessage): void {
    if (this.#outbox.length === 0) queueMicrotask(() => this.#flush());
    this.#outbox.push(message);
  }

  #flush(): void {
    const batch: LaneBatch = { batch: this.#outbox };
    this.#outbox = [];
    this.#worker.post(batch);
  }

  /** Whether the lane runs at a higher priority than the main thread (known once ready). */
  get raised(): boolean {
    return this.#raised;
  }

  /** Runs one probe of a TIMING_KINDS kind in the lane, with the caller's deadline. */
  run(kind: ProbeKind, target: ProbeTarget, ctx: ProbeContext<unknown>): Promise<LaneOutcome> {
    if (this.#broken !== undefined) return Promise.resolve({ facts: laneFailure(this.#broken) });
    const id = this.#next++;
    const request: LaneRequest = { id, kind, target, options: ctx.options, timeoutMs: ctx.timeoutMs, maxBytes: ctx.maxBytes };
    return new Promise<LaneOutcome>((resolve) => {
      const onAbort = (): void => {
        const message: LaneMessage = { abort: id, timeout: abortKind(ctx.signal) === 'timeout', timeoutMs: ctx.timeoutMs };
        this.#send(message);
      };
      this.#pending.set(id, (outcome) => {
        ctx.signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      });
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      const message: LaneMessage = { run: request };
      this.#send(message);
      if (ctx.signal.aborted) onAbort();
    });
  }

  /** Blocks the lane's loop for `ms` (tests: the lane's own lateness mark). */
  stall(ms: number): void {
    const message: LaneMessage = { stall: ms };
    this.#send(message);
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
        this.#send(message);
      });
    }
    await this.#worker.end();
    return summary;
  }
}

function laneFailure(message: string): ProbeFacts {
  return { state: 'error', reason: 'local-error', message, timings: { total: 0 } };
}
