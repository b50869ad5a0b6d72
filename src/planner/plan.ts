import { MATRIX } from '../matrix/rows.js';
import { expandPorts, formatPorts } from '../matrix/index.js';
import type { MatrixRow } from '../matrix/types.js';
import type { HostCredentials } from '../inventory/credentials.js';
import type { Host, Inventory } from '../inventory/types.js';
import type { Role, Transport } from '../model.js';
import type { NotTestable } from '../report/types.js';
import { probeFor, type ProbeKind } from '../../probes/registry.js';
import { hostsForRow, portSpecFor } from './row-hosts.js';
import type { Plan, PlannedProbe } from './types.js';

export interface PlanOptions {
  /**
   * Hosts where PSM is not installed yet and `psm-netcheck respond` answers instead: their TCP and
   * UDP ports are probed with the responder probes (docs/responder.md). ICMP stays as it is.
   */
  readonly viaResponder?: readonly string[];
}

/**
 * The planner: matrix rows x inventory hosts, seen from the vantage host. It is the only reader
 * of the matrix. Each row where the vantage plays the initiator becomes one probe per target host
 * x address x port; every other row that applies to this deployment is listed as not testable
 * from here, with where it could be tested from. Nothing outside the inventory is ever planned.
 */
export function planChecks(
  inventory: Inventory,
  vantage: Host,
  matrix: readonly MatrixRow[] = MATRIX,
  options: PlanOptions = {},
): Plan {
  const builder = new PlanBuilder(inventory, vantage, new Set(options.viaResponder ?? []));
  for (const row of matrix) builder.addRow(row);
  for (const path of inventory.paths) builder.addInventoryPath(path);
  return builder.finish();
}

const MAX_NAMES = 20;

class PlanBuilder {
  readonly #inventory: Inventory;
  readonly #vantage: Host;
  readonly #probes = new Map<string, MutablePlanned>();
  readonly #notTestable: NotTestable[] = [];
  /** Probe options are merged and validated once per host and probe kind, not per probe. */
  readonly #optionsCache = new Map<string, unknown>();
  readonly #viaResponder: ReadonlySet<string>;

  constructor(inventory: Inventory, vantage: Host, viaResponder: ReadonlySet<string>) {
    this.#inventory = inventory;
    this.#vantage = vantage;
    this.#viaResponder = viaResponder;
  }

  addRow(row: MatrixRow): void {
    const initiators = this.#hostsFor(row, 'initiator');
    const responders = this.#hostsFor(row, 'responder');
    if (initiators.length === 0 || responders.length === 0) return; // not part of this deployment

    const vantageInitiates = initiators.includes(this.#vantage);
    const targets = responders.filter((h) => h !== this.#vantage);
    if (vantageInitiates && targets.length > 0) {
      for (const target of targets) this.#planRowTarget(row, target);
    }

    const otherInitiators = initiators.filter((h) => h !== this.#vantage);
    const inbound = responders.includes(this.#vantage) && otherInitiators.length > 0;
    if (inbound) {
      this.#listNotTestable(row, otherInitiators, {
        why: `inbound to ${this.#vantage.name}: the ${row.initiator} side opens this path; ${responderHint(row, this.#vantage.name)}`,
        to: this.#vantage.name,
      });
    } else if (!vantageInitiates) {
      const to = summarizeHosts(row.responder, responders);
      const hint = PREINSTALL_ROLES.has(row.responder) ? `; ${responderHint(row, to)}` : '';
      this.#listNotTestable(row, otherInitiators, {
        why: `between other hosts (${row.initiator} -> ${row.responder}); ${this.#vantage.name} takes no part${hint}`,
        to,
      });
    }
  }

  addInventoryPath(path: Inventory['paths'][number]): void {
    const target = this.#inventory.hosts.find((h) => h.name === path.to);
    if (target === undefined) return; // the loader rejects unknown names; nothing to plan
    const row = `path:${path.name}`;
    if (path.from !== this.#vantage.name) {
      this.#notTestable.push({
        row,
        table: 0,
        application: path.description ?? path.name,
        from: path.from,
        to: path.to,
        transport: path.transport,
        ports: path.ports.map(String),
        why: `declared from ${path.from}, not from ${this.#vantage.name}`,
        testableFrom: [path.from],
      });
      return;
    }
    const ports: (number | undefined)[] = path.transport === 'icmp' ? [undefined] : [...path.ports];
    for (const address of target.addresses) {
      for (const port of ports) {
        this.#add({
          row,
          table: 0,
          application: path.description ?? path.name,
          probe: this.#responderProbe(target, path.transport) ?? path.probe,
          target,
          targetRole: target.roles[0] ?? 'psm-server',
          address,
          transport: path.transport,
          port,
          expected: path.expect,
        });
      }
    }
  }

  finish(): Plan {
    const probes = [...this.#probes.values()].map(
      (p): PlannedProbe => ({ ...p, application: [...new Set(p.applications)].join(' / ') }),
    );
    return { vantage: this.#vantage, probes, notTestable: this.#notTestable };
  }

  #planRowTarget(row: MatrixRow, target: Host): void {
    if (row.transport === 'icmp' || row.ports.length === 0) {
      for (const address of target.addresses) {
        this.#addRowProbe(row, rowProbe(row), target, address, undefined);
      }
      return;
    }
    for (const matrixPort of row.ports) {
      const spec = portSpecFor(matrixPort.port, matrixPort.portKey, target);
      if (matrixPort.probe === null) {
        this.#notTestable.push({
          row: row.id,
          table: row.table,
          application: row.application,
          from: this.#vantage.name,
          to: target.name,
          transport: row.transport,
          ports: [formatPorts([spec])],
          why: matrixPort.untestableWhy ?? 'no probe can verify this port',
          testableFrom: [],
        });
        continue;
      }
      // The responder probes take no options: what the matrix port implies (HTTPS) is for the real service.
      const responder = this.#responderProbe(target, row.transport);
      for (const address of target.addresses) {
        for (const port of expandPorts(spec)) {
          if (responder !== undefined) this.#addRowProbe(row, responder, target, address, port);
          else this.#addRowProbe(row, matrixPort.probe, target, address, port, matrixPort.probeOptions);
        }
      }
    }
  }

  #addRowProbe(
    row: MatrixRow,
    probe: ProbeKind,
    target: Host,
    address: string,
    port: number | undefined,
    rowOptions?: Readonly<Record<string, unknown>>,
  ): void {
    this.#add({
      row: row.id,
      table: row.table,
      application: row.application,
      probe,
      target,
      targetRole: row.responder,
      address,
      transport: row.transport,
      port,
      expected: row.expect,
      ...(rowOptions === undefined ? {} : { rowOptions }),
    });
  }

  #add(p: {
    row: string;
    table: number;
    application: string;
    probe: ProbeKind;
    target: Host;
    targetRole: Role;
    address: string;
    transport: PlannedProbe['transport'];
    port: number | undefined;
    expected: PlannedProbe['expected'];
    rowOptions?: Readonly<Record<string, unknown>>;
  }): void {
    const sameCheck = `${p.target.name}/${p.address}/${p.transport}/${p.port ?? '-'}/${p.probe}`;
    // A firewall check that a port stays closed never merges into a row that wants it open.
    const first = this.#probes.get(sameCheck);
    const id = first === undefined || first.expected === p.expected ? sameCheck : `${sameCheck}/${p.expected}`;
    const existing = this.#probes.get(id);
    if (existing !== undefined) {
      // The same check serves several rows (e.g. Table 3 and Table 8 both ask for NETCONF 2022).
      if (!existing.rows.includes(p.row)) existing.rows.push(p.row);
      if (p.table > 0 && !existing.tables.includes(p.table)) existing.tables.push(p.table);
      existing.applications.push(p.application);
      return;
    }
    this.#probes.set(id, {
      id,
      rows: [p.row],
      // Inventory paths belong to no seed table.
      tables: p.table > 0 ? [p.table] : [],
      applications: [p.application],
      probe: p.probe,
      target: p.target.name,
      targetRole: p.targetRole,
      ...(p.target.neType === undefined ? {} : { neType: p.target.neType }),
      address: p.address,
      transport: p.transport,
      port: p.port,
      expected: p.expected,
      options: this.#optionsFor(p.target, p.probe, p.rowOptions),
      credentials: this.#credentialsFor(p.target, p.probe),
    });
  }

  /** The responder probe for a host that runs `psm-netcheck respond`; undefined otherwise. */
  #responderProbe(target: Host, transport: Transport): ProbeKind | undefined {
    if (!this.#viaResponder.has(target.name)) return undefined;
    return transport === 'tcp' ? 'responder-tcp' : transport === 'udp' ? 'responder-udp' : undefined;
  }

  /** A responder probe presents this vantage's name and the shared token, and nothing else. */
  #credentialsFor(target: Host, probe: ProbeKind): HostCredentials {
    if (probe !== 'responder-tcp' && probe !== 'responder-udp') return target.credentials;
    const token = this.#inventory.responder?.token;
    return token === undefined ? {} : { responder: { name: this.#vantage.name, token } };
  }

  /** Probe defaults, then what the matrix port implies, then the inventory's global and per-host options. */
  #optionsFor(host: Host, kind: ProbeKind, rowOptions?: Readonly<Record<string, unknown>>): unknown {
    const key = `${host.name}\u0000${kind}\u0000${rowOptions === undefined ? '' : JSON.stringify(rowOptions)}`;
    if (!this.#optionsCache.has(key)) {
      const merged = { ...rowOptions, ...(this.#inventory.probeOptions[kind] ?? {}), ...(host.probeOptions[kind] ?? {}) };
      this.#optionsCache.set(key, probeFor(kind).optionsSchema.parse(merged));
    }
    return this.#optionsCache.get(key);
  }

  #hostsFor(row: MatrixRow, side: 'initiator' | 'responder'): Host[] {
    return hostsForRow(this.#inventory, row, side);
  }

  #listNotTestable(row: MatrixRow, from: readonly Host[], where: { why: string; to: string }): void {
    this.#notTestable.push({
      row: row.id,
      table: row.table,
      application: row.application,
      from: summarizeHosts(row.initiator, from),
      to: where.to,
      transport: row.transport,
      ports: row.ports.length === 0 ? [] : [formatPorts(row.ports.map((p) => p.port))],
      why: where.why,
      testableFrom: namesOf(from),
    });
  }
}

interface MutablePlanned extends Omit<PlannedProbe, 'rows' | 'tables' | 'application'> {
  rows: string[];
  tables: number[];
  applications: string[];
}

function rowProbe(row: MatrixRow): ProbeKind {
  return row.ports[0]?.probe ?? 'icmp';
}

/** Roles of the hosts that `psm-netcheck respond` stands in for before PSM is installed. */
const PREINSTALL_ROLES: ReadonlySet<Role> = new Set(['psm-server', 'psm-client']);

/** How to verify an inbound path before its service exists (docs/responder.md). */
function responderHint(row: MatrixRow, to: string): string {
  if (row.transport === 'icmp') return 'probe it from the other side';
  const respond = `run \`psm-netcheck respond\` on ${to}, then \`psm-netcheck check --via-responder ${to}\``;
  if (row.initiator === 'network-element') {
    return (
      `to verify it: ${respond} from a Linux host in the network elements' network, declared in the inventory ` +
      'as a network-element of the same neType (an NE cannot run psm-netcheck)'
    );
  }
  return `to verify it: ${respond} from the ${row.initiator} side`;
}

function namesOf(hosts: readonly Host[]): string[] {
  const names = hosts.slice(0, MAX_NAMES).map((h) => h.name);
  if (hosts.length > MAX_NAMES) names.push(`... and ${hosts.length - MAX_NAMES} more`);
  return names;
}

function summarizeHosts(role: Role, hosts: readonly Host[]): string {
  return hosts.length === 1 && hosts[0] !== undefined ? hosts[0].name : `${role} (${hosts.length} hosts)`;
}
