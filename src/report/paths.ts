import type { Role } from '../core/model.js';
import type { ProbeResult, Report } from './types.js';
import { compareText } from './verdicts.js';

/**
 * A result's communication path: initiator role -> target role within one seed table. Reports
 * group by it because the seed's tables are organised that way, and a firewall rule usually
 * covers one such path.
 */
export interface ResultPath {
  /** Stable key, safe in HTML attributes and URLs: `t3-psm-server-network-element`. */
  readonly key: string;
  /** Seed table, or null for paths that only the inventory declares. */
  readonly table: number | null;
  readonly initiator: string;
  readonly responder: Role;
  /** `psm-server -> network-element (table 3: PSM server to network element)`. */
  readonly label: string;
  /**
   * `T3 to NE`, `inv to server`: the label in a terminal column. The initiator is left out: it is
   * the vantage, which the report names once.
   */
  readonly short: string;
}

export interface SeedTable {
  readonly title: string;
  /** Roles that sit on either side of this table's paths. */
  readonly sides: readonly Role[];
}

export const SEED_TABLES: Readonly<Record<number, SeedTable>> = {
  1: { title: 'PSM client to PSM server', sides: ['psm-client', 'psm-server'] },
  2: { title: 'PSM server to PSM server', sides: ['psm-server'] },
  3: { title: 'PSM server to network element', sides: ['psm-server', 'network-element'] },
  4: { title: 'PSM client to network element', sides: ['psm-client', 'network-element'] },
  5: { title: 'PSM server to network operations center', sides: ['psm-server', 'noc'] },
  6: { title: 'PSM server to external RADIUS server', sides: ['psm-server', 'radius-server'] },
  7: { title: 'PSM server to other hosts', sides: ['psm-server'] },
  8: { title: 'BTI7800 port usage', sides: ['network-element'] },
};

/**
 * The results do not carry the initiator's role, only the vantage's roles: pick the vantage role
 * that the table puts on the other side of the target, then any role the table names, then the
 * vantage's first role.
 */
function initiatorRole(vantageRoles: readonly Role[], target: Role, table: SeedTable | undefined): string {
  const sides = table?.sides ?? [];
  const facing = vantageRoles.find((role) => role !== target && sides.includes(role));
  return facing ?? vantageRoles.find((role) => sides.includes(role)) ?? vantageRoles[0] ?? 'vantage';
}

/** Role names short enough for a column; every role is here (the Record makes a new one a compile error). */
const SHORT_ROLE: Readonly<Record<Role, string>> = {
  'psm-server': 'server',
  'psm-client': 'client',
  'network-element': 'NE',
  noc: 'NOC',
  'radius-server': 'RADIUS',
  'ftp-server': 'FTP',
  'sftp-server': 'SFTP',
  'dns-server': 'DNS',
  'http-server': 'HTTP',
  'ntp-server': 'NTP',
  'syslog-server': 'syslog',
  'tacacs-server': 'TACACS',
};

const shortRole = (role: string): string => (Object.hasOwn(SHORT_ROLE, role) ? SHORT_ROLE[role as Role] : role);

/** `T3`, or `inv` for the paths only the inventory declares. */
export function tableTag(table: number | null): string {
  return table === null || table === 0 ? 'inv' : `T${table}`;
}

export function pathOf(result: ProbeResult, vantageRoles: readonly Role[]): ResultPath {
  // A probe that serves rows of several tables is shown once, under its first table.
  // Table 0 stands for an inventory path in NotTestable; accept it here too.
  const seedTables = result.tables.filter((table) => table > 0);
  const table = seedTables.length > 0 ? Math.min(...seedTables) : null;
  const seed = table === null ? undefined : SEED_TABLES[table];
  const initiator = initiatorRole(vantageRoles, result.targetRole, seed);
  const where =
    table === null ? 'inventory paths' : seed === undefined ? `table ${table}` : `table ${table}: ${seed.title}`;
  return {
    key: `${table === null ? 'inv' : `t${table}`}-${initiator}-${result.targetRole}`.replace(/[^a-z0-9-]/gi, '-'),
    table,
    initiator,
    responder: result.targetRole,
    label: `${initiator} -> ${result.targetRole} (${where})`,
    short: `${tableTag(table)} to ${shortRole(result.targetRole)}`,
  };
}

export interface PathGroup {
  readonly path: ResultPath;
  readonly results: readonly ProbeResult[];
}

/** Results by path, in table order (inventory paths last); results keep their given order. */
export function groupByPath(report: Pick<Report, 'results' | 'vantage'>): PathGroup[] {
  const groups = new Map<string, { path: ResultPath; results: ProbeResult[] }>();
  for (const result of report.results) {
    const path = pathOf(result, report.vantage.roles);
    const group = groups.get(path.key) ?? { path, results: [] };
    group.results.push(result);
    groups.set(path.key, group);
  }
  return [...groups.values()].sort(
    (a, b) =>
      (a.path.table ?? Number.MAX_SAFE_INTEGER) - (b.path.table ?? Number.MAX_SAFE_INTEGER) ||
      compareText(a.path.key, b.path.key),
  );
}

/** Split a list by a key, groups sorted by that key. */
export function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  }
  return [...groups.entries()].sort(([a], [b]) => compareText(a, b));
}
