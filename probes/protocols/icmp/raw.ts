import { randomBytes, randomInt } from 'node:crypto';
import type { Socket } from 'raw-socket';
import { abortKind } from '../../../src/core/abort.js';
import { codeFromText, type EchoResult } from './echo.js';
import { buildEchoRequest, canonicalIp, icmpErrorMeaning, parseIcmp, type IpFamily } from './packet.js';
import { openRawIcmpSocket, type RawSocketLibrary } from './privilege.js';
import { lazyModule } from '../../kit/lazy-module.js';
import { useInternals } from '../../../src/core/internals.js';

/**
 * ICMP echo over ONE raw socket per address family, shared by every concurrent ping of the
 * process, opened on first use and closed after a short idle time.
 *
 * Why raw-socket directly rather than net-ping: net-ping's RTT is the difference of two `Date`s
 * (whole milliseconds) taken in its own callbacks, so with many hosts at once it measures the
 * event loop as much as the network. Here the send time is taken right before the sendto() call
 * (raw-socket's `beforeCallback`), the receive time as the datagram is handed over (its 'message'
 * event), both with process.hrtime, and the receive buffer is enlarged so that a burst of replies
 * is not dropped while the loop is busy. What remains in the RTT is the time a datagram waits for
 * its turn: raw-socket sends one queued datagram per writable event and reads one per readable
 * event, i.e. one of each per turn of the event loop.
 *
 * With PSM_NETCHECK_INTERNALS=1 (src/core/internals.ts) it skips that wait through raw-socket's
 * undocumented native handle (`socket.wrap`): a synchronous sendto() when the ping starts, and
 * every readable event drains all the queued datagrams, so a burst is stamped in one pass. Under
 * load that is the difference between exact RTTs and false timeouts (docs/benchmarks.md, "Public
 * APIs"); raw-socket is then pinned exactly, as its internals may change in any release. Kernel
 * receive timestamps (SO_TIMESTAMP) would remove the wait too, but raw-socket has no recvmsg; the
 * ping command fallback has them.
 */

/** A native addon: when it cannot be loaded, the raw method is unavailable and `auto` uses the ping command. */
export const loadRawSocket = lazyModule('raw-socket', async () => (await import('raw-socket')).default);

/** Our echo identifier for this process; replies and errors are matched on it and on the sequence number. */
const IDENTIFIER = randomInt(1, 0xffff);
const IDLE_CLOSE_MS = 250;
/** Upper bound of datagrams read in one readable event, so that an ICMP flood cannot starve the loop. */
const MAX_DRAIN = 1024;
const NONCE_BYTES = 16;
/** Asked for; the kernel caps it at net.core.rmem_max (212992 by default, room for ~250 replies). */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

interface Pending {
  /** Canonical address of the target, compared with the reply's source. */
  readonly target: string;
  readonly nonce: Buffer;
  sentAt: bigint | undefined;
  settle(result: EchoResult): void;
}

class EchoSession {
  readonly #family: IpFamily;
  readonly #socket: Socket;
  readonly #pending = new Map<number, Pending>();
  readonly #onClosed: () => void;
  /** The switch is on and raw-socket's native handle has the shape this code knows. */
  readonly #internals: boolean;
  #nextSeq = randomInt(0, 0x10000);
  #idleTimer: NodeJS.Timeout | undefined;
  #draining = false;
  #closed = false;

  constructor(raw: RawSocketLibrary, family: IpFamily, socket: Socket, onClosed: () => void) {
    this.#family = family;
    this.#socket = socket;
    this.#onClosed = onClosed;
    this.#internals = useInternals && hasNativeHandle(socket);
    socket.on('message', (datagram, source) => {
      this.#receive(datagram, source, process.hrtime.bigint());
      if (this.#internals) this.#drain();
    });
    // raw-socket emits EAGAIN as an 'error' when a readable event finds the queue already drained
    // (by #drain); a real failure of the socket closes it, which 'close' handles.
    socket.on('error', () => undefined);
    socket.on('close', () => this.#shutdown('the raw ICMP socket closed'));
    try {
      socket.setOption(raw.SocketLevel.SOL_SOCKET, raw.SocketOption.SO_RCVBUF, RECEIVE_BUFFER_BYTES);
    } catch {
      // The default buffer still works; bursts may lose replies (reported as timeouts).
    }
  }

  get internals(): boolean {
    return this.#internals;
  }

  echo(ip: string, signal: AbortSignal): Promise<EchoResult> {
    if (signal.aborted) return Promise.resolve(abortedResult(signal));
    const seq = this.#allocateSeq();
    if (seq === undefined) return Promise.resolve({ kind: 'send-error', code: undefined, message: '65536 pings in flight' });
    clearTimeout(this.#idleTimer);
    const nonce = randomBytes(NONCE_BYTES);
    const packet = buildEchoRequest(this.#family, IDENTIFIER, seq, nonce);
    return new Promise((resolve) => {
      let done = false;
      const onAbort = (): void => entry.settle(abortedResult(signal));
      const entry: Pending = {
        target: canonicalIp(ip),
        nonce,
        sentAt: undefined,
        settle: (result) => {
          if (done) return;
          done = true;
          signal.removeEventListener('abort', onAbort);
          this.#pending.delete(seq);
          this.#scheduleIdleClose();
          resolve(result);
        },
      };
      this.#pending.set(seq, entry);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#send(entry, packet, ip);
    });
  }

  #send(entry: Pending, packet: Buffer, ip: string): void {
    if (this.#internals && this.#sendNow(entry, packet, ip)) return;
    // raw-socket's documented send: queued, sent when the socket is next writable, stamped right before.
    this.#socket.send(
      packet,
      0,
      packet.length,
      ip,
      () => {
        entry.sentAt = process.hrtime.bigint();
      },
      (error) => {
        if (error) entry.settle({ kind: 'send-error', code: codeFromText(error.message), message: error.message.slice(0, 200) });
      },
    );
  }

  /**
   * Internals only: sendto() at once through the native handle. False when the send buffer is
   * full (EAGAIN, ENOBUFS): then the queued send above takes it when the socket is writable.
   */
  #sendNow(entry: Pending, packet: Buffer, ip: string): boolean {
    try {
      entry.sentAt = process.hrtime.bigint();
      this.#socket.wrap.send(packet, 0, packet.length, ip, () => undefined);
      // A burst of sends in one tick would leave earlier replies queued until it ends: read them now.
      this.#drain();
      return true;
    } catch (error) {
      entry.sentAt = undefined;
      const text = error instanceof Error ? error.message : String(error);
      const code = codeFromText(text);
      if (code === 'EAGAIN' || code === 'ENOBUFS') return false;
      entry.settle({ kind: 'send-error', code, message: text.slice(0, 200) });
      return true;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#socket.close();
    this.#shutdown('closed');
  }

  #receive(datagram: Buffer, source: string, at: bigint): void {
    const message = parseIcmp(this.#family, datagram);
    if (message === undefined || message.id !== IDENTIFIER) return;
    const entry = this.#pending.get(message.seq);
    if (entry?.sentAt === undefined) return;
    const rttMs = Number(at - entry.sentAt) / 1e6;
    if (message.kind === 'echo-reply') {
      // Someone else's echo with our id and sequence, or a reply from elsewhere: not ours.
      if (canonicalIp(source) !== entry.target || !message.payload.equals(entry.nonce)) return;
      entry.settle({ kind: 'reply', rttMs, bytes: datagram.length, ...(message.ttl === undefined ? {} : { ttl: message.ttl }) });
      return;
    }
    if (message.destination !== entry.target) return;
    entry.settle({
      kind: 'icmp-error',
      type: message.type,
      code: message.code,
      meaning: icmpErrorMeaning(this.#family, message.type, message.code),
      from: canonicalIp(source),
      rttMs,
    });
  }

  /** Internals only: reads every datagram already queued (each one timestamped as it is read). */
  #drain(): void {
    if (this.#draining || this.#closed) return;
    this.#draining = true;
    // The read that finds the queue empty throws (EAGAIN); without a stack trace that costs little.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      for (let i = 0; i < MAX_DRAIN; i++) {
        this.#socket.wrap.recv(this.#socket.buffer, (buffer, bytes, source) => {
          this.#receive(buffer.subarray(0, bytes), source, process.hrtime.bigint());
        });
      }
    } catch {
      // EAGAIN: the queue is empty.
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
      this.#draining = false;
    }
  }

  #allocateSeq(): number | undefined {
    for (let tries = 0; tries < 0x10000; tries++) {
      const seq = this.#nextSeq;
      this.#nextSeq = (this.#nextSeq + 1) & 0xffff;
      if (!this.#pending.has(seq)) return seq;
    }
    return undefined;
  }

  #scheduleIdleClose(): void {
    if (this.#pending.size > 0 || this.#closed) return;
    clearTimeout(this.#idleTimer);
    // The open socket keeps the process alive, so an unref'd timer still fires.
    this.#idleTimer = setTimeout(() => this.close(), IDLE_CLOSE_MS);
    this.#idleTimer.unref();
  }

  #shutdown(why: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    this.#onClosed();
    for (const entry of [...this.#pending.values()]) entry.settle({ kind: 'send-error', code: undefined, message: why });
  }
}

/** raw-socket 1.8's `socket.wrap`: synchronous send(buffer, offset, length, address, cb) and recv(buffer, cb). */
function hasNativeHandle(socket: Socket): boolean {
  const wrap = (socket as { wrap?: { send?: unknown; recv?: unknown } }).wrap;
  return typeof wrap?.send === 'function' && typeof wrap.recv === 'function' && Buffer.isBuffer(socket.buffer);
}

const sessions = new Map<IpFamily, EchoSession>();

/** Sends one echo request to `ip` through the shared raw socket and waits for its answer. */
export async function echoRaw(ip: string, family: IpFamily, signal: AbortSignal): Promise<EchoResult> {
  if (signal.aborted) return abortedResult(signal);
  const raw = await loadRawSocket();
  if (!raw.ok) return { kind: 'unavailable', message: raw.message };
  if (signal.aborted) return abortedResult(signal);
  // From here to session.echo() nothing waits, so concurrent pings share one session.
  let session = sessions.get(family);
  if (session === undefined) {
    let socket: Socket;
    try {
      socket = openRawIcmpSocket(raw.module, family);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      return { kind: 'unavailable', message: `no raw ICMP socket: ${text} (needs root or CAP_NET_RAW)` };
    }
    const created: EchoSession = new EchoSession(raw.module, family, socket, () => {
      if (sessions.get(family) === created) sessions.delete(family);
    });
    sessions.set(family, created);
    session = created;
  }
  return session.echo(ip, signal);
}

/** Whether the open session of `family` goes through raw-socket's native handle; undefined without a session (for tests). */
export function echoSessionUsesInternals(family: IpFamily): boolean | undefined {
  return sessions.get(family)?.internals;
}

/** Closes the shared sockets now (at shutdown, and between tests); pending pings end as send errors. */
export function closeEchoSessions(): void {
  for (const session of [...sessions.values()]) session.close();
}

function abortedResult(signal: AbortSignal): EchoResult {
  return abortKind(signal) === 'timeout' ? { kind: 'no-reply' } : { kind: 'aborted' };
}
