import { EventEmitter } from 'node:events';
import net from 'node:net';
import { now, type PhaseClock } from '../../../src/core/clock.js';
import type { Evidence, ProbeFacts } from '../../../src/core/probe.js';
import type { TransportReason } from '../../../src/core/transport-reasons.js';
import { endedWithoutReply, type Received, UdpExchange, type UdpFailure, udpFailureFacts } from '../../kit/udp-exchange.js';
import { isReplyPdu, matchId, readMessage, type V3Message } from './message.js';
import { asReport } from './usm-reports.js';

/** How an exchange ended without the reply it waited for (the socket, the deadline, the budget). */
export type Ended = Exclude<Received<unknown>, { end: 'reply' }>;

/** How the socket's side of a wait ended. */
export type Pumped =
  /** A Report answered one of the channel's own messages (the hand-built discovery). */
  | { readonly kind: 'report'; readonly report: V3Message }
  | { readonly kind: 'ended'; readonly end: Ended };

/** How one wait on the channel ended: the socket's side, or the net-snmp request settled (a reply, an error status, a Report, a refused reply). */
export type Waited<T> = { readonly kind: 'settled'; readonly value: T } | Pumped;

type Routed = { readonly route: 'own'; readonly report: V3Message } | { readonly route: 'net-snmp' } | { readonly route: 'mismatched' };

/**
 * Every SNMP exchange of a probe, over ONE connected UDP socket (a UdpExchange): so an ICMP port
 * unreachable shows as closed, the deadline and the byte budget hold, and a reply from another
 * address or port never arrives.
 *
 * net-snmp's sessions bind an unconnected socket of their own; their documented `dgramModule`
 * option lets us hand them a stand-in (`dgramModule()`) that sends and receives through this
 * channel instead. The hand-built discovery goes through `sendOwn`.
 *
 * Every datagram that arrives is read here once, before anyone else sees it:
 * - a reply to a message this socket sent (matched by request-id, or msgID for v3) goes on, to
 *   net-snmp or to the waiting discovery;
 * - a reply to any other request is no reply: it is ignored and counted (`mismatchedReplies`),
 *   and the wait goes on;
 * - anything that is not a readable SNMP message is ignored and counted as the UdpExchange does
 *   (`datagramsIgnored`).
 */
export class SnmpChannel {
  readonly exchange: UdpExchange;
  readonly #clock: PhaseClock;
  readonly #socket: SessionSocket;
  readonly #ownIds = new Set<number>();
  readonly #netSnmpIds = new Set<number>();
  /** The first Report to each of net-snmp's messages, by its id. */
  readonly #reports = new Map<number, V3Message>();
  #lastNetSnmpId: number | undefined;
  #engine: V3Message | undefined;
  #mismatched = 0;
  #unreadable = 0;
  #pump: Promise<Pumped> | undefined;
  /** Set when a send on net-snmp's behalf failed locally (or with a pending ICMP error). */
  sendFailure: UdpFailure | undefined;

  private constructor(exchange: UdpExchange, clock: PhaseClock) {
    this.exchange = exchange;
    this.#clock = clock;
    this.#socket = new SessionSocket(this);
  }

  /** Resolve and connect (phases "resolve", "connect"). Never rejects. */
  static async open(
    address: string,
    port: number,
    ctx: { readonly signal: AbortSignal; readonly maxBytes: number },
    clock: PhaseClock,
  ): Promise<{ readonly ok: true; readonly channel: SnmpChannel } | UdpFailure> {
    const opened = await UdpExchange.open(address, port, ctx, clock);
    return opened.ok ? { ok: true, channel: new SnmpChannel(opened.exchange, clock) } : opened;
  }

  /** net-snmp's `dgramModule` option: its session sends and receives through this channel. */
  dgramModule(): { createSocket(): SessionSocket } {
    return { createSocket: () => this.#socket };
  }

  /** Send a hand-built message whose replies carry `id` (the discovery's msgID). */
  sendOwn(message: Buffer, id: number): Promise<UdpFailure | undefined> {
    this.#ownIds.add(id);
    return this.exchange.send(message);
  }

  /**
   * Wait until `settled` (a net-snmp request) resolves, a Report answers one of our own messages,
   * or the exchange ends: deadline, abort, ICMP error, byte budget, or `waitMs` when given.
   * Only one wait runs the socket at a time; a wait that `settled` won is taken over by the next.
   */
  async wait<T>(settled: Promise<T>, waitMs?: number): Promise<Waited<T>> {
    return Promise.race([settled.then((value): Waited<T> => ({ kind: 'settled', value })), this.waitForReport(waitMs)]);
  }

  /** Wait for a Report to one of our own messages alone (no net-snmp request is outstanding). */
  waitForReport(waitMs?: number): Promise<Pumped> {
    return (this.#pump ??= this.#run(waitMs));
  }

  /** Wait for a net-snmp request alone (no hand-built message is outstanding). */
  async waitForRequest<T>(settled: Promise<T>, waitMs?: number): Promise<Exclude<Waited<T>, { kind: 'report' }>> {
    for (;;) {
      const waited = await this.wait(settled, waitMs);
      if (waited.kind !== 'report') return waited;
    }
  }

  /** The first Report that answered any message of this channel: the agent's engine (RFC 3414 §4). */
  get engine(): V3Message | undefined {
    return this.#engine;
  }

  /** The Report that answered net-snmp's latest message, if one did (it is the one a refused request ends on). */
  reportToLastRequest(): V3Message | undefined {
    return this.#lastNetSnmpId === undefined ? undefined : this.#reports.get(this.#lastNetSnmpId);
  }

  /** net-snmp could not decode a datagram that looked like a reply to it. */
  countUnreadable(): void {
    this.#unreadable += 1;
  }

  /** What arrived that was not the reply, for every result's evidence. */
  evidence(): Evidence {
    const ignored = this.exchange.ignored + this.#unreadable;
    return {
      ...(ignored > 0 ? { datagramsIgnored: ignored } : {}),
      ...(this.#mismatched > 0 ? { mismatchedReplies: this.#mismatched } : {}),
    };
  }

  /**
   * Facts for an exchange that ended without the reply. Replies to other requests do not count
   * as an answer: silence stays silence, with a note that they came.
   */
  endedFacts<Reason extends string = 'no-reply'>(
    end: Ended,
    clock: PhaseClock,
    silence: { readonly message: string; readonly evidence?: Evidence; readonly reason?: Reason },
  ): ProbeFacts<TransportReason | Reason> {
    const evidence = { ...silence.evidence, ...this.evidence() };
    if ((end.end === 'timeout' || end.end === 'wait-over') && this.#unreadable > 0) {
      return {
        state: 'open',
        reason: 'unexpected-protocol',
        message: `${String(evidence.datagramsIgnored)} datagram(s) from the port, none a valid reply`,
        timings: clock.done(),
        bytesRead: this.exchange.bytesRead,
        evidence,
      };
    }
    return endedWithoutReply(end, this.exchange, clock, { ...silence, message: this.noted(silence.message), evidence });
  }

  /** A no-answer message, with a note when replies to other requests came instead. */
  noted(message: string): string {
    const n = this.#mismatched;
    return n === 0 ? message : `${message}; ${n} ${n === 1 ? 'reply' : 'replies'} to another request id arrived and ${n === 1 ? 'was' : 'were'} ignored`;
  }

  /** Facts for a send that failed (a local error, or an ICMP error reported on the send). */
  failureFacts(failure: UdpFailure, clock: PhaseClock): ProbeFacts<TransportReason> {
    return udpFailureFacts(failure, clock, this.exchange);
  }

  /** Release the socket; net-snmp sees its socket close and drops its timers. Safe twice. */
  close(): void {
    this.exchange.close();
    this.#socket.closed();
  }

  /** net-snmp sends: remember the id its reply will carry. */
  onNetSnmpSend(payload: Buffer): void {
    const message = readMessage(payload);
    if (message === undefined) return;
    this.#lastNetSnmpId = matchId(message);
    this.#netSnmpIds.add(this.#lastNetSnmpId);
  }

  async #run(waitMs: number | undefined): Promise<Pumped> {
    const until = waitMs === undefined ? undefined : now() + waitMs;
    try {
      for (;;) {
        const received = await this.exchange.receive((datagram) => this.#route(datagram), until === undefined ? undefined : until - now());
        if (received.end !== 'reply') return { kind: 'ended', end: received };
        const routed = received.value;
        if (routed.route === 'own') return { kind: 'report', report: routed.report };
        if (routed.route === 'mismatched') this.#mismatched += 1;
        else this.#socket.deliver(received.datagram, this.exchange.ip);
      }
    } finally {
      this.#pump = undefined;
    }
  }

  /** Where a datagram goes; undefined (ignored by the exchange) when it is not readable SNMP. */
  #route(datagram: Buffer): Routed | undefined {
    const message = readMessage(datagram);
    if (message === undefined) return undefined;
    const id = matchId(message);
    const own = this.#ownIds.has(id);
    if (!own && !this.#netSnmpIds.has(id)) {
      // A readable message that answers nothing this socket sent. A request (an echo) is no reply at all.
      return message.pdu === undefined || isReplyPdu(message.pdu.type) ? { route: 'mismatched' } : undefined;
    }
    const report = asReport(message);
    if (report !== undefined && this.#engine === undefined) {
      this.#engine = report;
      this.#clock.mark('discovery');
    }
    // The discovery is answered by a Report, nothing else (an echo of it is not an answer).
    if (own) return report === undefined ? undefined : { route: 'own', report };
    if (report !== undefined && !this.#reports.has(id)) this.#reports.set(id, report);
    return { route: 'net-snmp' };
  }
}

/**
 * The part of dgram.Socket a net-snmp Session uses (send, bind, ref, unref, close, and the
 * 'message' and 'close' events), over the channel. Address and port are the connected ones.
 */
class SessionSocket extends EventEmitter {
  readonly #channel: SnmpChannel;
  readonly #family: 'IPv4' | 'IPv6';
  /** A session refs its socket while a request is outstanding and unrefs it when none is (as for dgram). */
  #referenced = false;
  #closed = false;

  constructor(channel: SnmpChannel) {
    super();
    this.#channel = channel;
    this.#family = net.isIPv6(channel.exchange.ip) ? 'IPv6' : 'IPv4';
  }

  send(buffer: Buffer, offset: number, length: number, _port: number, _address: string, callback: (error: Error | null, bytes?: number) => void): void {
    const payload = buffer.subarray(offset, offset + length);
    this.#channel.onNetSnmpSend(payload);
    void this.#channel.exchange.send(payload).then((failure) => {
      if (failure === undefined) return callback(null, length);
      this.#channel.sendFailure ??= failure;
      callback(new Error(failure.message ?? failure.reason));
    });
  }

  deliver(datagram: Buffer, address: string): void {
    this.emit('message', datagram, { address, port: 0, family: this.#family, size: datagram.length });
  }

  /**
   * The channel is closed. With a request still outstanding (deadline, abort, ICMP error) the
   * session must hear it, as from dgram ('close', once, after the call): it then cancels the
   * request's timer, which would otherwise keep the process alive past the run. With none, there
   * is nothing to cancel.
   */
  closed(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#referenced) process.nextTick(() => this.emit('close'));
  }

  close(): void {
    this.#channel.close();
  }
  bind(): this {
    return this;
  }
  ref(): this {
    this.#referenced = true;
    return this;
  }
  unref(): this {
    this.#referenced = false;
    return this;
  }
}
