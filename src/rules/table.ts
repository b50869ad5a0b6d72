import { byFamily, familyItems } from './addresses.js';
import type { RuleEndpoint, RuleEntry, RuleSet } from './types.js';

/** The columns of the CSV and Markdown change requests, in order, with their headings. */
export const TABLE_COLUMNS = [
  ['id', 'id'],
  ['action', 'action'],
  ['row', 'matrix row'],
  ['table', 'table'],
  ['application', 'application'],
  ['direction', 'direction'],
  ['protocol', 'protocol'],
  ['ports', 'destination ports'],
  ['sourceHosts', 'source hosts'],
  ['sourceAddresses', 'source addresses'],
  ['destinationHosts', 'destination hosts'],
  ['destinationAddresses', 'destination addresses'],
] as const;

export type TableRow = Record<(typeof TABLE_COLUMNS)[number][0], string>;

/** One line of the change request per entry: the entry's cells as text. */
export function tableRows(rules: RuleSet): TableRow[] {
  return rules.entries.map((entry: RuleEntry) => ({
    id: entry.id,
    action: entry.action,
    row: entry.row,
    table: entry.table === 0 ? 'inventory' : String(entry.table),
    application: entry.application,
    direction: entry.direction,
    protocol: entry.protocol,
    ports: entry.protocol === 'icmp' ? 'echo-request' : entry.ports.join(','),
    sourceHosts: entry.sources.map((s) => s.host).join(' '),
    sourceAddresses: addressText(entry.sources),
    destinationHosts: entry.destinations.map((d) => d.host).join(' '),
    destinationAddresses: addressText(entry.destinations),
  }));
}

/** Addresses of both families, IPv4 runs as ranges, then the DNS names as the inventory gives them. */
function addressText(endpoints: readonly RuleEndpoint[]): string {
  const families = byFamily(endpoints);
  const names = endpoints.flatMap((e) => e.addresses.filter((a) => families.names.includes(`${e.host} (${a})`)));
  return [...familyItems(families, 4), ...familyItems(families, 6), ...names].join(' ');
}
