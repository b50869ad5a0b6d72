import type { Socket } from 'raw-socket';
import { canonicalIp, type IpFamily } from './packet.js';
import { openRawIcmpSocket } from './privilege.js';
import { parseIcmpError, type IcmpError, type QuotedProtocol } from './quoted.js';
import { loadRawSocket } from './raw.js';

/**
 * The ICMP error observer: one raw ICMP and one raw ICMPv6 socket for a whole run, reading every
 * Destination Unreachable and Time Exceeded that reaches the host. A socket error alone cannot
 * tell a firewall from a dead host (Linux folds type 3 codes 1, 10 and 13 into EHOSTUNREACH) and
 * a UDP socket without IP_RECVERR never hears of codes 0 and 1 at all; the raw copy keeps the
 * exact type and code and the address of the router or host that sent it. Errors are indexed by
 * the quoted packet (protocol, destination, destination port), so that each probe's result can be
 * matched to the error its own packets caused. Needs CAP_NET_RAW; without it start() says why.
 */

export interface ObservedIcmpError extends IcmpError {
  /** Canonical address of the sender of the ICMP error. */
  readonly from: string;
  /** Wall-clock milliseconds (Date.now()) at arrival. */
  readonly at: number;
}

export interface IcmpLookup {
  readonly protocol: QuotedProtocol;
  readonly destination: string;
  readonly destinationPort?: number;
  /** The window of the probe's attempts, wall-clock milliseconds. */
  readonly from: number;
  readonly to: number;
}

/** Bound on the errors kept per run: a flood of ICMP costs memory no more than this. */
const MAX_KEPT = 20_000;

export class IcmpObserver {
  readonly #sockets: Socket[];
  readonly #byFlow = new Map<string, ObservedIcmpError[]>();
  readonly #listeners = new Set<(error: ObservedIcmpError) => void>();
  #kept = 0;
  #dropped = 0;

  private constructor(sockets: Socket[]) {
    this.#sockets = sockets;
    for (const [index, socket] of sockets.entries()) {
      const family: IpFamily = index === 0 ? 4 : 6;
      socket.on('message', (datagram, source) => this.#receive(family, datagram, source));
      // A readable event that finds the queue empty is reported as an error by raw-socket: not a failure.
      socket.on('error', () => undefined);
    }
  }

  /** Opens both sockets; without CAP_NET_RAW (or without the raw-socket addon) resolves why not. */
  static async start(): Promise<{ readonly ok: true; readonly observer: IcmpObserver } | { readonly ok: false; readonly why: string }> {
    const raw = await loadRawSocket();
    if (!raw.ok) return { ok: false, why: raw.message };
    const sockets: Socket[] = [];
    try {
      for (const family of [4, 6] as const) sockets.push(openRawIcmpSocket(raw.module, family));
    } catch (error) {
      for (const socket of sockets) socket.close();
      const text = error instanceof Error ? error.message : String(error);
      return { ok: false, why: `no raw ICMP socket: ${text} (needs root or CAP_NET_RAW)` };
    }
    return { ok: true, observer: new IcmpObserver(sockets) };
  }

  /** Errors seen but not kept because MAX_KEPT was reached. */
  get dropped(): number {
    return this.#dropped;
  }

  /** The last error inside the window that quotes a packet of this flow. */
  lookup(query: IcmpLookup): ObservedIcmpError | undefined {
    const list = this.#byFlow.get(flowKey(query.protocol, canonicalIp(query.destination), query.destinationPort));
    if (list === undefined) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const error = list[i];
      if (error !== undefined && error.at >= query.from && error.at <= query.to) return error;
    }
    return undefined;
  }

  /** Every error as it arrives (the locate probes listen for their Time Exceeded); returns the unsubscribe. */
  subscribe(listener: (error: ObservedIcmpError) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    for (const socket of this.#sockets) socket.close();
    this.#listeners.clear();
  }

  #receive(family: IpFamily, datagram: Buffer, source: string): void {
    const parsed = parseIcmpError(family, datagram);
    if (parsed === undefined) return;
    const error: ObservedIcmpError = { ...parsed, from: canonicalIp(source), at: Date.now() };
    for (const listener of this.#listeners) listener(error);
    if (this.#kept >= MAX_KEPT) {
      this.#dropped += 1;
      return;
    }
    this.#kept += 1;
    const key = flowKey(parsed.quoted.protocol, parsed.quoted.destination, parsed.quoted.destinationPort);
    const list = this.#byFlow.get(key);
    if (list === undefined) this.#byFlow.set(key, [error]);
    else list.push(error);
  }
}

function flowKey(protocol: QuotedProtocol, destination: string, port: number | undefined): string {
  return `${protocol}|${destination}|${port ?? ''}`;
}
