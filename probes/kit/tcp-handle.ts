import { getSystemErrorName } from 'node:util';
import { abortedResult, withPort, type ConnectResult } from './tcp-connect.js';
import { Lingering } from './lingering.js';
import type { PhaseClock } from '../../src/core/clock.js';
import { classifyErrno } from '../../src/core/errno.js';
import { useInternals } from '../../src/core/internals.js';

/**
 * The tcp probe's connect-and-close on libuv's TCP handle, the object net.Socket wraps, reached
 * through `process.binding('tcp_wrap')`: a Node internal (deprecated, DEP0111), used only with
 * PSM_NETCHECK_INTERNALS=1 (src/core/internals.ts). It makes the same system calls as the public
 * path (connect-only.ts) without a stream around them: no stream states, no buffers, no stack-traced
 * Error per refused port, so less CPU and garbage per probe (docs/benchmarks.md, "Public APIs").
 * When the binding is missing or has another shape, `handlesAvailable` is false and the public
 * path runs.
 */

/** The same shape as connect-only.ts's ConnectOnlyResult (written out: that module imports this one). */
export type HandleResult = { readonly ok: true; readonly ip: string } | Extract<ConnectResult, { ok: false }>;

// ---------------------------------------------------------------------------------------------
// The handle API (Node's lib/net.js uses exactly these calls)
// ---------------------------------------------------------------------------------------------

interface TcpHandle {
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
  shutdown(req: ShutdownReq): number;
  readStart(): number;
  close(): void;
  /** Fills `out` with the bound address and port (net.js's Socket#address() calls it). */
  getsockname?(out: { port?: number }): number;
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

// Never touched unless the switch is on.
const HANDLES = useInternals ? loadHandles() : undefined;

/** Whether this process connects through libuv handles (the switch is on and the binding has the expected shape). */
export const handlesAvailable = HANDLES !== undefined;

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

/**
 * Connects to `ip:port` (an IP literal of `family` 4 or 6) on a libuv handle, then closes with
 * FIN. Only when `handlesAvailable`. Never rejects.
 */
export function connectHandleThenClose(
  ip: string,
  family: number,
  port: number,
  signal: AbortSignal,
  clock: PhaseClock,
  maxBytes: number,
): Promise<HandleResult> {
  const handles = HANDLES;
  if (handles === undefined) throw new Error('connectHandleThenClose without handles (check handlesAvailable)');
  if (signal.aborted) return Promise.resolve(abortedResult(signal));
  return new Promise((resolve) => {
    const attempt = new HandleAttempt(handles, ip, signal, clock, maxBytes, resolve);
    const req = handles.newConnectReq();
    req.oncomplete = (status) => attempt.connected(status);
    signal.addEventListener('abort', attempt);
    const error = family === 6 ? attempt.handle.connect6(req, ip, port) : attempt.handle.connect(req, ip, port);
    // A synchronous failure: EMFILE, or EINVAL behind a blackhole route. Never open.
    if (error !== 0) attempt.failed(error);
    else attempt.boundPort();
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
  #released = false;
  #drained = 0;
  #localPort: number | undefined;

  constructor(
    readonly handles: Handles,
    readonly ip: string,
    readonly signal: AbortSignal,
    readonly clock: PhaseClock,
    readonly maxBytes: number,
    readonly resolve: (result: HandleResult) => void,
  ) {
    this.handle = handles.newHandle();
  }

  /** After connect(): the port the kernel bound (see ProbeFacts.localPort). */
  boundPort(): void {
    const out: { port?: number } = {};
    if (this.handle.getsockname?.(out) === 0 && typeof out.port === 'number' && out.port > 0) this.#localPort = out.port;
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
    this.#settle(withPort({ ok: false, state: classified.state, reason: classified.reason, message: code }, this.#localPort));
  }

  /** The deadline or shutdown (the attempt is the signal's listener object). */
  handleEvent(): void {
    if (this.#settled) return;
    this.handle.close();
    this.#settle(withPort(abortedResult(this.signal), this.#localPort));
  }

  #settle(result: HandleResult): void {
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
    lingering.add(this);
  }

  /** Bytes the peer sent after our FIN; a flood is cut off at the byte budget. */
  read(bytes: number): void {
    this.#drained += bytes;
    if (this.#drained >= this.maxBytes) this.release();
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    lingering.delete(this);
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

const lingering = new Lingering<HandleAttempt>();

/** Connections of this module still waiting for the peer's FIN (for tests). */
export function lingeringHandles(): number {
  return lingering.size;
}
