import { expandPorts, MATRIX } from '../matrix/index.js';
import type { MatrixRow, PortKey } from '../matrix/types.js';
import type { Expectation, NeType, OptionalService, Role } from '../core/model.js';
import { servedRowPorts, type ServedRowPort } from '../planner/listening-ports.js';
import { portSpecFor } from '../planner/row-hosts.js';
import type { ProbeKind } from '../../probes/registry.js';
import { isCompact, labDevices, type LabDevice, type LabDeviceOptions } from './devices.js';
import { FAULT_EFFECTS, type LabFault } from './faults.js';
import { PEER_FOR_PROBE, type PortDemand } from './peer-for-probe.js';
import type { PeerSpec } from './peer-spec.js';
import { portMapping, type PortMapping } from './ports.js';
import type { LabTransport } from './types.js';

/**
 * The lab's network as data: which simulated hosts exist, at which loopback address, with which
 * listeners and which faults. The devices and faults are devices.ts's; the ports each one listens
 * on come from the vendor's port tables (src/matrix) through the planner's own row filter
 * (`servedRowPorts`, the rule `psm-netcheck preflight` and `respond` use), each served by the peer
 * that speaks its probe (peer-for-probe.ts). Nothing here opens a socket: topology.ts starts what
 * this describes, and inventory.ts writes the matching inventory.
 */

export { LAB_RADIUS_PROBE_USER, LAB_SNMP_USER, LAB_SSH_USER, LAB_ZONE, type LabSecrets } from './devices.js';
export type { LabFault, LabFaultKind, LabPort } from './faults.js';
export type { PeerSpec } from './peer-spec.js';

export interface ListenerPlan {
  readonly port: number;
  readonly transport: LabTransport;
  /** The matrix port key this port answers for; unkeyed ports sit on the vendor's own number. */
  readonly portKey?: PortKey;
  readonly spec: PeerSpec;
}

export interface HostPlan {
  readonly name: string;
  readonly roles: readonly Role[];
  readonly neType?: NeType;
  readonly address: string;
  readonly services: readonly OptionalService[];
  /** Credential sets named in the inventory, beyond the role defaults. */
  readonly credentials: readonly string[];
  /** The inventory's `ports:` overrides: every keyed port of the host, closed ones included. */
  readonly ports: Readonly<Partial<Record<PortKey, number | readonly [number, number]>>>;
  readonly listeners: readonly ListenerPlan[];
  /** Hosts with the same group share one SSH host key. */
  readonly hostKeyGroup: string;
  /** Pin the SSH host key in the inventory: `own` the real one, `other` a different one (fault). */
  readonly pinHostKey?: 'own' | 'other';
  /** Per-host probe options for the inventory (`probes:` of the host), by probe kind. */
  readonly probeOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly faults: readonly LabFault[];
}

export interface LabPlanOptions extends LabDeviceOptions {
  /** Bind the vendor's ports as they are (root only). @default false: keyed ports + 20000 */
  readonly realPorts?: boolean;
  /** The port tables the listeners come from. @default MATRIX (the vendor's Tables 1-8) */
  readonly matrix?: readonly MatrixRow[];
}

export interface LabPlan {
  /** The first two octets of every address: the lab's 127.N.0.0/16 block. */
  readonly base: string;
  readonly hosts: readonly HostPlan[];
  readonly faults: readonly LabFault[];
  /** The host the checker runs on: `--from <vantage>`. */
  readonly vantage: string;
  /** Share host keys and SNMP agents between NEs (many elements): fewer objects, same sockets. */
  readonly compact: boolean;
  /** Extra inventory paths (firewall checks expected closed). */
  readonly paths: readonly PathPlan[];
}

export interface PathPlan {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly transport: 'tcp' | 'udp';
  readonly ports: readonly number[];
  readonly expect: 'open' | 'closed';
  readonly description: string;
  /** The inventory's default (tcp/udp) when absent. */
  readonly probe?: 'mysql';
}

type PortOverrides = Partial<Record<PortKey, number | readonly [number, number]>>;

const VANTAGE = 'psm-server-1';

export function planLab(options: LabPlanOptions = {}): LabPlan {
  const base = options.base ?? '127.77';
  const mapping = portMapping(options.realPorts ?? false);
  const devices = labDevices(options);
  // The planner's row filter reads roles, NE type, services and port overrides; the lab's
  // overrides follow from the rows, so the filter runs on the devices as they are.
  const rowHosts = devices.map((device) => ({ device, roles: device.roles, services: device.services, ports: {}, ...(device.neType ? { neType: device.neType } : {}) }));
  const served = servedRowPorts(rowHosts, options.matrix ?? MATRIX);
  const rowsOf = (index: number): readonly ServedRowPort[] => served.get(rowHosts[index] as (typeof rowHosts)[number]) ?? [];
  const overrides = devices.map((_, index) => overridesFor(rowsOf(index), mapping));
  const paths = labPaths(devices, overrides, mapping);

  const hosts = devices.map((device, index) =>
    planHost(device, rowsOf(index), overrides[index] ?? {}, paths.filter((path) => path.to === device.name)),
  );
  return {
    base,
    hosts,
    faults: hosts.flatMap((host) => host.faults),
    vantage: VANTAGE,
    compact: isCompact(options),
    paths,
  };
}

/** Every port key the device's rows use, moved (and a long range shortened) for the lab. */
function overridesFor(rows: readonly ServedRowPort[], mapping: PortMapping): PortOverrides {
  const ports: PortOverrides = {};
  for (const { matrixPort } of rows) {
    if (matrixPort.portKey !== undefined && ports[matrixPort.portKey] === undefined) {
      ports[matrixPort.portKey] = mapping.override(matrixPort.port);
    }
  }
  return ports;
}

/** A device's listeners: one per port its rows (and the inventory paths to it) probe. */
function planHost(device: LabDevice, rows: readonly ServedRowPort[], ports: PortOverrides, paths: readonly PathPlan[]): HostPlan {
  const demands = new Map<string, MutableDemand>();
  const demand = (transport: LabTransport, port: number, portKey: PortKey | undefined): MutableDemand => {
    const key = `${transport}/${port}`;
    let entry = demands.get(key);
    if (entry === undefined) {
      entry = { device, transport, port, portKey, probes: new Set(), expects: new Set(), probeOptions: [] };
      demands.set(key, entry);
    }
    return entry;
  };
  for (const { row, matrixPort } of rows) {
    // Nothing ever connects to an untestable port (FTP's TCP 20 is only a source port).
    if (matrixPort.probe === null) continue;
    for (const port of expandPorts(portSpecFor(matrixPort.port, matrixPort.portKey, { ports }))) {
      const entry = demand(row.transport, port, matrixPort.portKey);
      entry.probes.add(matrixPort.probe);
      entry.expects.add(row.expect);
      if (matrixPort.probeOptions) entry.probeOptions.push(matrixPort.probeOptions);
    }
  }
  for (const path of paths) {
    if (path.expect !== 'open') continue;
    for (const port of path.ports) {
      const entry = demand(path.transport, port, undefined);
      entry.probes.add(path.probe ?? path.transport);
      entry.expects.add('open');
    }
  }

  const listeners: ListenerPlan[] = [];
  const shown = new Map<LabDevice['faults'][number], ShownPort[]>(device.faults.map((fault) => [fault, []]));
  for (const entry of demands.values()) {
    const chosen = peerFor(entry);
    let spec = chosen;
    for (const fault of device.faults) {
      const effect = FAULT_EFFECTS[fault.kind];
      const here = effect.on === 'port-key' ? fault.portKey === entry.portKey : typeof chosen !== 'string' && chosen.kind === effect.on;
      if (!here) continue;
      spec = effect.apply(spec);
      shown.get(fault)?.push({ transport: entry.transport, port: entry.port, portKey: entry.portKey });
    }
    if (spec !== 'nothing-listens') {
      listeners.push({ port: entry.port, transport: entry.transport, spec, ...(entry.portKey ? { portKey: entry.portKey } : {}) });
    }
  }
  for (const path of paths) {
    if (path.expect !== 'closed') continue;
    const open = listeners.find((listener) => listener.transport === path.transport && path.ports.includes(listener.port));
    if (open) throw new Error(`lab: path ${path.name} expects ${device.name} ${open.transport}/${open.port} closed, but a row serves it`);
  }

  const faults: LabFault[] = device.faults.map((fault) => {
    const where = shown.get(fault) ?? [];
    const first = where[0];
    if (first === undefined) throw new Error(`lab: the ${fault.kind} fault of ${device.name} applies to none of its ports`);
    const portKey = fault.portKey ?? first.portKey;
    return {
      host: device.name,
      kind: fault.kind,
      ports: where.map(({ transport, port }) => ({ transport, port })),
      verdict: FAULT_EFFECTS[fault.kind].verdict,
      port: first.port,
      ...(portKey ? { portKey } : {}),
      description: fault.description,
    };
  });
  const pinsOther = device.faults.some((fault) => 'pinsOtherHostKey' in FAULT_EFFECTS[fault.kind]);
  const pin = pinsOther ? 'other' : device.pinHostKey ? 'own' : undefined;

  return {
    name: device.name,
    roles: device.roles,
    ...(device.neType ? { neType: device.neType } : {}),
    address: device.address,
    services: device.services,
    credentials: device.credentials,
    ports,
    listeners,
    hostKeyGroup: device.hostKeyGroup,
    ...(pin ? { pinHostKey: pin } : {}),
    ...(device.probeOptions ? { probeOptions: device.probeOptions } : {}),
    faults,
  };
}

interface MutableDemand extends PortDemand {
  readonly probes: Set<ProbeKind>;
  readonly expects: Set<Expectation>;
  readonly probeOptions: Array<Readonly<Record<string, unknown>>>;
}

type ShownPort = { transport: LabTransport; port: number; portKey: PortKey | undefined };

/** The one peer every probe kind on the port chooses; two that disagree are a lab design error. */
function peerFor(demand: PortDemand): PeerSpec | 'nothing-listens' {
  const choices = [...demand.probes].map((probe) => ({ probe, spec: PEER_FOR_PROBE[probe](demand) }));
  const first = choices[0];
  if (first === undefined) return 'nothing-listens';
  if (choices.length === 1) return first.spec;
  const text = JSON.stringify(first.spec);
  const other = choices.find((choice) => JSON.stringify(choice.spec) !== text);
  if (other) {
    throw new Error(
      `lab: ${demand.device.name} ${demand.transport}/${demand.port}: the ${first.probe} and ${other.probe} probes need different peers`,
    );
  }
  return first.spec;
}

/**
 * The inventory's own paths: a firewall check that the first healthy Juniper keeps telnet closed,
 * and a support path to the replication peer's MySQL (Table 1 has MySQL only from clients: this
 * lets the demo show the mysql probe too).
 */
function labPaths(devices: readonly LabDevice[], overrides: readonly PortOverrides[], mapping: PortMapping): PathPlan[] {
  const paths: PathPlan[] = [];
  const juniper = devices.find((device) => device.neType === 'juniper-mx' && device.faults.length === 0);
  if (juniper) {
    paths.push({
      name: 'no-telnet-to-juniper',
      from: VANTAGE,
      to: juniper.name,
      transport: 'tcp',
      ports: [mapping.port(23)],
      expect: 'closed',
      description: 'Juniper MX routers are managed over SSH only: telnet must stay closed.',
    });
  }
  const second = devices.findIndex((device) => device.name === 'psm-server-2');
  const mysql = overrides[second]?.mysql;
  if (second >= 0 && typeof mysql === 'number') {
    paths.push({
      name: 'mysql-support',
      from: VANTAGE,
      to: 'psm-server-2',
      transport: 'tcp',
      ports: [mysql],
      expect: 'open',
      probe: 'mysql',
      description: 'Support access to the replication peer\'s MySQL.',
    });
  }
  return paths;
}
