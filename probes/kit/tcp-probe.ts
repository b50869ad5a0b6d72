import type { Socket } from 'node:net';
import { PhaseClock } from '../../src/core/clock.js';
import type { Outcome, ProbeContext, ProbeFacts, ProbeTarget } from '../../src/core/probe.js';
import type { TransportReason } from '../../src/core/transport-reasons.js';
import { BoundedReader } from './bounded-reader.js';
import { ByteBudgetStream } from './byte-budget-stream.js';
import { closeAfter } from './close.js';
import { connectFailureFacts, connectTcp, type ConnectResult } from './tcp-connect.js';

type Budget = Pick<ProbeContext<unknown>, 'signal' | 'maxBytes'>;

/**
 * One open TCP connection of a probe, with what every TCP probe needs around its protocol: the
 * phase clock, one reader bounded by the probe's byte budget, and the end of the conversation
 * (polite close, or a destroy once the budget is spent; timings and bytesRead in the facts).
 */
export class TcpConversation {
  readonly socket: Socket;
  /** The address connected to (differs from the target's when that was a name). */
  readonly ip: string;
  readonly clock: PhaseClock;
  readonly signal: AbortSignal;
  readonly maxBytes: number;
  /** Where the protocol is read and written: the socket, or a TLS socket over it after upgrade(). */
  #stream: Socket;
  #reader: BoundedReader | undefined;
  #budget: ByteBudgetStream | undefined;
  #released = false;

  constructor(socket: Socket, ip: string, clock: PhaseClock, budget: Budget) {
    this.socket = socket;
    this.#stream = socket;
    this.ip = ip;
    this.clock = clock;
    this.signal = budget.signal;
    this.maxBytes = budget.maxBytes;
  }

  /** The stream the protocol runs on: the socket, or the TLS socket after upgrade(). */
  get stream(): Socket {
    return this.#stream;
  }

  /** Reads messages within the byte budget; made on first use, so a TLS layer can come first. */
  get reader(): BoundedReader {
    return (this.#reader ??= new BoundedReader(this.#stream, this.maxBytes));
  }

  /** Bytes received from the peer so far (TLS records included under a TLS layer). */
  get bytesRead(): number {
    return this.#budget?.bytesRead ?? this.#reader?.bytesRead ?? 0;
  }

  write(data: string | Buffer): void {
    if (!this.#stream.destroyed) this.#stream.write(data);
  }

  /**
   * The socket seen through the byte budget, for a layer that reads the socket inside Node (TLS):
   * from now on every byte is counted there, the handshake's included.
   */
  budgetStream(): ByteBudgetStream {
    this.#budget ??= new ByteBudgetStream(this.socket, this.maxBytes);
    return this.#budget;
  }

  /** True once the peer sent more than the budget through budgetStream() (the connection is cut then). */
  get budgetExhausted(): boolean {
    return this.#budget?.exhausted === true;
  }

  /** Read, write and close through `stream` (the TLS socket over budgetStream()) from now on. */
  upgrade(stream: Socket): void {
    this.#stream = stream;
    this.#reader = undefined;
  }

  /** Hand the socket over to a library that reads and closes it itself (ssh2); finish() leaves it alone. */
  release(): Socket {
    this.#released = true;
    return this.socket;
  }

  /** Close the conversation (once): FIN and a drain bounded by the budget, or a destroy once it is spent. */
  close(): void {
    if (this.#released) return;
    this.#released = true;
    closeAfter(this.#stream, this.bytesRead, this.maxBytes);
  }

  /** The probe's facts: the outcome with timings and bytesRead; the connection is closed. */
  finish<Reason extends string>(outcome: Outcome<Reason>): ProbeFacts<Reason> {
    this.close();
    return { ...outcome, timings: this.clock.done(), bytesRead: this.bytesRead };
  }
}

export type OpenResult = { readonly ok: true; readonly conn: TcpConversation } | Extract<ConnectResult, { ok: false }>;

/** Connect to `address` (resolving a name first) and wrap the socket; never rejects. */
export async function openTcp(address: string, port: number, budget: Budget, clock: PhaseClock): Promise<OpenResult> {
  const connected = await connectTcp(address, port, budget.signal, clock);
  if (!connected.ok) return connected;
  return { ok: true, conn: new TcpConversation(connected.socket, connected.ip, clock, budget) };
}

export interface TcpProbeOptions {
  /** The port when the target has none (the matrix always gives one; tests may not). */
  readonly port: number;
  /** A budget below the probe's own, for protocols whose answer is small by definition. */
  readonly maxBytes?: number;
}

/**
 * Run a TCP probe: start the clock, connect (a failure becomes the transport facts), hand the
 * conversation to `converse`, which states only the protocol, then close and fill timings and
 * bytesRead. `converse` must resolve for anything the peer does; a throw (a bug) still closes.
 */
export async function tcpProbe<Reason extends string>(
  target: ProbeTarget,
  ctx: Budget,
  options: TcpProbeOptions,
  converse: (conn: TcpConversation) => Promise<Outcome<NoInfer<Reason | TransportReason>>>,
): Promise<ProbeFacts<Reason | TransportReason>> {
  const clock = new PhaseClock();
  const budget = options.maxBytes === undefined ? ctx : { signal: ctx.signal, maxBytes: Math.min(ctx.maxBytes, options.maxBytes) };
  const opened = await openTcp(target.address, target.port ?? options.port, budget, clock);
  if (!opened.ok) return connectFailureFacts(opened, clock);
  const { conn } = opened;
  try {
    return conn.finish(await converse(conn));
  } catch (error) {
    conn.socket.destroy();
    throw error;
  }
}
