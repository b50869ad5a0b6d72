import { parentPort } from 'node:worker_threads';
import pino from 'pino';
import { DeadlineError, deadlineSignal } from '../core/abort.js';
import type { ProbeFacts, ProbeTarget } from '../core/probe.js';
import { probeFor, type ProbeKind } from '../../probes/registry.js';

/**
 * The timing lane's thread (./timing-lane.ts): runs the probes whose result is a time (NTP's
 * offset and delay, a plain TCP connect) in an event loop that nothing else uses, so their
 * timestamps are taken when the packets arrive and not after other probes' work.
 */

export interface LaneRequest {
  readonly id: number;
  readonly kind: ProbeKind;
  readonly target: ProbeTarget;
  readonly options: unknown;
  readonly timeoutMs: number;
  readonly maxBytes: number;
}
/** `timeout`: the main thread's deadline fired (a timeout); otherwise a shutdown. */
export type LaneMessage = { readonly run: LaneRequest } | { readonly abort: number; readonly timeout: boolean; readonly timeoutMs: number };
export type LaneReady = { readonly ready: true };
export interface LaneReply {
  readonly id: number;
  readonly facts: ProbeFacts;
}

// The lane's probes log nothing (their facts come back whole); a logger the probes can call.
const log = pino({ level: 'silent' });
const running = new Map<number, AbortController>();
const port = parentPort;

port?.on('message', (message: LaneMessage) => {
  if ('abort' in message) {
    running.get(message.abort)?.abort(message.timeout ? new DeadlineError(message.timeoutMs) : new Error('shutdown'));
    return;
  }
  void run(message.run);
});

// Loaded (the registry and its probes): the main thread starts no deadline before this.
port?.postMessage({ ready: true });

async function run(request: LaneRequest): Promise<void> {
  // The main thread's deadline aborts through a message; this one bounds the probe even if that is late.
  const outer = new AbortController();
  running.set(request.id, outer);
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
  const reply: LaneReply = { id: request.id, facts };
  port?.postMessage(reply);
}
