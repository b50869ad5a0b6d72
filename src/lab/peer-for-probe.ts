import type { Expectation } from '../core/model.js';
import type { PortKey } from '../matrix/types.js';
import type { ProbeKind } from '../../probes/registry.js';
import { LAB_ZONE, type LabDevice } from './devices.js';
import type { PeerSpec } from './peer-spec.js';

/** One port of a device as the matrix asks for it: what a peer choice reads. */
export interface PortDemand {
  readonly device: LabDevice;
  readonly transport: 'tcp' | 'udp';
  readonly port: number;
  /** The port key the port sits under (the inventory moves it), when it has one. */
  readonly portKey: PortKey | undefined;
  /** Every probe kind that a row (or an inventory path) sends to this port. */
  readonly probes: ReadonlySet<ProbeKind>;
  /** What those rows expect, and the probe options their ports imply (HTTPS on the REST port). */
  readonly expects: ReadonlySet<Expectation>;
  readonly probeOptions: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

/** A peer that answers the probe, or `nothing-listens` when the probe's proof is a refusal. */
export type PeerChoice = (demand: PortDemand) => PeerSpec | 'nothing-listens';

/**
 * The lab's peer for every probe kind: a port is served by the peer that speaks the probe its
 * rows name. `satisfies Record<ProbeKind, ...>`: a new probe kind without a lab peer does not
 * compile. Several probe kinds on one port must choose the same peer (plan.ts checks it): SSH and
 * NETCONF do, since NETCONF runs as an SSH subsystem (RFC 6242).
 */
export const PEER_FOR_PROBE = {
  // A plain handshake is the whole proof: the peer accepts and says nothing (like JMX/RMI, which
  // waits for the client to speak first).
  tcp: () => ({ kind: 'silent-tcp' }),
  // The address itself answers echo requests: loopback needs no listener.
  icmp: () => 'nothing-listens',
  ssh: sshPeer,
  netconf: sshPeer,
  snmp: (demand) => ({ kind: 'snmp-agent', options: { ...demand.device.persona.snmp } }),
  radius: (demand) => ({ kind: 'radius', role: demand.portKey === 'radius-acct' ? 'acct' : 'auth' }),
  ntp: (demand) => ({ kind: 'ntp', options: { ...demand.device.persona.ntp } }),
  dns: () => ({ kind: 'dns' }),
  http: (demand) => ({
    kind: 'http',
    options: {
      serverHeader: (demand.portKey && demand.device.persona.http?.[demand.portKey]) ?? 'lab-httpd',
      tls: demand.probeOptions.some((options) => options.scheme === 'https'),
      hostName: `${demand.device.name}.${LAB_ZONE}`,
    },
  }),
  ftp: () => ({ kind: 'ftp', options: {} }),
  mysql: () => ({ kind: 'mysql', options: {} }),
  telnet: (demand) => ({ kind: 'telnet', options: { mode: 'cli', ...sid(demand) } }),
  tl1: (demand) => ({ kind: 'telnet', options: { mode: 'tl1', ...sid(demand) } }),
  'snmp-inform': (demand) => ({ kind: 'noc-receiver', community: demand.device.persona.trapCommunity ?? 'snmp-community' }),
  // Traceroute's ports expect ICMP port unreachable, which only a port where nothing listens
  // gives; a UDP port that must be open (syslog) answers, since silence cannot prove it.
  udp: (demand) => ([...demand.expects].every((expect) => expect === 'reachable') ? 'nothing-listens' : { kind: 'echo-udp' }),
  'responder-tcp': notALabProbe,
  'responder-udp': notALabProbe,
} as const satisfies Record<ProbeKind, PeerChoice>;

/** SSH, with the NETCONF subsystem where a row probes NETCONF or the device offers it there too. */
function sshPeer(demand: PortDemand): PeerSpec {
  const persona = demand.device.persona;
  const software = (demand.portKey && persona.ssh?.[demand.portKey]) ?? persona.ssh?.default;
  const netconfHere =
    demand.probes.has('netconf') || (demand.portKey !== undefined && (persona.netconf?.alsoOn ?? []).includes(demand.portKey));
  return {
    kind: 'ssh',
    options: {
      ...(software === undefined ? {} : { softwareVersion: software }),
      ...(netconfHere ? { netconf: persona.netconf ? { capabilities: [...persona.netconf.capabilities] } : true } : {}),
    },
  };
}

function sid(demand: PortDemand): { sid?: string } {
  return demand.device.persona.sid === undefined ? {} : { sid: demand.device.persona.sid };
}

/** The responder probes are answered by `psm-netcheck respond`, never by a lab peer; no row names them. */
function notALabProbe(demand: PortDemand): never {
  throw new Error(
    `lab: ${demand.device.name} ${demand.transport}/${demand.port}: responder probes are answered by psm-netcheck respond, not by the lab`,
  );
}
