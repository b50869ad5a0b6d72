import type { Expectation, Role, Transport } from '../core/model.js';
import type { Host, Inventory } from '../inventory/types.js';
import { expandPorts, formatPortSpec, MATRIX } from '../matrix/index.js';
import type { MatrixRow } from '../matrix/types.js';
import { noCommonFamily, reachableAddresses } from './address-families.js';
import { hostsForRow, portSpecFor } from './row-hosts.js';

/**
 * One path of the whole deployment: a matrix row (or an inventory path) from one host to another.
 * This is what `merge` answers for, whichever vantage tested it.
 */
export interface MatrixPath {
  /** `<row>/<from>/<to>`. */
  readonly id: string;
  /** Matrix row id, or `path:<name>` for a path the inventory declares. */
  readonly row: string;
  /** Table of the row (1-8); 0 for an inventory path. */
  readonly table: number;
  readonly application: string;
  readonly from: Host;
  readonly to: Host;
  /** The role the row gives each side (an inventory path: the hosts' first roles). */
  readonly fromRole: Role;
  readonly toRole: Role;
  readonly transport: Transport;
  /** The ports on this target as the matrix writes them, its overrides applied: ["20", "21"], ["9999-10100"]. */
  readonly ports: readonly string[];
  readonly expected: Expectation;
  /**
   * Every probe that verifies the path, as `<address> <transport>/<port>` (`<address> icmp`):
   * each address of the target in a family the initiator has (./address-families.ts) times each
   * port something can probe. The planner plans the same probes from the `from` host, so a
   * report's results land on these keys.
   */
  readonly points: readonly string[];
  /** Ports that nothing can probe by connecting to them (FTP's active-mode data port), and why. */
  readonly untestable: readonly { readonly ports: string; readonly why: string }[];
}

/** The key of one probe of a path: `198.51.100.10 tcp/22`, `2001:db8::10 icmp`. */
export function pointKey(address: string, transport: Transport, port: number | null | undefined): string {
  return port === null || port === undefined ? `${address} ${transport}` : `${address} ${transport}/${port}`;
}

/**
 * Every path of the matrix for this inventory, seen from no vantage in particular: each row that
 * applies, from each of its initiating hosts to each of its responding hosts (never a host to
 * itself), then the inventory's own paths. Rows, hosts and ports are chosen exactly as the planner
 * chooses them (src/planner/plan.ts: the same row filter, the same port overrides), in matrix
 * order, then inventory order.
 */
export function matrixPaths(inventory: Inventory, matrix: readonly MatrixRow[] = MATRIX): MatrixPath[] {
  const byRole = rolesView(inventory);
  const paths: MatrixPath[] = [];
  for (const row of matrix) {
    const initiators = hostsOf(byRole, row, 'initiator');
    const responders = hostsOf(byRole, row, 'responder');
    for (const from of initiators) {
      for (const to of responders) {
        if (to !== from) paths.push(rowPath(row, from, to));
      }
    }
  }
  const byName = new Map(inventory.hosts.map((host) => [host.name, host]));
  for (const declared of inventory.paths) {
    const from = byName.get(declared.from);
    const to = byName.get(declared.to);
    if (from === undefined || to === undefined) continue; // the loader rejects unknown names
    const ports = declared.transport === 'icmp' ? [undefined] : declared.ports;
    const row = `path:${declared.name}`;
    const crossFamily = noCommonFamily(from, to);
    paths.push({
      id: `${row}/${from.name}/${to.name}`,
      row,
      table: 0,
      application: declared.description ?? declared.name,
      from,
      to,
      fromRole: from.roles[0] ?? 'psm-server',
      toRole: to.roles[0] ?? 'psm-server',
      transport: declared.transport,
      ports: declared.ports.map(String),
      expected: declared.expect,
      points: reachableAddresses(from, to).flatMap((address) => ports.map((port) => pointKey(address, declared.transport, port))),
      untestable: crossFamily === undefined ? [] : [{ ports: declared.transport === 'icmp' ? 'icmp' : declared.ports.join(','), why: crossFamily }],
    });
  }
  return paths;
}

function rowPath(row: MatrixRow, from: Host, to: Host): MatrixPath {
  const points: string[] = [];
  const ports: string[] = [];
  const untestable: { ports: string; why: string }[] = [];
  // Only the address families the initiator has, as the planner does (./address-families.ts).
  const addresses = reachableAddresses(from, to);
  const crossFamily = noCommonFamily(from, to);
  if (row.transport === 'icmp' || row.ports.length === 0) {
    for (const address of addresses) points.push(pointKey(address, row.transport, undefined));
    if (crossFamily !== undefined) untestable.push({ ports: row.transport, why: crossFamily });
  }
  for (const matrixPort of row.ports) {
    const spec = portSpecFor(matrixPort.port, matrixPort.portKey, to);
    ports.push(formatPortSpec(spec));
    if (matrixPort.probe === null || crossFamily !== undefined) {
      untestable.push({ ports: formatPortSpec(spec), why: crossFamily ?? matrixPort.untestableWhy ?? 'no probe can verify this port' });
      continue;
    }
    for (const address of addresses) {
      for (const port of expandPorts(spec)) points.push(pointKey(address, row.transport, port));
    }
  }
  return {
    id: `${row.id}/${from.name}/${to.name}`,
    row: row.id,
    table: row.table,
    application: row.application,
    from,
    to,
    fromRole: row.initiator,
    toRole: row.responder,
    transport: row.transport,
    ports,
    expected: row.expect,
    points,
    untestable,
  };
}

/** The inventory's hosts by role, each as an inventory view that hostsForRow can filter quickly. */
function rolesView(inventory: Inventory): Map<Role, Inventory> {
  const byRole = new Map<Role, Host[]>();
  for (const host of inventory.hosts) {
    for (const role of host.roles) {
      const hosts = byRole.get(role);
      if (hosts === undefined) byRole.set(role, [host]);
      else hosts.push(host);
    }
  }
  return new Map([...byRole].map(([role, hosts]) => [role, { ...inventory, hosts }]));
}

function hostsOf(byRole: Map<Role, Inventory>, row: MatrixRow, side: 'initiator' | 'responder'): Host[] {
  const ofRole = byRole.get(row[side]);
  return ofRole === undefined ? [] : hostsForRow(ofRole, row, side);
}
