import type { Expectation, NeType, OptionalService, Role, Transport } from '../core/model.js';
import type { ProbeKind } from '../../probes/registry.js';

/** A single port or an inclusive range, e.g. 9999-10100. */
export type PortSpec = number | { readonly from: number; readonly to: number };

/**
 * Ports that are configurable in PSM or on the element; the inventory's `ports:` overrides them
 * by this name. A row without a `portKey` uses fixed, well-known ports.
 */
export const PORT_KEYS = [
  'ftp',
  'ssh',
  'monit',
  'mysql',
  'graphite',
  'dashboard',
  'jmx',
  'rest',
  'rest-notification',
  'replication',
  'netconf',
  'cli-ssh',
  'cli-telnet',
  'tl1-ssh',
  'tl1-telnet',
  'shell',
  'snmp',
  'snmp-trap',
  'ntp',
  'radius-auth',
  'radius-acct',
  'dns',
  'http',
  'syslog',
  'tacacs',
  'traceroute',
] as const;
export type PortKey = (typeof PORT_KEYS)[number];

/** One port (or range) of a row, with the probe that verifies it. */
export interface MatrixPort {
  readonly port: PortSpec;
  /** Name under which the inventory can override this port. */
  readonly portKey?: PortKey;
  /**
   * The probe that proves the service on this port, or null when nothing can be probed by
   * connecting to it (then `untestableWhy` says why, and the planner lists it as not testable).
   */
  readonly probe: ProbeKind | null;
  readonly untestableWhy?: string;
  /**
   * Probe options this port implies whatever its number (e.g. the REST WS speaks HTTPS even when
   * moved off 9998). The inventory's own probe options override them.
   */
  readonly probeOptions?: Readonly<Record<string, unknown>>;
}

/**
 * One row of the vendor's port tables (seed "PSM Networking Considerations", Tables 1-8).
 * Rows are data: only the planner reads them.
 */
export interface MatrixRow {
  /** Stable id, `t<table>-<application>[-<qualifier>]`, used in reports and overrides. */
  readonly id: string;
  readonly table: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;
  /** Application column of the seed, as written there. */
  readonly application: string;
  /** Description column of the seed, in our words. */
  readonly description: string;
  /** The side in the protocol role "client" (opens the connection / sends the first datagram). */
  readonly initiator: Role;
  /** The side in the protocol role "server" (listens). */
  readonly responder: Role;
  readonly transport: Transport;
  /** Responder ports; empty for ICMP. */
  readonly ports: readonly MatrixPort[];
  /**
   * Initiator source port when it is fixed (NTP between NEs and servers uses 123 on both sides);
   * undefined means ephemeral.
   */
  readonly initiatorPort?: number;
  /**
   * The row applies only when the responder (or initiator, see `conditionOn`) declares this
   * optional service in the inventory ("only required if the FTP server on the PSM server is used").
   */
  readonly condition?: OptionalService;
  /** Which side must declare `condition`; default 'responder'. */
  readonly conditionOn?: 'initiator' | 'responder';
  /** When a side is a network element, the NE types the row applies to; undefined means all. */
  readonly neTypes?: readonly NeType[];
  /** What the path should look like: a service (open), or only packets getting through (reachable). */
  readonly expect: Expectation;
  /** Our decision where the seed is ambiguous, kept beside the row it concerns. */
  readonly decision?: string;
}
