import { formatPortSpec, formatPorts } from './index.js';
import type { MatrixRow } from './types.js';

/** A row as plain JSON: ports are strings ("22", "9999-10100"), absent fields are left out. */
export interface MatrixRowJson {
  id: string;
  table: number;
  application: string;
  description: string;
  initiator: string;
  responder: string;
  transport: string;
  ports: MatrixPortJson[];
  initiatorPort?: number;
  condition?: string;
  conditionOn?: 'initiator' | 'responder';
  neTypes?: string[];
  expect: string;
  decision?: string;
}

export interface MatrixPortJson {
  port: string;
  portKey?: string;
  probe: string | null;
  untestableWhy?: string;
}

/** The rows as a JSON-able array, for `--json` output and machine readers. */
export function matrixJson(rows: readonly MatrixRow[]): MatrixRowJson[] {
  return rows.map((row) => ({
    id: row.id,
    table: row.table,
    application: row.application,
    description: row.description,
    initiator: row.initiator,
    responder: row.responder,
    transport: row.transport,
    ports: row.ports.map((port) => ({
      port: formatPortSpec(port.port),
      ...(port.portKey !== undefined && { portKey: port.portKey }),
      probe: port.probe,
      ...(port.untestableWhy !== undefined && { untestableWhy: port.untestableWhy }),
    })),
    ...(row.initiatorPort !== undefined && { initiatorPort: row.initiatorPort }),
    ...(row.condition !== undefined && { condition: row.condition }),
    ...(row.conditionOn !== undefined && { conditionOn: row.conditionOn }),
    ...(row.neTypes !== undefined && { neTypes: [...row.neTypes] }),
    expect: row.expect,
    ...(row.decision !== undefined && { decision: row.decision }),
  }));
}

const HEADERS = ['TABLE', 'ID', 'PATH', 'APPLICATION', 'TRANSPORT', 'PORTS', 'CONDITION', 'NE TYPES', 'PROBE'] as const;

/** The rows as an aligned text table for people (`psm-netcheck matrix`). */
export function formatMatrixTable(rows: readonly MatrixRow[]): string {
  const cells = rows.map(rowCells);
  const widths = HEADERS.map((header, column) =>
    Math.max(header.length, ...cells.map((line) => (line[column] ?? '').length)),
  );
  const render = (line: readonly string[]): string =>
    line
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const lines = [render(HEADERS), render(widths.map((width) => '-'.repeat(width))), ...cells.map(render)];
  if (rows.some((row) => row.ports.some((port) => port.probe === null))) {
    lines.push('', 'PROBE "-": nothing can be probed on that port (the row\'s untestableWhy says why).');
  }
  return lines.join('\n');
}

function rowCells(row: MatrixRow): string[] {
  const initiator = row.initiatorPort === undefined ? row.initiator : `${row.initiator}:${row.initiatorPort}`;
  return [
    String(row.table),
    row.id,
    `${initiator} -> ${row.responder}`,
    row.application,
    row.transport,
    row.ports.length === 0 ? '-' : formatPorts(row.ports),
    conditionCell(row),
    neTypesCell(row),
    probeCell(row),
  ];
}

function conditionCell(row: MatrixRow): string {
  if (row.condition === undefined) return '-';
  return row.conditionOn === 'initiator' ? `${row.condition} (initiator)` : row.condition;
}

function neTypesCell(row: MatrixRow): string {
  if (row.neTypes !== undefined) return row.neTypes.join(',');
  return row.initiator === 'network-element' || row.responder === 'network-element' ? 'all' : '-';
}

/** One probe name when every port shares it, else "port:probe" per port ("-" = untestable). */
function probeCell(row: MatrixRow): string {
  if (row.transport === 'icmp') return 'icmp';
  const probes = new Set(row.ports.map((port) => port.probe));
  const [only] = probes;
  if (probes.size === 1 && only !== undefined && only !== null) return only;
  return row.ports.map((port) => `${formatPortSpec(port.port)}:${port.probe ?? '-'}`).join(',');
}
