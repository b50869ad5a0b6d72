import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { abortedResult, closeGently, connectTcp, type ConnectResult } from './tcp-connect.js';
import { now, type PhaseClock } from '../../src/core/clock.js';
import { classifyErrno } from '../../src/core/errno.js';

/**
 * A TCP connect that only wants the port's state, then closes politely: the tcp probe's job,
 * tens of thousands of times in a nightly sweep.
 *
 * Why not net.Socket: a Socket is a full duplex stream (two stream states, buffers, a stack-traced
 * Error per refused port); measured on a 2-core machine, that machinery cost more CPU than the
 * kernel's connect and close together, and its garbage, promoted while thousands of probes are in
 * flight, tripled the heap. Here the libuv handle underneath does the same system calls with none
 * of it, through the handle API net.Socket itself uses (process.binding('tcp_wrap'), kept in
 * Node's allow-list for this kind of use). When that API is missing or differs, the probe falls back
 * to net.Socket with the same behaviour: connect, FIN, drain what the peer sent, release.
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
  if (family !== 0 && HANDLES !== undefined) return connectHandle(HANDLES, address, family, port, signal, clock, maxBytes);
  return connectTcp(address, port, signal, clock).then((connected): ConnectOnlyResult => {
    if (!connected.ok) return connected;
    closeGently(connected.socket, GRACE_MS);
    return { ok: true, ip: connected.ip };
  });
}

// ---------------------------------------------------------------------------------------------
// The handle API (Node's lib/net.js uses exactly these calls)
// ---------------------------------------------------------------------------------------------

interface TcpHandle {
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
  shutdown(req: ShutdownReq): number;
  readStart(): number;
  close(): void;
  /** Called with the read's ArrayBuffer; the byte count (or a negative error) is in streamBaseState. */
  onread: (this: TcpHandle, buffer?: ArrayBuffer) => void;
  /** Ours: the attempt this handle belongs to. */
  attempt?: HandleAttempt;
}

interface ConnectReq {
  oncomplete: (status: number) => void;
}

interface ShutdownReq {
  oncomplete: (status: number) => void;
}

interface Handles {
  readonly newHandle: () => TcpHandle;
  readonly newConnectReq: () => ConnectReq;
  readonly newShutdownReq: () => ShutdownReq;
  readonly state: Int32Array;
  readonly readBytesOrError: number;
}

/** How long a closing connection waits for the peer's FIN (closeGently's default too). */
const GRACE_MS = 250;

const HANDLES = loadHandles();

function loadHandles(): Handles | undefined {
  try {
    const binding = (process as unknown as { binding?: (name: string) => unknown }).binding;
    if (typeof binding !== 'function') return undefined;
    const tcp = binding('tcp_wrap') as { TCP?: unknown; TCPConnectWrap?: unknown; constants?: { SOCKET?: unknown } };
    const stream = binding('stream_wrap') as { ShutdownWrap?: unknown; streamBaseState?: unknown; kReadBytesOrError?: unknown };
    const { TCP, TCPConnectWrap, constants } = tcp;
    const { ShutdownWrap, streamBaseState, kReadBytesOrError } = stream;
    if (
      typeof TCP !== 'function' ||
      typeof TCPConnectWrap !== 'function' ||
      typeof constants?.SOCKET !== 'number' ||
      typeof ShutdownWrap !== 'function' ||
      !(streamBaseState instanceof Int32Array) ||
      typeof kReadBytesOrError !== 'number'
    ) {
      return undefined;
    }
    const socketType = constants.SOCKET;
    const Tcp = TCP as new (type: number) => TcpHandle;
    const Connect = TCPConnectWrap as new () => ConnectReq;
    const Shutdown = ShutdownWrap as new () => ShutdownReq;
    const handles: Handles = {
      newHandle: () => new Tcp(socketType),
      newConnectReq: () => new Connect(),
      newShutdownReq: () => new Shutdown(),
      state: streamBaseState,
      readBytesOrError: kReadBytesOrError,
    };
    return handles;
  } catch {
    return undefined;
  }
}

function connectHandle(
  handles: Handles,
  ip: string,
  family: number,
  port: number,
  signal: AbortSignal,
  clock: PhaseClock,
  maxBytes: number,
): Promise<ConnectOnlyResult> {
  if (signal.aborted) return Promise.resolve(abortedResult(signal));
  return new Promise((resolve) => {
    const attempt = new HandleAttempt(handles, ip, signal, clock, maxBytes, resolve);
    const req = handles.newConnectReq();
    req.oncomplete = (status) => attempt.connected(status);
    signal.addEventListener('abort', attempt);
    const error = family === 6 ? attempt.handle.connect6(req, ip, port) : attempt.handle.connect(req, ip, port);
    // A synchronous failure: EMFILE, or EINVAL behind a blackhole route. Never open.
    if (error !== 0) attempt.failed(error);
  });
}

/**
 * One connect, then the polite close: shutdown (FIN), read and discard what the peer sent (so the
 * kernel has no unread data and closes without a reset), release when the peer closes too, when
 * it sent more than the byte budget, or after the grace.
 */
class HandleAttempt {
  readonly handle: TcpHandle;
  #settled = false;
  #drained = 0;

  constructor(
    readonly handles: Handles,
    readonly ip: string,
    readonly signal: AbortSignal,
    readonly clock: PhaseClock,
    readonly maxBytes: number,
    readonly resolve: (result: ConnectOnlyResult) => void,
  ) {
    this.handle = handles.newHandle();
  }

  /** The connect request completed: 0, or a negative libuv error (ECONNREFUSED...). */
  connected(status: number): void {
    // A handle closed by the deadline completes its request with ECANCELED: already settled.
    if (this.#settled) return;
    if (status !== 0) {
      this.failed(status);
      return;
    }
    this.clock.mark('connect');
    this.#settle({ ok: true, ip: this.ip });
    this.#closeGently();
  }

  failed(status: number): void {
    if (this.#settled) return;
    this.handle.close();
    const code = errorName(status);
    const classified = classifyErrno(code);
    this.#settle({ ok: false, state: classified.state, reason: classified.reason, message: code });
  }

  /** The deadline or shutdown (the attempt is the signal's listener object). */
  handleEvent(): void {
    if (this.#settled) return;
    this.handle.close();
    this.#settle(abortedResult(this.signal));
  }

  #settle(result: ConnectOnlyResult): void {
    this.#settled = true;
    this.signal.removeEventListener('abort', this);
    this.resolve(result);
  }

  #closeGently(): void {
    const handle = this.handle;
    const shutdown = this.handles.newShutdownReq();
    shutdown.oncomplete = ignoreStatus;
    handle.attempt = this;
    handle.onread = onRead;
    if (handle.shutdown(shutdown) !== 0 || handle.readStart() !== 0) {
      this.release();
      return;
    }
    lingeringHandles.add(this);
  }

  /** Bytes the peer sent after our FIN; a flood is cut off at the byte budget. */
  read(bytes: number): void {
    this.#drained += bytes;
    if (this.#drained >= this.maxBytes) this.release();
  }

  #released = false;

  release(): void {
    if (this.#released) return;
    this.#released = true;
    lingeringHandles.delete(this);
    this.handle.close();
  }
}

function onRead(this: TcpHandle): void {
  const attempt = this.attempt;
  if (attempt === undefined) return;
  const bytes = attempt.handles.state[attempt.handles.readBytesOrError] ?? 0;
  if (bytes > 0) attempt.read(bytes);
  // EOF (the peer closed too) or a read error (a reset): nothing more to wait for.
  else if (bytes < 0) attempt.release();
}

function ignoreStatus(): void {}

function errorName(status: number): string {
  try {
    return getSystemErrorName(status);
  } catch {
    return `errno ${status}`;
  }
}

/**
 * Handles waiting for the peer's FIN, released at the end of their grace. All have the same grace,
 * so they expire in the order they were added: one timer serves them all.
 */
class LingeringHandles {
  readonly #deadlines = new Map<HandleAttempt, number>();
  #timer: NodeJS.Timeout | undefined;

  add(attempt: HandleAttempt): void {
    const at = now() + GRACE_MS;
    this.#deadlines.set(attempt, at);
    if (this.#timer === undefined) this.#arm(at);
  }

  delete(attempt: HandleAttempt): void {
    this.#deadlines.delete(attempt);
  }

  #arm(at: number): void {
    this.#timer = setTimeout(this.#expire, Math.max(1, Math.ceil(at - now())));
    // Closing sockets never keep the process alive on their own.
    this.#timer.unref();
  }

  readonly #expire = (): void => {
    this.#timer = undefined;
    const t = now();
    let next = Infinity;
    for (const [attempt, at] of this.#deadlines) {
      if (at > t) {
        next = at;
        break;
      }
      attempt.release();
    }
    if (next !== Infinity) this.#arm(next);
  };
}

const lingeringHandles = new LingeringHandles();
