import net from 'node:net';
import { abortedResult, localPortOf, resolveAddress, withPort, type ConnectResult } from './tcp-connect.js';
import { Lingering } from './lingering.js';
import { connectHandleThenClose, handlesAvailable } from './tcp-handle.js';
import type { PhaseClock } from '../../src/core/clock.js';
import { classifyErrno, errorCode, errorText } from '../../src/core/errno.js';

/**
 * A TCP connect that only wants the port's state, then closes politely: the tcp probe's job,
 * tens of thousands of times in a nightly sweep. So it keeps net.Socket's work per connection to
 * what the job needs: no stream buffering (what the peer sends after our FIN is read into one
 * shared scratch buffer through the documented `onread` option, and discarded), one object per
 * attempt for its listeners, one timer for all the closing sockets.
 *
 * The polite close: FIN, read and discard what the peer sent (so the kernel holds no unread data
 * and closes without a reset), release when the peer closes too, when it has sent more than the
 * byte budget, or after a short grace.
 *
 * With PSM_NETCHECK_INTERNALS=1 the same calls go through libuv's handles instead (tcp-handle.ts).
 */

export type ConnectOnlyResult = { readonly ok: true; readonly ip: string } | Extract<ConnectResult, { ok: false }>;

/** Connects to `address:port`, then closes with FIN; resolves with the connect's outcome. Never rejects. */
export function connectThenClose(
  address: string,
  port: number,
  signal: AbortSignal,
  clock: PhaseClock,
  maxBytes: number,
): Promise<ConnectOnlyResult> {
  const family = net.isIP(address);
  if (family !== 0) return connectIp(address, family, port, signal, clock, maxBytes);
  return resolveAddress(address, signal).then((resolved) => {
    if (!resolved.ok) return resolved;
    clock.mark('resolve');
    return connectIp(resolved.ip, net.isIP(resolved.ip), port, signal, clock, maxBytes);
  });
}

function connectIp(
  ip: string,
  family: number,
  port: number,
  signal: AbortSignal,
  clock: PhaseClock,
  maxBytes: number,
): Promise<ConnectOnlyResult> {
  if (handlesAvailable) return connectHandleThenClose(ip, family, port, signal, clock, maxBytes);
  if (signal.aborted) return Promise.resolve(abortedResult(signal));
  return new Promise((resolve) => {
    const attempt = new SocketAttempt(ip, signal, clock, maxBytes, resolve);
    signal.addEventListener('abort', attempt);
    attempt.connect(port);
  });
}

/** Every closing socket reads into this; nothing keeps what was read. */
const SCRATCH = Buffer.allocUnsafe(16 * 1024);

class SocketAttempt {
  #socket: net.Socket | undefined;
  #settled = false;
  #released = false;
  #drained = 0;
  #localPort: number | undefined;

  constructor(
    readonly ip: string,
    readonly signal: AbortSignal,
    readonly clock: PhaseClock,
    readonly maxBytes: number,
    readonly resolve: (result: ConnectOnlyResult) => void,
  ) {}

  connect(port: number): void {
    const socket = net.connect({ host: this.ip, port, onread: { buffer: SCRATCH, callback: (bytes) => this.#read(bytes) } });
    this.#socket = socket;
    socket.on('connect', () => this.#connected());
    socket.on('error', (error) => this.#failed(error));
    socket.on('close', () => this.release());
    // Bound once net.js has run the connect (queued before this tick); gone after an error's destroy.
    process.nextTick(readLocalPort, this);
  }

  /** See connect(); a static function on the tick queue rather than a closure per attempt. */
  readPort(): void {
    if (this.#socket !== undefined) this.#localPort ??= localPortOf(this.#socket);
  }

  #connected(): void {
    // A socket destroyed by the deadline never connects: nothing else can come first.
    if (this.#settled) return;
    this.clock.mark('connect');
    this.#settle({ ok: true, ip: this.ip });
    const socket = this.#socket as net.Socket;
    // FIN now. The peer's bytes go to #read; its FIN ends the socket (allowHalfOpen is off).
    socket.end();
    socket.resume();
    lingering.add(this);
  }

  #failed(error: Error): void {
    if (this.#settled) {
      // A reset while closing: nothing more to wait for.
      this.release();
      return;
    }
    this.#socket?.destroy();
    const classified = classifyErrno(errorCode(error));
    this.#settle(withPort({ ok: false, state: classified.state, reason: classified.reason, message: errorText(error) }, this.#localPort));
  }

  /** The deadline or shutdown (the attempt is the signal's listener object). */
  handleEvent(): void {
    if (this.#settled) return;
    this.readPort();
    this.release();
    this.#settle(withPort(abortedResult(this.signal), this.#localPort));
  }

  #settle(result: ConnectOnlyResult): void {
    this.#settled = true;
    this.signal.removeEventListener('abort', this);
    this.resolve(result);
  }

  /** Bytes the peer sent after our FIN; a flood is cut off at the byte budget. */
  #read(bytes: number): boolean {
    this.#drained += bytes;
    if (this.#drained < this.maxBytes) return true;
    this.release();
    return false;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    lingering.delete(this);
    this.#socket?.destroy();
  }
}

function readLocalPort(attempt: SocketAttempt): void {
  attempt.readPort();
}

const lingering = new Lingering<SocketAttempt>();

/** Sockets of this module still waiting for the peer's FIN (for tests). */
export function lingeringSockets(): number {
  return lingering.size;
}
