import { randomBytes, randomInt } from 'node:crypto';
import type { Socket } from 'raw-socket';
import { abortKind } from '../../../src/core/abort.js';
import { codeFromText, type EchoResult } from './echo.js';
import { buildEchoRequest, canonicalIp, icmpErrorMeaning, parseIcmp, type IpFamily } from './packet.js';
import { openRawIcmpSocket, type RawSocketLibrary } from './privilege.js';
import { lazyModule } from '../../kit/lazy-module.js';

/**
 * ICMP echo over ONE raw socket per address family, shared by every concurrent ping of the
 * process, opened on first use and closed after a short idle time.
 *
 * Why raw-socket directly rather than net-ping: net-ping's RTT is the difference of two `Date`s
 * (whole milliseconds) taken in its own callbacks, so with many hosts at once it measures the
 * event loop as much as the network. Here:
 * - the send time is taken with process.hrtime right before a synchronous sendto() (raw-socket's
 *   native `send`), not when a queued request finally gets its turn: raw-socket's own `send()`
 *   sends ONE queued datagram per writable event, i.e. per loop turn, which under load delays the
 *   sends by seconds (and turns them into false timeouts);
 * - the receive time is taken right after recvfrom() returns, and every readable event drains all
 *   queued datagrams (raw-socket reads one per event), so a burst of replies is stamped in one pass
 *   instead of one per loop turn;
 * - the receive buffer is enlarged so that a burst is not dropped while the loop is busy.
 * What remains in the RTT is the time a reply waits in the kernel until the loop polls the socket.
 * Kernel receive timestamps (SO_TIMESTAMP) would remove that too, but raw-socket has no recvmsg;
 * the ping command fallback has them.
 * Measured on loopback (127.0.0.0/8, where the reply is queued before sendto() even returns, so
 * this is the best case): 5000 concurrent pings, p50 0.014 ms / p99 0.14 ms; 3000 with the loop
 * kept 2/3 busy by other work, p50 0.015 ms / p99 0.15 ms, none lost; from call to resolution the
 * same pings took 0.3-1 s. With raw-socket's queued send() and one read per event, the busy case
 * gave p50 2.2 ms / p99 12 ms and lost 55% to timeouts.
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
  #nextSeq = randomInt(0, 0x10000);
  #idleTimer: NodeJS.Timeout | undefined;
  #draining = false;
  #closed = false;

  constructor(raw: RawSocketLibrary, family: IpFamily, socket: Socket, onClosed: () => void) {
    this.#family = family;
    this.#socket = socket;
    this.#onClosed = onClosed;
    socket.on('message', (datagram, source) => {
      this.#receive(datagram, source, process.hrtime.bigint());
      this.#drain();
    });
    // raw-socket emits EAGAIN as an 'error' when a readable event finds the queue already drained.
    socket.on('error', () => undefined);
    socket.on('close', () => this.#shutdown('the raw ICMP socket closed'));
    try {
      socket.setOption(raw.SocketLevel.SOL_SOCKET, raw.SocketOption.SO_RCVBUF, RECEIVE_BUFFER_BYTES);
    } catch {
      // The default buffer still works; bursts may lose replies (reported as timeouts).
    }
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
    try {
      entry.sentAt = process.hrtime.bigint();
      this.#socket.wrap.send(packet, 0, packet.length, ip, () => undefined);
      // A burst of sends in one tick would leave earlier replies queued until it ends: read them now.
      this.#drain();
      return;
    } catch (error) {
      entry.sentAt = undefined;
      const text = error instanceof Error ? error.message : String(error);
      const code = codeFromText(text);
      if (code !== 'EAGAIN' && code !== 'ENOBUFS') {
        entry.settle({ kind: 'send-error', code, message: text.slice(0, 200) });
        return;
      }
    }
    // The send buffer is full: let raw-socket send it when the socket is writable again.
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

  /** Reads every datagram already queued (each one timestamped as it is read). */
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

/** Closes the shared sockets now (at shutdown, and between tests); pending pings end as send errors. */
export function closeEchoSessions(): void {
  for (const session of [...sessions.values()]) session.close();
}

function abortedResult(signal: AbortSignal): EchoResult {
  return abortKind(signal) === 'timeout' ? { kind: 'no-reply' } : { kind: 'aborted' };
}
