import { TOOL_VERSION } from '../core/version.js';
import type { Host, Inventory } from '../inventory/types.js';
import { matrixPaths, type MatrixPath } from '../planner/deployment-paths.js';
import { RULES_SCHEMA_VERSION, type DenyTarget, type RuleDirection, type RuleEndpoint, type RuleEntry, type RuleSet } from './types.js';

export interface RulesOptions {
  /** One entry per source and destination host instead of one per row and port set. */
  readonly perHost?: boolean;
  /** What the rule sets do with a deny entry's packets (default: drop). */
  readonly deny?: DenyTarget;
  /** How the inventory is named in the output (default: its source). */
  readonly inventoryLabel?: string;
}

/**
 * The firewall change request for a deployment: every path the matrix requires for this inventory
 * (the planner's expansion: rows x hosts, optional services, NE types, port overrides) as allow
 * entries, and every inventory path that must stay closed as a deny entry. Denies come first, so
 * that a firewall reading the list top-down never lets an allow shadow them.
 */
export function buildRules(inventory: Inventory, options: RulesOptions = {}): RuleSet {
  const paths = matrixPaths(inventory);
  const both = reversible(paths);
  const flows = paths.map((path, index): Flow => {
    const direction: RuleDirection = both[index] === true ? 'both' : 'one-way';
    const action = path.expected === 'closed' ? 'deny' : 'allow';
    return { path, direction, key: [action, path.row, path.transport, path.ports.join(','), direction].join('|') };
  });
  const ordered = [...flows.filter((f) => f.path.expected === 'closed'), ...flows.filter((f) => f.path.expected !== 'closed')];
  const groups = options.perHost === true ? ordered.map((flow) => ({ flows: [flow], sources: [flow.path.from], destinations: [flow.path.to] })) : aggregate(ordered);
  const entries = groups.map((group, index) => toEntry(group, index));
  const deny = entries.filter((e) => e.action === 'deny').length;
  return {
    schemaVersion: RULES_SCHEMA_VERSION,
    tool: { name: 'psm-netcheck', version: TOOL_VERSION },
    inventory: options.inventoryLabel ?? inventory.source,
    aggregated: options.perHost !== true,
    deny: options.deny ?? 'drop',
    summary: { entries: entries.length, allow: entries.length - deny, deny, paths: paths.length },
    entries,
  };
}

interface Flow {
  readonly path: MatrixPath;
  readonly direction: RuleDirection;
  /** What makes two flows one rule apart from their hosts: action, row, protocol, ports, direction. */
  readonly key: string;
}

interface Group {
  readonly flows: readonly Flow[];
  readonly sources: readonly Host[];
  readonly destinations: readonly Host[];
}

/**
 * For each path, whether the deployment also needs its mirror (same protocol and ports, the other
 * way). Keyed by host names: computed once per path, a large deployment has 100,000s of them.
 */
function reversible(paths: readonly MatrixPath[]): boolean[] {
  const tail = (path: MatrixPath): string => `|${path.transport}|${path.ports.join(',')}`;
  const forward = paths.map((path) => `${path.from.name}>${path.to.name}${tail(path)}`);
  const keys = new Set(forward);
  return paths.map((path) => keys.has(`${path.to.name}>${path.from.name}${tail(path)}`));
}

/**
 * Sources x destinations, exactly: within one rule key, each source's destinations are collected,
 * then the sources with the same destination set share an entry. The server to 3,000 elements is
 * then one entry, and two client sites to the server another, with no pair added or lost.
 */
function aggregate(flows: readonly Flow[]): Group[] {
  const bySource = new Map<string, { source: Host; flows: Flow[]; destinations: Host[] }>();
  for (const flow of flows) {
    const key = `${flow.key}|${flow.path.from.name}`;
    const entry = bySource.get(key);
    if (entry === undefined) bySource.set(key, { source: flow.path.from, flows: [flow], destinations: [flow.path.to] });
    else {
      entry.flows.push(flow);
      entry.destinations.push(flow.path.to);
    }
  }
  const byDestinations = new Map<string, { flows: Flow[]; sources: Host[]; destinations: Host[] }>();
  for (const entry of bySource.values()) {
    const first = entry.flows[0];
    if (first === undefined) continue;
    const key = `${first.key}|${entry.destinations.map((h) => h.name).join('\n')}`;
    const group = byDestinations.get(key);
    if (group === undefined) byDestinations.set(key, { flows: [...entry.flows], sources: [entry.source], destinations: entry.destinations });
    else {
      group.flows.push(...entry.flows);
      group.sources.push(entry.source);
    }
  }
  return [...byDestinations.values()];
}

function toEntry(group: Group, index: number): RuleEntry {
  const first = group.flows[0];
  if (first === undefined) throw new Error('a rule group without flows');
  const { path } = first;
  return {
    id: `r${index + 1}`,
    action: path.expected === 'closed' ? 'deny' : 'allow',
    row: path.row,
    table: path.table,
    application: path.application,
    direction: first.direction,
    protocol: path.transport,
    ports: path.transport === 'icmp' ? [] : [...path.ports],
    sources: group.sources.map((host) => endpoint(host, path.fromRole)),
    destinations: group.destinations.map((host) => endpoint(host, path.toRole)),
    paths: group.flows.length,
  };
}

function endpoint(host: Host, role: RuleEndpoint['role']): RuleEndpoint {
  return { host: host.name, role, addresses: [...host.addresses] };
}
