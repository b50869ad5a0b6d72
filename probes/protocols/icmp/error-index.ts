import { canonicalIp } from './packet.js';
import type { IcmpError, QuotedProtocol } from './quoted.js';

/**
 * The ICMP errors of a run, indexed by the flow their quoted packet belongs to (protocol,
 * destination, destination port), for the ICMP error observer (./observer.ts). Pure: no sockets.
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
  /**
   * TCP and UDP: the probe's source ports (one per attempt). When given, only an error quoting
   * one of them matches; absent, any error of the flow in the window does (the port was unknown).
   */
  readonly sourcePorts?: readonly number[];
  /** The window of the probe's attempts, wall-clock milliseconds. */
  readonly from: number;
  readonly to: number;
}

/** Bound on the errors kept per run: a flood of ICMP costs memory no more than this. */
const MAX_KEPT = 20_000;

export class IcmpErrorIndex {
  readonly #byFlow = new Map<string, ObservedIcmpError[]>();
  #kept = 0;
  #dropped = 0;

  /** Errors seen but not kept because MAX_KEPT was reached. */
  get dropped(): number {
    return this.#dropped;
  }

  add(error: ObservedIcmpError): void {
    if (this.#kept >= MAX_KEPT) {
      this.#dropped += 1;
      return;
    }
    this.#kept += 1;
    const { quoted } = error;
    const key = flowKey(quoted.protocol, quoted.destination, quoted.destinationPort);
    const list = this.#byFlow.get(key);
    if (list === undefined) this.#byFlow.set(key, [error]);
    else list.push(error);
  }

  /**
   * The last error inside the window that quotes a packet of this flow, sent from one of
   * `sourcePorts` when they are given: two probes to one destination port (two probe kinds, hosts
   * sharing an address) differ only there, and each must get its own error or none.
   */
  lookup(query: IcmpLookup): ObservedIcmpError | undefined {
    const list = this.#byFlow.get(flowKey(query.protocol, canonicalIp(query.destination), query.destinationPort));
    if (list === undefined) return undefined;
    const ports = query.sourcePorts;
    for (let i = list.length - 1; i >= 0; i--) {
      const error = list[i];
      if (error === undefined || error.at < query.from || error.at > query.to) continue;
      if (ports === undefined || (error.quoted.sourcePort !== undefined && ports.includes(error.quoted.sourcePort))) return error;
    }
    return undefined;
  }
}

function flowKey(protocol: QuotedProtocol, destination: string, port: number | undefined): string {
  return `${protocol}|${destination}|${port ?? ''}`;
}
