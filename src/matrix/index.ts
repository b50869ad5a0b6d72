import type { NeType } from '../core/model.js';
import type { ProbeKind } from '../../probes/registry.js';
import { MATRIX } from './rows.js';
import type { MatrixPort, MatrixRow, PortSpec } from './types.js';

export { MATRIX } from './rows.js';
export type { MatrixPort, MatrixRow, PortKey, PortSpec } from './types.js';
export { PORT_KEYS } from './types.js';

/** Every port of a single port or an inclusive range, ascending. */
export function expandPorts(spec: PortSpec): number[] {
  if (typeof spec === 'number') return [spec];
  const ports: number[] = [];
  for (let port = spec.from; port <= spec.to; port++) ports.push(port);
  return ports;
}

/** "22" or "9999-10100". */
export function formatPortSpec(spec: PortSpec): string {
  if (typeof spec === 'number') return String(spec);
  return spec.from === spec.to ? String(spec.from) : `${spec.from}-${spec.to}`;
}

/** A row's ports (or bare specs) as the seed writes them: "20,21", "9999-10100"; "" for none (ICMP). */
export function formatPorts(ports: readonly (MatrixPort | PortSpec)[]): string {
  return ports.map((entry) => formatPortSpec(isMatrixPort(entry) ? entry.port : entry)).join(',');
}

/**
 * "22" or "9999-10100" (also a bare number) to a PortSpec; undefined when it is not a valid port
 * or range. The inventory's `ports:` overrides use this form.
 */
export function parsePortSpec(text: string | number): PortSpec | undefined {
  if (typeof text === 'number') return isValidPortSpec(text) ? text : undefined;
  const match = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(text);
  if (!match) return undefined;
  const from = Number(match[1]);
  const spec: PortSpec = match[2] === undefined ? from : { from, to: Number(match[2]) };
  return isValidPortSpec(spec) ? spec : undefined;
}

/** Ports are integers 1-65535; a range must not run backwards. */
export function isValidPortSpec(spec: PortSpec): boolean {
  const valid = (port: number): boolean => Number.isInteger(port) && port >= 1 && port <= 65535;
  if (typeof spec === 'number') return valid(spec);
  return valid(spec.from) && valid(spec.to) && spec.from <= spec.to;
}

/** Whether a row applies to a network element of this type (rows without `neTypes` apply to all). */
export function appliesToNeType(row: MatrixRow, neType: NeType): boolean {
  return row.neTypes === undefined || row.neTypes.includes(neType);
}

/**
 * The probes a row needs: its ports' probes, or `icmp` for an ICMP row (which has no ports).
 * Untestable ports contribute nothing.
 */
export function rowProbes(row: MatrixRow): ProbeKind[] {
  if (row.transport === 'icmp') return ['icmp'];
  const kinds = row.ports.map((port) => port.probe).filter((kind): kind is ProbeKind => kind !== null);
  return [...new Set(kinds)];
}

/** Ids that occur more than once, each listed once; empty when all ids are unique. */
export function duplicateIds(rows: readonly MatrixRow[]): string[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.id)) duplicates.add(row.id);
    seen.add(row.id);
  }
  return [...duplicates];
}

let byId: ReadonlyMap<string, MatrixRow> | undefined;

/** The MATRIX row with this id, if any. */
export function rowById(id: string): MatrixRow | undefined {
  byId ??= new Map(MATRIX.map((row) => [row.id, row]));
  return byId.get(id);
}

function isMatrixPort(entry: MatrixPort | PortSpec): entry is MatrixPort {
  return typeof entry === 'object' && 'port' in entry;
}
