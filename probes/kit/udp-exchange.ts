import dgram from 'node:dgram';
import net from 'node:net';
import type { TransportState } from '../../src/core/model.js';
import type { Evidence, Outcome, ProbeFacts } from '../../src/core/probe.js';
import type { TransportReason } from '../../src/core/transport-reasons.js';
import { abortKind } from '../../src/core/abort.js';
import { now, type PhaseClock } from '../../src/core/clock.js';
import { classifyErrno, errorCode, errorText } from '../../src/core/errno.js';
import { abortedResult, localPortOf, resolveAddress } from './tcp-connect.js';

/**
 * The shared UDP core of every UDP probe: one CONNECTED datagram socket per exchange.
 *
 * Why connected: Linux reports an ICMP port unreachable (and the other "hard" ICMP errors) only to
 * a connected socket, as ECONNREFUSED / EHOSTUNREACH / EACCES on the next receive or send. The
 * kernel also drops datagrams from any other address or port, so a reply from a different source
 * port (a multi-homed host answering from elsewhere, or a spoofer) never reaches the probe.
 *
 * Retries: a probe sends one exchange; the runner retries on retryable reasons (silence). Linux
 * rate-limits ICMP errors to one per second per destination (net.ipv4.icmp_ratelimit), so a
 * retry sooner than that after a first silence can miss the port unreachable of a closed port and
 * see silence again: a closed port then shows as open|filtered. Loopback is exempt.
 */

export type UdpFailure = {
  readonly ok: false;
  readonly state: TransportState;
  readonly reason: TransportReason;
  readonly message?: string;
};

/** How one wait for a reply ended. */
export type Received<T> =
  /** `at`: when the datagram arrived, on the monotonic clock (performance.now()). */
  | { readonly end: 'reply'; readonly value: T; readonly datagram: Buffer; readonly at: number }
  /** An ICMP error (or a send error) ended the exchange; `failure` classifies it. */
  | { readonly end: 'error'; readonly failure: UdpFailure }
  /** More than the byte (or datagram) budget arrived without an accepted reply. */
  | { readonly end: 'limit' }
  /** The caller's own wait (`waitMs`) ran out before the deadline. */
  | { readonly end: 'wait-over' }
  | { readonly end: 'timeout' }
  | { readonly end: 'aborted' };

/**
 * What `accept` returns for a well-formed reply to another request (another identifier, another
 * nonce): no reply to this one, so it is set aside like garbage, but counted apart. Silence
 * with only such replies is still silence (e.g. an answer to an earlier, timed-out request).
 */
export const REPLY_TO_ANOTHER_REQUEST: unique symbol = Symbol('reply to another request');

/**
 * Returns the parsed reply; undefined to ignore the datagram (truncated, garbage); or
 * REPLY_TO_ANOTHER_REQUEST.
 */
export type Accept<T> = (datagram: Buffer) => T | undefined | typeof REPLY_TO_ANOTHER_REQUEST;

/** The replies an Accept<T> takes. */
export type Accepted<T> = Exclude<T, typeof REPLY_TO_ANOTHER_REQUEST>;

// A flood of empty datagrams costs no bytes but still costs work: bound their number too.
const MAX_DATAGRAMS = 256;

export class UdpExchange {
  readonly #socket: dgram.Socket;
  readonly #signal: AbortSignal;
  readonly #maxBytes: number;
  readonly #queue: { readonly datagram: Buffer; readonly at: number }[] = [];
  #bytes = 0;
  #datagrams = 0;
  #ignored = 0;
  #mismatched = 0;
  #overLimit = false;
  #pendingError: UdpFailure | undefined;
  #closed = false;
  #wake: (() => void) | undefined;
  /** The socket's local port (ProbeFacts.localPort): ICMP errors quote it. */
  readonly localPort: number | undefined;

  private constructor(socket: dgram.Socket, signal: AbortSignal, maxBytes: number, readonly ip: string) {
    this.#socket = socket;
    this.localPort = localPortOf(socket);
    this.#signal = signal;
    this.#maxBytes = maxBytes;
    socket.on('message', (datagram) => this.#onDatagram(datagram));
    socket.on('error', (error) => {
      this.#pendingError ??= udpErrorFailure(error);
      this.#wake?.();
    });
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /**
   * Resolve `address` (names first, phase "resolve"), then create a socket of the matching family
   * and connect it (phase "connect"). Never rejects.
   */
  static async open(
    address: string,
    port: number,
    ctx: { readonly signal: AbortSignal; readonly maxBytes: number },
    clock: PhaseClock,
  ): Promise<{ ok: true; exchange: UdpExchange } | UdpFailure> {
    if (ctx.signal.aborted) return abortedResult(ctx.signal);
    const resolved = await resolveAddress(address, ctx.signal);
    if (!resolved.ok) return resolved;
    if (net.isIP(address) === 0) clock.mark('resolve');
    if (ctx.signal.aborted) return abortedResult(ctx.signal);

    const ip = resolved.ip;
    let socket: dgram.Socket;
    try {
      socket = dgram.createSocket(net.isIPv6(ip) ? 'udp6' : 'udp4');
    } catch (error) {
      return { ok: false, ...classifyErrno(errorCode(error)), message: errorText(error) };
    }
    const connected = await new Promise<UdpFailure | undefined>((resolve) => {
      const onAbort = (): void => settle(abortedResult(ctx.signal));
      const onError = (error: Error): void => settle({ ok: false, ...classifyErrno(errorCode(error)), message: errorText(error) });
      const settle = (result: UdpFailure | undefined): void => {
        ctx.signal.removeEventListener('abort', onAbort);
        socket.removeListener('error', onError);
        resolve(result);
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      socket.once('error', onError);
      try {
        // dgram hands a connect error (a local route of type unreachable, prohibit, blackhole...)
        // to this callback, not to 'error': ignoring it left the socket unconnected, and the
        // later send(buffer, callback) read the callback as a port (ERR_SOCKET_BAD_PORT).
        socket.connect(port, ip, (error?: Error) => settle(error ? udpErrorFailure(error) : undefined));
      } catch (error) {
        onError(error as Error);
      }
    });
    if (connected !== undefined) {
      closeQuietly(socket);
      return connected;
    }
    clock.mark('connect');
    return { ok: true, exchange: new UdpExchange(socket, ctx.signal, ctx.maxBytes, ip) };
  }

  /** Bytes received from the peer so far, never more than the budget. */
  get bytesRead(): number {
    return Math.min(this.#bytes, this.#maxBytes);
  }

  /** Datagrams received that the validator did not accept (garbage, not a reply at all). */
  get ignored(): number {
    return this.#ignored;
  }

  /** Well-formed replies to another request, set aside. */
  get mismatched(): number {
    return this.#mismatched;
  }

  get datagrams(): number {
    return this.#datagrams;
  }

  /** Send one datagram. Resolves a failure for a local send error (EPERM = OUTPUT firewall) or a pending ICMP error. */
  send(payload: Buffer): Promise<UdpFailure | undefined> {
    if (this.#closed) return Promise.resolve({ ok: false, state: 'error', reason: 'local-error', message: 'socket closed' });
    return new Promise((resolve) => {
      try {
        this.#socket.send(payload, (error) => resolve(error ? udpErrorFailure(error) : undefined));
      } catch (error) {
        resolve(udpErrorFailure(error));
      }
    });
  }

  /**
   * Wait for a datagram that `accept` approves, until the deadline, or `waitMs` when given.
   * Datagrams it refuses are counted as ignored and the wait goes on.
   */
  async receive<T>(accept: Accept<T>, waitMs?: number): Promise<Received<Accepted<T>>> {
    let waitOver = false;
    let timer: NodeJS.Timeout | undefined;
    if (waitMs !== undefined) {
      timer = setTimeout(() => {
        waitOver = true;
        this.#wake?.();
      }, Math.max(0, waitMs));
    }
    try {
      for (;;) {
        for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
          const value = accept(next.datagram);
          if (value === REPLY_TO_ANOTHER_REQUEST) this.#mismatched += 1;
          else if (value !== undefined) return { end: 'reply', value: value as Accepted<T>, datagram: next.datagram, at: next.at };
          else this.#ignored += 1;
        }
        if (this.#pendingError !== undefined) return { end: 'error', failure: this.#pendingError };
        if (this.#overLimit) return { end: 'limit' };
        if (this.#signal.aborted) return { end: abortKind(this.#signal) };
        if (this.#closed) return { end: 'aborted' };
        if (waitOver) return { end: 'wait-over' };
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Release the socket; a pending receive ends. Safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal.removeEventListener('abort', this.#onAbort);
    closeQuietly(this.#socket);
    this.#wake?.();
  }

  /** Evidence every UDP probe adds: what arrived that was not the reply. */
  evidence(): Evidence {
    return {
      ...(this.#ignored > 0 ? { datagramsIgnored: this.#ignored } : {}),
      ...(this.#mismatched > 0 ? { repliesToAnotherRequest: this.#mismatched } : {}),
    };
  }

  readonly #onAbort = (): void => this.#wake?.();

  #onDatagram(datagram: Buffer): void {
    if (this.#overLimit) return;
    this.#datagrams += 1;
    this.#bytes += datagram.length;
    // The kernel hands over whole datagrams; one that would cross the budget is not processed.
    if (this.#bytes > this.#maxBytes || this.#datagrams > MAX_DATAGRAMS) {
      this.#overLimit = true;
    } else {
      this.#queue.push({ datagram, at: now() });
    }
    this.#wake?.();
  }
}

/** ECONNREFUSED on a connected UDP socket is an ICMP port unreachable: closed. */
export function udpErrorFailure(error: unknown): UdpFailure {
  const code = errorCode(error);
  if (code === 'ECONNREFUSED') {
    return { ok: false, state: 'closed', reason: 'port-unreachable', message: 'ICMP port unreachable' };
  }
  return { ok: false, ...classifyErrno(code), message: errorText(error) };
}

function closeQuietly(socket: dgram.Socket): void {
  socket.on('error', () => undefined);
  try {
    socket.close();
  } catch {
    // already closed
  }
}

export interface Silence<Reason extends string> {
  readonly message: string;
  readonly evidence?: Evidence;
  /** The reason for silence; `no-reply` (open|filtered, warn) unless the probe knows better. */
  readonly reason?: Reason;
}

/**
 * The outcome of an exchange that never produced an accepted reply (the common endings): an ICMP
 * or send error, the byte limit, the run's end, or silence. Datagrams from the port that were no
 * reply at all mean another protocol; replies to another request only are no answer: silence.
 */
export function withoutReply<Reason extends string = 'no-reply'>(
  end: Exclude<Received<unknown>, { end: 'reply' }>,
  exchange: UdpExchange | undefined,
  silence: Silence<Reason>,
): Outcome<TransportReason | Reason> {
  const evidence = { ...(silence.evidence ?? {}), ...(exchange?.evidence() ?? {}) };
  const withEvidence = Object.keys(evidence).length > 0 ? { evidence } : {};
  switch (end.end) {
    case 'error': {
      const { state, reason, message } = end.failure;
      return { state, reason, ...(message === undefined ? {} : { message }), ...withEvidence };
    }
    case 'limit':
      return {
        state: 'open',
        reason: 'response-too-large',
        message: `more than ${exchange?.bytesRead ?? 0} bytes arrived without a valid reply`,
        ...withEvidence,
      };
    case 'aborted':
      return { state: 'error', reason: 'aborted', message: 'run interrupted', ...withEvidence };
    case 'timeout':
    case 'wait-over': {
      if ((exchange?.ignored ?? 0) > 0) {
        // Datagrams came back from the port itself (the socket is connected), just not valid ones.
        return {
          state: 'open',
          reason: 'unexpected-protocol',
          message: `${exchange?.ignored} datagram(s) from the port, none a valid reply`,
          ...withEvidence,
        };
      }
      const mismatched = exchange?.mismatched ?? 0;
      const note = mismatched > 0 ? `; ${mismatched} reply(ies) to another request arrived and were ignored` : '';
      return { state: 'open|filtered', reason: silence.reason ?? 'no-reply', message: silence.message + note, ...withEvidence };
    }
  }
}

/** Facts for an exchange that never produced an accepted reply: withoutReply() with timings and bytesRead. */
export function endedWithoutReply<Reason extends string = 'no-reply'>(
  end: Exclude<Received<unknown>, { end: 'reply' }>,
  exchange: UdpExchange | undefined,
  clock: PhaseClock,
  silence: Silence<Reason>,
): ProbeFacts<TransportReason | Reason> {
  const outcome = withoutReply(end, exchange, silence);
  return { ...outcome, timings: clock.done(), ...(exchange === undefined ? {} : { bytesRead: exchange.bytesRead, ...portOf(exchange) }) };
}

/** Facts for a failure before anything was sent (resolve, socket, connect, send). */
export function udpFailureFacts(failure: UdpFailure, clock: PhaseClock, exchange?: UdpExchange): ProbeFacts<TransportReason> {
  return {
    state: failure.state,
    reason: failure.reason,
    ...(failure.message === undefined ? {} : { message: failure.message }),
    timings: clock.done(),
    ...(exchange === undefined ? {} : { bytesRead: exchange.bytesRead, ...portOf(exchange) }),
  };
}

/** `{ localPort }` for facts, or nothing when the port is not known. */
export function portOf(exchange: UdpExchange): { readonly localPort?: number } {
  return exchange.localPort === undefined ? {} : { localPort: exchange.localPort };
}

/** Milliseconds left before the deadline, given the probe's total and the time spent. */
export function remainingMs(timeoutMs: number, clock: PhaseClock): number {
  return Math.max(0, timeoutMs - clock.elapsed());
}
