import type { Socket } from 'raw-socket';
import { canonicalIp, type IpFamily } from './packet.js';
import { openRawIcmpSocket } from './privilege.js';
import { IcmpErrorIndex, type IcmpLookup, type ObservedIcmpError } from './error-index.js';
import { parseIcmpError } from './quoted.js';
import { loadRawSocket } from './raw.js';

/**
 * The ICMP error observer: one raw ICMP and one raw ICMPv6 socket for a whole run, reading every
 * Destination Unreachable and Time Exceeded that reaches the host. A socket error alone cannot
 * tell a firewall from a dead host (Linux folds type 3 codes 1, 10 and 13 into EHOSTUNREACH) and
 * a UDP socket without IP_RECVERR never hears of codes 0 and 1 at all; the raw copy keeps the
 * exact type and code and the address of the router or host that sent it. Errors are indexed by
 * the quoted packet (protocol, destination, destination port) and matched by its source port too,
 * so that each probe's result gets the error its own packets caused, even when several probes of a
 * run go to the same destination port. Needs CAP_NET_RAW; without it start() says why.
 */

export type { IcmpLookup, ObservedIcmpError } from './error-index.js';

export class IcmpObserver {
  readonly #sockets: Socket[];
  readonly #errors = new IcmpErrorIndex();
  readonly #listeners = new Set<(error: ObservedIcmpError) => void>();

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
    return this.#errors.dropped;
  }

  /** See IcmpErrorIndex.lookup. */
  lookup(query: IcmpLookup): ObservedIcmpError | undefined {
    return this.#errors.lookup(query);
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
    this.#errors.add(error);
  }
}
