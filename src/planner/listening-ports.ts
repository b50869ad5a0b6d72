import { expandPorts } from '../matrix/index.js';
import { MATRIX } from '../matrix/rows.js';
import type { MatrixPort, MatrixRow, PortSpec } from '../matrix/types.js';
import type { Role } from '../core/model.js';
import type { Host, Inventory } from '../inventory/types.js';
import { hostsForRow, portSpecFor, type RowHost } from './row-hosts.js';

/** One port a host must listen on (or keep free), with the matrix rows that ask for it. */
export interface ListeningPort {
  readonly transport: 'tcp' | 'udp';
  readonly port: number;
  /** Matrix row ids (`path:<name>` for inventory paths), in matrix order. */
  readonly rows: readonly string[];
  readonly applications: readonly string[];
  /**
   * False when nothing ever connects to the port: FTP's TCP 20 is only the server's source port
   * for active-mode data. It must still be free, but the responder does not serve it.
   */
  readonly connectable: boolean;
}

/**
 * The ports `host` must listen on by the matrix: every row where one of its roles is the
 * responder, the row's condition holds (its optional service, its NE type) and some other host of
 * the inventory opens the path; with the host's port overrides. Rows come from the same filter the
 * planner uses, so the two can never disagree. Ordered by transport, then port.
 */
export function listeningPorts(inventory: Inventory, host: Host, matrix: readonly MatrixRow[] = MATRIX): ListeningPort[] {
  const ports = new PortSet();
  for (const served of servedRowPorts(inventory.hosts, matrix, host).get(host) ?? []) {
    for (const port of expandPorts(served.spec)) {
      ports.add(served.row.transport, port, served.row.id, served.row.application, served.matrixPort.probe !== null);
    }
  }
  return ports.list();
}

/** One port entry of a matrix row that a host serves, with where it sits on that host. */
export interface ServedRowPort {
  readonly row: MatrixRow & { readonly transport: 'tcp' | 'udp' };
  readonly matrixPort: MatrixPort;
  /** The port or range on this host: the host's override for the port key, else the matrix's. */
  readonly spec: PortSpec;
}

/**
 * For each host, the matrix ports it serves, by the rule of `listeningPorts` (untestable ports such
 * as FTP's TCP 20 included: `matrixPort.probe` is null there). One pass over the matrix for all
 * hosts (the lab derives thousands of simulated elements' listeners from it); `only` keeps one
 * host's entries. Hosts that serve nothing are absent from the map.
 */
export function servedRowPorts<H extends RowHost>(
  hosts: readonly H[],
  matrix: readonly MatrixRow[] = MATRIX,
  only?: H,
): Map<H, ServedRowPort[]> {
  const served = new Map<H, ServedRowPort[]>();
  // Each row looks only at the hosts of its two roles: thousands of elements, a few dozen rows.
  const byRole = new Map<Role, { hosts: H[] }>();
  for (const host of hosts) {
    for (const role of host.roles) {
      const group = byRole.get(role);
      if (group === undefined) byRole.set(role, { hosts: [host] });
      else group.hosts.push(host);
    }
  }
  const sideOf = (row: MatrixRow, side: 'initiator' | 'responder'): H[] => {
    const group = byRole.get(row[side]);
    return group === undefined ? [] : hostsForRow(group, row, side);
  };
  for (const row of matrix) {
    if (!isPortRow(row)) continue;
    const responders = sideOf(row, 'responder').filter((h) => only === undefined || h === only);
    if (responders.length === 0) continue;
    const initiators = sideOf(row, 'initiator');
    for (const host of responders) {
      if (!initiators.some((h) => h !== host)) continue;
      let entries = served.get(host);
      if (entries === undefined) served.set(host, (entries = []));
      for (const matrixPort of row.ports) entries.push({ row, matrixPort, spec: portSpecFor(matrixPort.port, matrixPort.portKey, host) });
    }
  }
  return served;
}

const isPortRow = (row: MatrixRow): row is MatrixRow & { readonly transport: 'tcp' | 'udp' } => row.transport !== 'icmp';

/**
 * The ports `psm-netcheck respond` serves for `host`: the connectable matrix ports, plus the TCP
 * and UDP ports of inventory paths that end at the host. Paths that must stay closed are served
 * too: with a listener behind them, "closed" proves the firewall and not an empty host.
 */
export function responderPorts(inventory: Inventory, host: Host, matrix: readonly MatrixRow[] = MATRIX): ListeningPort[] {
  const ports = new PortSet();
  for (const entry of listeningPorts(inventory, host, matrix)) {
    if (!entry.connectable) continue;
    entry.rows.forEach((row, index) => ports.add(entry.transport, entry.port, row, entry.applications[index] ?? row, true));
  }
  for (const path of inventory.paths) {
    if (path.to !== host.name || path.transport === 'icmp') continue;
    for (const port of path.ports) ports.add(path.transport, port, `path:${path.name}`, path.description ?? path.name, true);
  }
  return ports.list();
}

class PortSet {
  readonly #entries = new Map<string, { transport: 'tcp' | 'udp'; port: number; rows: string[]; applications: string[]; connectable: boolean }>();

  add(transport: 'tcp' | 'udp', port: number, row: string, application: string, connectable: boolean): void {
    const key = `${transport}/${port}`;
    const entry = this.#entries.get(key) ?? { transport, port, rows: [], applications: [], connectable: false };
    if (!entry.rows.includes(row)) {
      entry.rows.push(row);
      entry.applications.push(application);
    }
    // A port that one row connects to (TCP 22 for SSH) is connectable, whatever another row says.
    entry.connectable ||= connectable;
    this.#entries.set(key, entry);
  }

  list(): ListeningPort[] {
    return [...this.#entries.values()].sort((a, b) => a.transport.localeCompare(b.transport) || a.port - b.port);
  }
}
