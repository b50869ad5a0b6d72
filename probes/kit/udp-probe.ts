import { PhaseClock } from '../../src/core/clock.js';
import type { Outcome, ProbeContext, ProbeFacts, ProbeTarget } from '../../src/core/probe.js';
import type { TransportReason } from '../../src/core/transport-reasons.js';
import { portOf, UdpExchange, udpFailureFacts, withoutReply, type Accept, type Accepted, type Received, type Silence } from './udp-exchange.js';

/**
 * One UDP exchange of a probe, on its connected socket, with the phase clock: what a probe file
 * needs to state its protocol and nothing else.
 */
export class UdpConversation {
  readonly exchange: UdpExchange;
  readonly clock: PhaseClock;

  constructor(exchange: UdpExchange, clock: PhaseClock) {
    this.exchange = exchange;
    this.clock = clock;
  }

  /** The address the socket is connected to (differs from the target's when that was a name). */
  get ip(): string {
    return this.exchange.ip;
  }

  get bytesRead(): number {
    return this.exchange.bytesRead;
  }

  /**
   * Send one datagram and wait for a reply that `accept` takes, until the deadline or `waitMs`.
   * A local send error (an OUTPUT firewall, a pending ICMP error) ends it like an ICMP error.
   */
  async ask<T>(payload: Buffer, accept: Accept<T>, waitMs?: number): Promise<Received<Accepted<T>>> {
    const failure = await this.exchange.send(payload);
    if (failure !== undefined) return { end: 'error', failure };
    return this.exchange.receive(accept, waitMs);
  }

  /** Wait (again) for a reply to any request already sent. */
  receive<T>(accept: Accept<T>, waitMs?: number): Promise<Received<Accepted<T>>> {
    return this.exchange.receive(accept, waitMs);
  }

  /** The outcome of a wait that ended without a reply: ICMP error, limit, interruption or silence. */
  withoutReply<Reason extends string = 'no-reply'>(
    end: Exclude<Received<unknown>, { end: 'reply' }>,
    silence: Silence<Reason>,
  ): Outcome<TransportReason | Reason> {
    return withoutReply(end, this.exchange, silence);
  }
}

export interface UdpProbeOptions {
  /** The port when the target has none. */
  readonly port: number;
}

/** What a UDP conversation ends with: an outcome, and the bytes read when more than the socket's (a TCP retry). */
export type UdpOutcome<Reason extends string> = Outcome<Reason> & { readonly bytesRead?: number };

/**
 * Run a UDP probe: start the clock, resolve and open a connected socket (a failure becomes the
 * transport facts), hand the conversation to `converse`, which states only the protocol, then
 * close the socket and fill timings and bytesRead.
 */
export async function udpProbe<Reason extends string>(
  target: ProbeTarget,
  ctx: Pick<ProbeContext<unknown>, 'signal' | 'maxBytes'>,
  options: UdpProbeOptions,
  converse: (udp: UdpConversation) => Promise<UdpOutcome<NoInfer<Reason | TransportReason>>>,
): Promise<ProbeFacts<Reason | TransportReason>> {
  const clock = new PhaseClock();
  const opened = await UdpExchange.open(target.address, target.port ?? options.port, ctx, clock);
  if (!opened.ok) return udpFailureFacts(opened, clock);
  const { exchange } = opened;
  try {
    const outcome = await converse(new UdpConversation(exchange, clock));
    return { ...outcome, timings: clock.done(), bytesRead: outcome.bytesRead ?? exchange.bytesRead, ...portOf(exchange) };
  } finally {
    exchange.close();
  }
}
