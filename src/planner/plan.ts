import { MATRIX } from '../matrix/rows.js';
import { expandPorts, formatPorts } from '../matrix/index.js';
import type { MatrixRow } from '../matrix/types.js';
import type { HostCredentials } from '../core/credentials.js';
import type { Host, Inventory } from '../inventory/types.js';
import type { Role, Transport } from '../core/model.js';
import type { NotTestable } from '../report/types.js';
import { probeFor, type ProbeKind } from '../../probes/registry.js';
import { noCommonFamily, reachableAddresses } from './address-families.js';
import { hostsForRow, portSpecFor } from './row-hosts.js';
import type { Plan, PlannedProbe } from './types.js';

export interface PlanOptions {
  /**
   * Hosts where PSM is not installed yet and `psm-netcheck respond` answers instead: their TCP and
   * UDP ports are probed with the responder probes (docs/responder.md). ICMP stays as it is.
   */
  readonly viaResponder?: readonly string[];
  /**
   * Plan only probes of these kinds (`check --only`); the paths not testable from here are listed
   * all the same. Filtering here rather than after spares building the probes that would be
   * dropped (a third of a 5,000-element sweep's plan with `--only tcp`).
   */
  readonly only?: readonly ProbeKind[];
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
  const builder = new PlanBuilder(inventory, vantage, new Set(options.viaResponder ?? []), options.only === undefined ? undefined : new Set(options.only));
  for (const row of matrix) builder.addRow(row);
  for (const path of inventory.paths) builder.addInventoryPath(path);
  return builder.finish();
}

const MAX_NAMES = 20;

class PlanBuilder {
  readonly #inventory: Inventory;
  readonly #vantage: Host;
  readonly #probes = new Map<string, MutablePlanned>();
  /** Applications of the probes that serve several rows, in order; the others have one. */
  readonly #mergedApplications = new Map<MutablePlanned, string[]>();
  readonly #notTestable: NotTestable[] = [];
  /**
   * Probe options are merged and validated once per host, probe kind and matrix port options
   * (the matrix's own objects, compared by identity), not per probe.
   */
  readonly #optionsCache = new Map<Host, Map<ProbeKind, Map<object | undefined, unknown>>>();
  readonly #viaResponder: ReadonlySet<string>;
  /** The probe kinds to plan; undefined: all. */
  readonly #only: ReadonlySet<ProbeKind> | undefined;
  /** Every host by name, and by role: a large inventory is thousands of elements. */
  readonly #byName: ReadonlyMap<string, Host>;
  readonly #byRole = new Map<Role, Inventory>();
  /** Single-row probes share their `rows` and `tables` arrays. */
  readonly #rowLists = new Map<string, readonly string[]>();
  readonly #tableLists = new Map<number, readonly number[]>();

  constructor(inventory: Inventory, vantage: Host, viaResponder: ReadonlySet<string>, only: ReadonlySet<ProbeKind> | undefined) {
    this.#inventory = inventory;
    this.#vantage = vantage;
    this.#viaResponder = viaResponder;
    this.#only = only;
    this.#byName = new Map(inventory.hosts.map((h) => [h.name, h]));
    const byRole = new Map<Role, Host[]>();
    for (const host of inventory.hosts) {
      for (const role of host.roles) {
        const hosts = byRole.get(role);
        if (hosts === undefined) byRole.set(role, [host]);
        else hosts.push(host);
      }
    }
    // hostsForRow reads only `hosts`: each role gets a view of the inventory with its own hosts.
    for (const [role, hosts] of byRole) this.#byRole.set(role, { ...inventory, hosts });
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
        why: `inbound to ${this.#vantage.name}: the ${row.initiator} side opens this path`,
        verify: verifyFromInitiator(row, this.#vantage.name, otherInitiators),
        to: this.#vantage.name,
      });
    } else if (!vantageInitiates && hasPairOfTwoHosts(otherInitiators, responders)) {
      const to = summarizeHosts(row.responder, responders);
      this.#listNotTestable(row, otherInitiators, {
        why: `between other hosts: ${this.#vantage.name} takes no part`,
        verify: verifyFromInitiator(row, PREINSTALL_ROLES.has(row.responder) ? to : undefined, otherInitiators),
        to,
      });
    }
  }

  addInventoryPath(path: Inventory['paths'][number]): void {
    const target = this.#byName.get(path.to);
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
        verify: `run \`psm-netcheck check\` on ${path.from}`,
        testableFrom: [path.from],
      });
      return;
    }
    const ports: (number | undefined)[] = path.transport === 'icmp' ? [undefined] : [...path.ports];
    const application = path.description ?? path.name;
    const crossFamily = noCommonFamily(this.#vantage, target);
    if (crossFamily !== undefined) {
      this.#notTestable.push({ row, table: 0, application, from: this.#vantage.name, to: target.name, transport: path.transport, ports: path.ports.map(String), why: crossFamily, testableFrom: [] });
      return;
    }
    const probe = this.#responderProbe(target, path.transport) ?? path.probe;
    const targetRole = target.roles[0] ?? 'psm-server';
    for (const address of reachableAddresses(this.#vantage, target)) {
      for (const port of ports) {
        this.#add(row, 0, application, probe, target, targetRole, address, path.transport, port, path.expect, undefined);
      }
    }
  }

  finish(): Plan {
    for (const [probe, applications] of this.#mergedApplications) probe.application = [...new Set(applications)].join(' / ');
    return { vantage: this.#vantage, probes: [...this.#probes.values()], notTestable: this.#notTestable };
  }

  #planRowTarget(row: MatrixRow, target: Host): void {
    const crossFamily = noCommonFamily(this.#vantage, target);
    if (crossFamily !== undefined) {
      this.#notTestable.push({
        row: row.id,
        table: row.table,
        application: row.application,
        from: this.#vantage.name,
        to: target.name,
        transport: row.transport,
        ports: row.ports.map((p) => formatPorts([portSpecFor(p.port, p.portKey, target)])),
        why: crossFamily,
        testableFrom: [],
      });
      return;
    }
    // Only the address families the vantage has (./address-families.ts).
    const addresses = reachableAddresses(this.#vantage, target);
    if (row.transport === 'icmp' || row.ports.length === 0) {
      for (const address of addresses) {
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
      for (const address of addresses) {
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
    this.#add(row.id, row.table, row.application, probe, target, row.responder, address, row.transport, port, row.expect, rowOptions);
  }

  /** Positional arguments: called once per probe, tens of thousands of times for a large network. */
  #add(
    row: string,
    table: number,
    application: string,
    probe: ProbeKind,
    target: Host,
    targetRole: Role,
    address: string,
    transport: PlannedProbe['transport'],
    port: number | undefined,
    expected: PlannedProbe['expected'],
    rowOptions: Readonly<Record<string, unknown>> | undefined,
  ): void {
    // The kind is part of a check's identity, so a probe left out never merges with one planned.
    if (this.#only !== undefined && !this.#only.has(probe)) return;
    const sameCheck = `${target.name}/${address}/${transport}/${port ?? '-'}/${probe}`;
    // A firewall check that a port stays closed never merges into a row that wants it open.
    const first = this.#probes.get(sameCheck);
    const id = first === undefined || first.expected === expected ? sameCheck : `${sameCheck}/${expected}`;
    const existing = id === sameCheck ? first : this.#probes.get(id);
    if (existing !== undefined) {
      // The same check serves several rows (e.g. Table 3 and Table 8 both ask for NETCONF 2022).
      if (!existing.rows.includes(row)) existing.rows = [...existing.rows, row];
      if (table > 0 && !existing.tables.includes(table)) existing.tables = [...existing.tables, table];
      const applications = this.#mergedApplications.get(existing);
      if (applications === undefined) this.#mergedApplications.set(existing, [existing.application, application]);
      else applications.push(application);
      return;
    }
    const planned: MutablePlanned = {
      id,
      rows: this.#rowList(row),
      // Inventory paths belong to no seed table.
      tables: this.#tableList(table),
      application,
      probe,
      target: target.name,
      targetRole,
      address,
      transport,
      port,
      expected,
      options: this.#optionsFor(target, probe, rowOptions),
      credentials: this.#credentialsFor(target, probe),
    };
    if (target.neType !== undefined) planned.neType = target.neType;
    this.#probes.set(id, planned);
  }

  #rowList(row: string): readonly string[] {
    let list = this.#rowLists.get(row);
    if (list === undefined) {
      list = [row];
      this.#rowLists.set(row, list);
    }
    return list;
  }

  #tableList(table: number): readonly number[] {
    let list = this.#tableLists.get(table);
    if (list === undefined) {
      list = table > 0 ? [table] : [];
      this.#tableLists.set(table, list);
    }
    return list;
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
    let byKind = this.#optionsCache.get(host);
    if (byKind === undefined) {
      byKind = new Map();
      this.#optionsCache.set(host, byKind);
    }
    let byRowOptions = byKind.get(kind);
    if (byRowOptions === undefined) {
      byRowOptions = new Map();
      byKind.set(kind, byRowOptions);
    }
    if (!byRowOptions.has(rowOptions)) {
      const merged = { ...rowOptions, ...(this.#inventory.probeOptions[kind] ?? {}), ...(host.probeOptions[kind] ?? {}) };
      byRowOptions.set(rowOptions, probeFor(kind).optionsSchema.parse(merged));
    }
    return byRowOptions.get(rowOptions);
  }

  #hostsFor(row: MatrixRow, side: 'initiator' | 'responder'): Host[] {
    const ofRole = this.#byRole.get(row[side]);
    return ofRole === undefined ? [] : hostsForRow(ofRole, row, side);
  }

  #listNotTestable(row: MatrixRow, from: readonly Host[], where: { why: string; verify: string; to: string }): void {
    this.#notTestable.push({
      row: row.id,
      table: row.table,
      application: row.application,
      from: summarizeHosts(row.initiator, from),
      to: where.to,
      transport: row.transport,
      ports: row.ports.length === 0 ? [] : [formatPorts(row.ports.map((p) => p.port))],
      why: where.why,
      verify: where.verify,
      testableFrom: namesOf(from),
    });
  }
}

/** A planned probe while the plan is built: rows, tables and application grow when checks merge. */
type MutablePlanned = { -readonly [K in keyof PlannedProbe]: PlannedProbe[K] };

function rowProbe(row: MatrixRow): ProbeKind {
  return row.ports[0]?.probe ?? 'icmp';
}

/** Roles of the hosts that `psm-netcheck respond` stands in for before PSM is installed. */
const PREINSTALL_ROLES: ReadonlySet<Role> = new Set(['psm-server', 'psm-client']);

/**
 * How to verify a path this vantage cannot test: one line, the same for every path that needs the
 * same action, so that reports can group by it. `responder`: the host whose service may not be
 * installed yet, which `psm-netcheck respond` stands in for (docs/responder.md).
 */
function verifyFromInitiator(row: MatrixRow, responder: string | undefined, initiators: readonly Host[]): string {
  const where =
    row.initiator === 'network-element'
      ? "from a Linux host in the network elements' network, declared in the inventory as a network-element " +
        'of the same neType (an NE cannot run psm-netcheck)'
      : `on ${initiators.length === 1 && initiators[0] !== undefined ? initiators[0].name : `the ${row.initiator} side`}`;
  const check = `run \`psm-netcheck check\` ${where}`;
  if (responder === undefined || row.transport === 'icmp') return check;
  return `${check}; before PSM is installed on ${responder}, run \`psm-netcheck respond\` there and check with \`--via-responder ${responder}\``;
}

function namesOf(hosts: readonly Host[]): string[] {
  const names = hosts.slice(0, MAX_NAMES).map((h) => h.name);
  if (hosts.length > MAX_NAMES) names.push(`... and ${hosts.length - MAX_NAMES} more`);
  return names;
}

function summarizeHosts(role: Role, hosts: readonly Host[]): string {
  return hosts.length === 1 && hosts[0] !== undefined ? hosts[0].name : `${role} (${hosts.length} hosts)`;
}

/**
 * Whether some initiator and some responder are different hosts: a row whose only host on both
 * sides is one and the same (server replication in a deployment of one server) is no path.
 */
function hasPairOfTwoHosts(initiators: readonly Host[], responders: readonly Host[]): boolean {
  return initiators.some((from) => responders.some((to) => to !== from));
}
