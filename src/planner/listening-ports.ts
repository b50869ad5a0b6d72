import { expandPorts } from '../matrix/index.js';
import { MATRIX } from '../matrix/rows.js';
import type { MatrixRow } from '../matrix/types.js';
import type { Host, Inventory } from '../inventory/types.js';
import { hostsForRow, portSpecFor } from './row-hosts.js';

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
  for (const row of matrix) {
    if (row.transport === 'icmp') continue;
    if (!hostsForRow(inventory, row, 'responder').includes(host)) continue;
    if (!hostsForRow(inventory, row, 'initiator').some((h) => h !== host)) continue;
    for (const matrixPort of row.ports) {
      for (const port of expandPorts(portSpecFor(matrixPort.port, matrixPort.portKey, host))) {
        ports.add(row.transport, port, row.id, row.application, matrixPort.probe !== null);
      }
    }
  }
  return ports.list();
}

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
