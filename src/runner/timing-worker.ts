import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import pino from 'pino';
import { DeadlineError, deadlineSignal } from '../core/abort.js';
import type { ProbeFacts, ProbeTarget } from '../core/probe.js';
import { probeFor, type ProbeKind } from '../../probes/registry.js';
import { LATE_MS, LoopDelayWatch, type LoopDelaySummary } from './loop-delay.js';
import { now } from '../core/clock.js';

/**
 * The timing lane's thread (./timing-lane.ts): runs the probes whose result is a time (NTP's
 * offset and delay, a plain TCP connect) in an event loop that nothing else uses, so their
 * timestamps are taken when the packets arrive and not after other probes' work. The same script
 * is the echo lane's child process (ICMP echo, whose native addon loads in one thread per process).
 */

export interface LaneRequest {
  readonly id: number;
  readonly kind: ProbeKind;
  readonly target: ProbeTarget;
  readonly options: unknown;
  readonly timeoutMs: number;
  readonly maxBytes: number;
}
/**
 * `abort`: `timeout` when the main thread's deadline fired (a timeout), otherwise a shutdown.
 * `stop`: the run is over; the thread answers with its loop's figures (LaneStopped).
 * `stall`: blocks the thread's loop for that long (the tests' way to show the lane's own mark).
 */
export type LaneMessage =
  | { readonly run: LaneRequest }
  | { readonly abort: number; readonly timeout: boolean; readonly timeoutMs: number }
  | { readonly stop: true }
  | { readonly stall: number };
/** What the main thread posts: the messages of one of its turns, in order. */
export interface LaneBatch {
  readonly batch: readonly LaneMessage[];
}
/** What the lane posts for its probes: the replies of one of its turns. */
export interface LaneReplies {
  readonly replies: readonly LaneReply[];
}
/** `raised`: the lane's thread (or process) runs at a higher priority than the main thread. */
export type LaneReady = { readonly ready: true; readonly raised: boolean };
export type LaneStopped = { readonly stopped: LoopDelaySummary };
export interface LaneReply {
  readonly id: number;
  readonly facts: ProbeFacts;
  /** How late this thread's own loop ran while the probe was timed, when LATE_MS or more. */
  readonly loopLateMs?: number;
}

// The lane's probes log nothing (their facts come back whole); a logger the probes can call.
const log = pino({ level: 'silent' });
const running = new Map<number, AbortController>();
/** A thread's port (the timing lane), or the IPC channel of a child process (the echo lane). */
const port: { on(event: 'message', listener: (message: LaneBatch) => void): void; postMessage(message: unknown): void } | undefined =
  parentPort ??
  (process.send === undefined
    ? undefined
    : {
        on: (event, listener) => process.on(event, listener as (message: unknown) => void),
        postMessage: (message) => process.send?.(message),
      });
// The echo lane's process ends with its parent's channel (the run's end, or the parent's death).
if (parentPort === null && process.send !== undefined) process.on('disconnect', () => process.exit(0));
/**
 * This thread's loop is watched like the main one (./loop-delay.ts): it does nothing but the
 * lane's probes, but it shares the cores with everything else, and a thousand NTP and TCP probes
 * at once keep it busy too. Created with the first probe, whose deadline sets the horizon (the
 * lane's probes are single attempts; retries come back as new requests).
 */
let watch: LoopDelayWatch | undefined;

/**
 * Requests start one per turn of this loop, in arrival order. The main thread posts them in bursts
 * (a hundred in one turn); started together, each probe's connect would be timed across the
 * others' start-up (Node issues an IP literal's connect on the next tick, after the whole burst:
 * 26 ms p50 for a loopback connect in the benchmark's full check). One per turn, each probe's
 * packets leave before the next probe is set up.
 */
const waiting: LaneRequest[] = [];
let head = 0;
let pumping = false;

function pump(): void {
  const request = waiting[head];
  if (request === undefined) {
    waiting.length = 0;
    head = 0;
    pumping = false;
    return;
  }
  waiting[head++] = undefined as unknown as LaneRequest;
  if (watch !== undefined) void run(request, watch);
  setImmediate(pump);
}

/**
 * Messages travel in batches both ways (LaneBatch, LaneReplies): the main thread posts what one of
 * its turns produced, and replies leave once per turn of this loop. For the echo process each
 * message is a write and a read on a pipe: a run of 5,000 pings cost the main thread about 0.25 s
 * of CPU in single messages.
 */
let replies: LaneReply[] = [];

function reply(message: LaneReply): void {
  if (replies.length === 0) setImmediate(flushReplies);
  replies.push(message);
}

function flushReplies(): void {
  if (replies.length === 0) return;
  const batch: LaneReplies = { replies };
  replies = [];
  port?.postMessage(batch);
}

port?.on('message', (batch: LaneBatch) => {
  for (const message of batch.batch) handle(message);
});

function handle(message: LaneMessage): void {
  if ('abort' in message) {
    // A request still waiting is aborted too: it then starts, sees its signal aborted, and says why.
    running.get(message.abort)?.abort(message.timeout ? new DeadlineError(message.timeoutMs) : new Error('shutdown'));
  } else if ('run' in message) {
    watch ??= new LoopDelayWatch(message.run.timeoutMs + 1000);
    running.set(message.run.id, new AbortController());
    waiting.push(message.run);
    if (!pumping) {
      pumping = true;
      setImmediate(pump);
    }
  } else if ('stop' in message) {
    // Every reply before the loop's figures.
    flushReplies();
    const stopped: LaneStopped = { stopped: (watch ?? new LoopDelayWatch(0)).stop() };
    port?.postMessage(stopped);
  } else {
    // In an immediate, like the pump's: a probe posted just before has started by then.
    setImmediate(() => {
      const until = now() + message.stall;
      while (now() < until);
    });
  }
}

/**
 * This loop's timestamps are the lane's point, and on a busy machine its thread waits for a core
 * behind the main thread's key exchanges (the benchmark: 299 results timed while it ran late).
 * Where allowed (CAP_SYS_NICE: root), it asks to be scheduled first; it uses little CPU, so others
 * lose little. On Linux a nice value belongs to a thread: os.setPriority() without a pid changes
 * the calling thread only (setpriority(2), "who" 0 is the caller), never the main thread.
 */
function raisePriority(): boolean {
  try {
    os.setPriority(os.constants.priority.PRIORITY_HIGH);
    return true;
  } catch {
    return false;
  }
}

// Loaded (the registry and its probes): the main thread starts no deadline before this.
const ready: LaneReady = { ready: true, raised: port === undefined ? false : raisePriority() };
port?.postMessage(ready);

async function run(request: LaneRequest, loop: LoopDelayWatch): Promise<void> {
  const started = now();
  // The main thread's deadline aborts through a message; this one bounds the probe even if that is late.
  const outer = running.get(request.id) ?? new AbortController();
  const deadline = deadlineSignal(request.timeoutMs, outer.signal);
  let facts: ProbeFacts;
  try {
    facts = await probeFor(request.kind).run(request.target, {
      signal: deadline.signal,
      timeoutMs: request.timeoutMs,
      options: request.options,
      credentials: {},
      maxBytes: request.maxBytes,
      log,
    });
  } catch (error) {
    facts = {
      state: 'error',
      reason: 'local-error',
      message: `probe failed internally: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300),
      timings: { total: 0 },
    };
  } finally {
    deadline.cancel();
    running.delete(request.id);
  }
  const late = loop.lateDuring(started);
  if (late >= LATE_MS) loop.countLate();
  reply(late >= LATE_MS ? { id: request.id, facts, loopLateMs: Math.round(late) } : { id: request.id, facts });
}
