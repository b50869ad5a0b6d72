import { lookup } from 'node:dns/promises';
import net from 'node:net';
import type { TransportState } from '../../src/core/model.js';
import type { ProbeFacts } from '../../src/core/probe.js';
import type { TransportReason } from '../../src/core/transport-reasons.js';
import { abortKind, whenAborted } from '../../src/core/abort.js';
import { now, type PhaseClock } from '../../src/core/clock.js';
import { classifyErrno, errorCode, errorText } from '../../src/core/errno.js';

export type ConnectResult =
  | { readonly ok: true; readonly socket: net.Socket; readonly ip: string }
  | {
      readonly ok: false;
      readonly state: TransportState;
      readonly reason: TransportReason;
      readonly message?: string;
      /** The socket's local port when the connect got that far (see ProbeFacts.localPort). */
      readonly localPort?: number;
    };

/**
 * Resolve `address` (unless it is an IP literal) and open a TCP connection, until the signal
 * aborts. Phases "resolve" (names only) and "connect" are marked on the clock.
 * Never rejects: every failure is classified into a transport state and reason.
 */
export function connectTcp(address: string, port: number, signal: AbortSignal, clock: PhaseClock): Promise<ConnectResult> {
  // An IP literal (every probe of a large sweep) goes straight to the socket: no resolver hop.
  if (net.isIP(address) !== 0) return connectIp(address, port, signal, clock);
  return resolveAddress(address, signal).then((resolved) => {
    if (!resolved.ok) return resolved;
    clock.mark('resolve');
    return connectIp(resolved.ip, port, signal, clock);
  });
}

function connectIp(ip: string, port: number, signal: AbortSignal, clock: PhaseClock): Promise<ConnectResult> {
  if (signal.aborted) return Promise.resolve(abortedResult(signal));
  return new Promise<ConnectResult>((resolve) => {
    const socket = new net.Socket();
    // Classify by this flag, never by socket.connecting: an EMFILE socket is not "connecting"
    // either, and must not be mistaken for an open port.
    let connected = false;
    let localPort: number | undefined;
    const finish = (result: ConnectResult): void => {
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      socket.removeListener('connect', onConnect);
      resolve(result);
    };
    const onConnect = (): void => {
      connected = true;
      clock.mark('connect');
      finish({ ok: true, socket, ip });
    };
    const onError = (error: Error): void => {
      if (connected) return;
      socket.destroy();
      const classified = classifyErrno(errorCode(error));
      finish(withPort({ ok: false, state: classified.state, reason: classified.reason, message: errorText(error) }, localPort));
    };
    const onAbort = (): void => {
      localPort ??= localPortOf(socket);
      socket.destroy();
      finish(withPort(abortedResult(signal), localPort));
    };
    // No { once: true }: finish() removes it in every case, and EventTarget's option handling costs.
    signal.addEventListener('abort', onAbort);
    socket.on('connect', onConnect);
    socket.on('error', onError);
    socket.setNoDelay(true);
    socket.connect({ host: ip, port });
    // An IP literal is connected on the next tick (net.js queues it before this): the port is
    // bound by then, and gone once an error (an ICMP error among them) has destroyed the socket.
    process.nextTick(() => (localPort ??= localPortOf(socket)));
  });
}

/** The local port of a socket whose connect() has run (`socket.address()`); undefined before or after. */
export function localPortOf(socket: { address(): object }): number | undefined {
  const port = (socket.address() as { port?: unknown }).port;
  return typeof port === 'number' && port > 0 ? port : undefined;
}

/** A connect failure with the socket's local port, when known. */
export function withPort<T extends Extract<ConnectResult, { ok: false }>>(failure: T, localPort: number | undefined): T {
  return localPort === undefined ? failure : { ...failure, localPort };
}

export type ResolveResult = { ok: true; ip: string } | Extract<ConnectResult, { ok: false }>;

/** An IP literal as is; a name through the system resolver (first address), until the signal aborts. */
export async function resolveAddress(address: string, signal: AbortSignal): Promise<ResolveResult> {
  if (net.isIP(address) !== 0) return { ok: true, ip: address };
  try {
    const found = await Promise.race([lookup(address), whenAborted(signal)]);
    if (typeof found === 'string') return abortedResult(signal);
    return { ok: true, ip: found.address };
  } catch (error) {
    const classified = classifyErrno(errorCode(error));
    const state = classified.state === 'error' ? 'unresolved' : classified.state;
    return { ok: false, state, reason: classified.reason, message: `${address}: ${errorText(error)}` };
  }
}

/** The result for a connect cut short by the deadline (filtered) or by shutdown (error). */
export function abortedResult(signal: AbortSignal): Extract<ConnectResult, { ok: false }> {
  return abortKind(signal) === 'timeout'
    ? { ok: false, state: 'filtered', reason: 'timeout', message: 'no answer to the connection attempt' }
    : { ok: false, state: 'error', reason: 'aborted', message: 'run interrupted' };
}

/**
 * Close politely: half-close (FIN) so the peer logs an orderly close rather than a reset, then
 * release the socket when the peer closes too or after a short grace. What the peer still sends
 * meanwhile is read and dropped, but only up to `budgetLeft` bytes (what is left of the probe's
 * byte budget): a peer that floods past it is cut off at once, never drained for the whole grace.
 */
export function closeGently(socket: net.Socket, graceMs = 250, budgetLeft = Infinity): void {
  if (socket.destroyed) return;
  socket.removeAllListeners('data');
  socket.on('error', ignore);
  if (budgetLeft <= 0) {
    socket.destroy();
    return;
  }
  if (budgetLeft !== Infinity) {
    let left = budgetLeft;
    socket.on('data', (chunk: Buffer) => {
      left -= chunk.length;
      if (left <= 0) socket.destroy();
    });
  }
  socket.end();
  lingering.add(socket, graceMs);
  socket.resume();
}

function ignore(): void {}

/**
 * Sockets closing gently, until the peer's FIN or their grace ends. A sweep closes tens of
 * thousands a second: one timer for all of them (they expire in the order they were added, per
 * grace length) rather than a timer and a closure per socket.
 */
class Lingering {
  /** Grace length -> socket -> when to destroy it; Maps keep insertion order, i.e. expiry order. */
  readonly #byGrace = new Map<number, Map<net.Socket, number>>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;

  add(socket: net.Socket, graceMs: number): void {
    let sockets = this.#byGrace.get(graceMs);
    if (sockets === undefined) {
      sockets = new Map();
      this.#byGrace.set(graceMs, sockets);
    }
    const at = now() + graceMs;
    sockets.set(socket, at);
    socket.on('close', forgetLingering);
    // A shorter grace than the one the timer waits for re-arms it.
    if (at < this.#timerAt) {
      clearTimeout(this.#timer);
      this.#arm(graceMs);
    }
  }

  forget(socket: net.Socket): void {
    for (const sockets of this.#byGrace.values()) if (sockets.delete(socket)) return;
  }

  #arm(delayMs: number): void {
    this.#timerAt = now() + delayMs;
    this.#timer = setTimeout(this.#expire, Math.max(1, Math.ceil(delayMs)));
    // Never keeps the process alive for a socket that is only being closed.
    this.#timer.unref();
  }

  readonly #expire = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const t = now();
    let next = Infinity;
    for (const [grace, sockets] of this.#byGrace) {
      for (const [socket, at] of sockets) {
        if (at > t) {
          next = Math.min(next, at);
          break;
        }
        sockets.delete(socket);
        socket.destroy();
      }
      if (sockets.size === 0) this.#byGrace.delete(grace);
    }
    if (next !== Infinity) this.#arm(next - t);
  };
}

const lingering = new Lingering();

function forgetLingering(this: net.Socket): void {
  lingering.forget(this);
}

/** The facts of a probe whose connection never opened; every TCP probe ends this way then. */
export function connectFailureFacts(
  failure: Extract<ConnectResult, { ok: false }>,
  clock: PhaseClock,
): ProbeFacts<TransportReason> {
  return {
    state: failure.state,
    reason: failure.reason,
    ...(failure.message === undefined ? {} : { message: failure.message }),
    timings: clock.done(),
    ...(failure.localPort === undefined ? {} : { localPort: failure.localPort }),
  };
}
