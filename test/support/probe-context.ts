import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { deadlineSignal } from '../../src/core/abort.js';
import type { ProbeContext, ProbeDefinition, ProbeFacts, ProbeTarget } from '../../src/core/probe.js';
import type { HostCredentials } from '../../src/core/credentials.js';

/** A pino logger at debug level whose lines are kept in memory, so tests can search them. */
export function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'trace' }, sink), lines };
}

export interface RunOptions<O> {
  timeoutMs?: number;
  options?: Partial<O>;
  credentials?: HostCredentials;
  maxBytes?: number;
  /** An outer signal, e.g. to simulate Ctrl-C. */
  parent?: AbortSignal;
  log?: Logger;
}

/** Run one probe the way the runner does: its defaults merged with options, one deadline. */
export async function runProbe<O>(
  probe: ProbeDefinition<O>,
  target: ProbeTarget,
  run: RunOptions<O> = {},
): Promise<ProbeFacts> {
  const timeoutMs = run.timeoutMs ?? 2000;
  const deadline = deadlineSignal(timeoutMs, run.parent);
  const options = probe.optionsSchema.parse({ ...(run.options ?? {}) });
  const ctx: ProbeContext<O> = {
    signal: deadline.signal,
    timeoutMs,
    options,
    credentials: run.credentials ?? {},
    maxBytes: run.maxBytes ?? 65536,
    log: run.log ?? capturingLogger().log,
  };
  try {
    return await probe.run(target, ctx);
  } finally {
    deadline.cancel();
  }
}

export function tcpTarget(port: number, address = '127.0.0.1'): ProbeTarget {
  return { host: 'test-peer', address, port, transport: 'tcp' };
}

export function udpTarget(port: number, address = '127.0.0.1'): ProbeTarget {
  return { host: 'test-peer', address, port, transport: 'udp' };
}
