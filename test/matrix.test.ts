import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NE_TYPES } from '../src/core/model.js';
import type { NeType, OptionalService, Role, Transport } from '../src/core/model.js';
import { PROBE_KINDS, probeFor } from '../probes/registry.js';
import {
  MATRIX,
  appliesToNeType,
  duplicateIds,
  expandPorts,
  formatPorts,
  isValidPortSpec,
  parsePortSpec,
  rowById,
  rowProbes,
} from '../src/matrix/index.js';
import { formatMatrixTable, matrixJson } from '../src/matrix/format.js';
import { PORT_KEYS } from '../src/matrix/types.js';
import type { MatrixRow } from '../src/matrix/types.js';

/**
 * The seed's Tables 1-8, copied BY HAND from /work/shared/seed/psm-networking-considerations.txt,
 * one line per seed row (never generated from rows.ts, so a slip in either shows up as a mismatch).
 * `from`/`to` are the protocol client/server; `ports` are the server's ports as the seed writes
 * them, or per NE type where the seed gives them per type ("" = ICMP, no ports).
 */
interface SeedLine {
  readonly table: MatrixRow['table'];
  readonly application: string;
  readonly from: Role;
  readonly to: Role;
  readonly transport: Transport;
  readonly ports: string | Partial<Record<NeType, string>>;
  /** The client's fixed source port, where the seed gives one instead of "ephemeral". */
  readonly fromPort?: number;
  /** "This is only required if the ... server on the PSM server/client is used." */
  readonly condition?: OptionalService;
  /**
   * Our reading, not the seed's words: where a refusal proves the path as well as an answer
   * (a port range of which only some ports are bound; traceroute), the row expects `reachable`.
   */
  readonly expect?: 'reachable';
}

// Table 4's CLI and TL1 ports per NE type; Table 3 says "See Table 4" for both.
const CLI = { bti7800: '22', 'juniper-mx': '22', bti700: '23', bti800: '23', bti7000: '3084,8022' } as const;
const TL1 = { bti7000: '3021,3022,3082,3083', bti7800: '3083' } as const;

const SEED: readonly SeedLine[] = [
  // Table 1: PSM client -> PSM server (last row reversed: the server connects to the client)
  { table: 1, application: 'FTP', from: 'psm-client', to: 'psm-server', transport: 'tcp', ports: '20,21' },
  { table: 1, application: 'SSH, SCP, SFTP', from: 'psm-client', to: 'psm-server', transport: 'tcp', ports: '22' },
  { table: 1, application: 'Monit Web GUI', from: 'psm-client', to: 'psm-server', transport: 'tcp', ports: '2812' },
  { table: 1, application: 'MySQL (support)', from: 'psm-client', to: 'psm-server', transport: 'tcp', ports: '3306' },
  { table: 1, application: 'Graphite web interface', from: 'psm-client', to: 'psm-server', transport: 'tcp', ports: '8080' },
  { table: 1, application: 'proNX Service Manager Dashboard', from: 'psm-client', to: 'psm-server', transport: 'tcp', ports: '9000' },
  { table: 1, application: 'JMX (support)', from: 'psm-client', to: 'psm-server', transport: 'tcp', ports: '9520' },
  { table: 1, application: 'PSM REST WS', from: 'psm-client', to: 'psm-server', transport: 'tcp', ports: '9998' },
  { table: 1, application: 'PSM REST Notification WS', from: 'psm-server', to: 'psm-client', transport: 'tcp', ports: '9999-10100', expect: 'reachable' },

  // Table 2: PSM server -> PSM server
  { table: 2, application: 'Server Replication', from: 'psm-server', to: 'psm-server', transport: 'tcp', ports: '9999-10100', expect: 'reachable' },

  // Table 3: PSM server -> NE, then NE -> PSM server
  { table: 3, application: 'ICMP', from: 'psm-server', to: 'network-element', transport: 'icmp', ports: '' },
  { table: 3, application: 'NETCONF', from: 'psm-server', to: 'network-element', transport: 'tcp', ports: { bti7800: '2022', 'juniper-mx': '830' } },
  { table: 3, application: 'CLI', from: 'psm-server', to: 'network-element', transport: 'tcp', ports: CLI },
  { table: 3, application: 'TL1', from: 'psm-server', to: 'network-element', transport: 'tcp', ports: TL1 },
  { table: 3, application: 'SNMP', from: 'psm-server', to: 'network-element', transport: 'udp', ports: '161' },
  { table: 3, application: 'FTP', from: 'network-element', to: 'psm-server', transport: 'tcp', ports: '20,21', condition: 'ftp' },
  // "If an external FTP server is used, then the NEs will need access to those ports on the external FTP server."
  { table: 3, application: 'FTP', from: 'network-element', to: 'ftp-server', transport: 'tcp', ports: '20,21' },
  { table: 3, application: 'SFTP', from: 'network-element', to: 'psm-server', transport: 'tcp', ports: '22', condition: 'sftp' },
  // Same sentence for an external SFTP server.
  { table: 3, application: 'SFTP', from: 'network-element', to: 'sftp-server', transport: 'tcp', ports: '22' },
  { table: 3, application: 'NTP', from: 'network-element', to: 'psm-server', transport: 'udp', ports: '123', condition: 'ntp' },
  { table: 3, application: 'SNMP', from: 'network-element', to: 'psm-server', transport: 'udp', ports: '162,1620' },
  { table: 3, application: 'RADIUS', from: 'network-element', to: 'psm-server', transport: 'udp', ports: '1812,1813', condition: 'radius' },

  // Table 4: PSM client -> NE, then NE -> PSM client. (Its external-server sentences are the
  // Table 3 ones again: the NE -> ftp-server/sftp-server paths are listed once, above.)
  { table: 4, application: 'ICMP', from: 'psm-client', to: 'network-element', transport: 'icmp', ports: '' },
  { table: 4, application: 'SNMP', from: 'psm-client', to: 'network-element', transport: 'udp', ports: '161' },
  { table: 4, application: 'CLI', from: 'psm-client', to: 'network-element', transport: 'tcp', ports: CLI },
  { table: 4, application: 'TL1', from: 'psm-client', to: 'network-element', transport: 'tcp', ports: TL1 },
  { table: 4, application: 'Shell', from: 'psm-client', to: 'network-element', transport: 'tcp', ports: { bti7800: '2024' } },
  { table: 4, application: 'FTP', from: 'network-element', to: 'psm-client', transport: 'tcp', ports: '20,21', condition: 'ftp' },
  { table: 4, application: 'SFTP', from: 'network-element', to: 'psm-client', transport: 'tcp', ports: '22', condition: 'sftp' },

  // Table 5: PSM server -> NOC
  { table: 5, application: 'SNMP', from: 'psm-server', to: 'noc', transport: 'udp', ports: '162' },

  // Table 6: PSM server -> external RADIUS server
  { table: 6, application: 'RADIUS', from: 'psm-server', to: 'radius-server', transport: 'udp', ports: '1812,1813' },

  // Table 7: PSM server -> other hosts
  { table: 7, application: 'FTP', from: 'psm-server', to: 'ftp-server', transport: 'tcp', ports: '20,21' },
  { table: 7, application: 'SFTP', from: 'psm-server', to: 'sftp-server', transport: 'tcp', ports: '22' },
  { table: 7, application: 'DNS', from: 'psm-server', to: 'dns-server', transport: 'udp', ports: '53' },
  { table: 7, application: 'HTTP', from: 'psm-server', to: 'http-server', transport: 'tcp', ports: '80' },
  { table: 7, application: 'NTP', from: 'psm-server', to: 'ntp-server', transport: 'udp', ports: '123' },

  // Table 8: BTI7800 as client of remote servers ("management systems" = PSM server and NOC)...
  { table: 8, application: 'FTP', from: 'network-element', to: 'ftp-server', transport: 'tcp', ports: { bti7800: '20,21' } },
  { table: 8, application: 'SFTP, SCP', from: 'network-element', to: 'sftp-server', transport: 'tcp', ports: { bti7800: '22' } },
  { table: 8, application: 'DNS', from: 'network-element', to: 'dns-server', transport: 'udp', ports: { bti7800: '53' } },
  { table: 8, application: 'NTP', from: 'network-element', to: 'ntp-server', transport: 'udp', ports: { bti7800: '123' }, fromPort: 123 },
  { table: 8, application: 'SNMP', from: 'network-element', to: 'psm-server', transport: 'udp', ports: { bti7800: '162' } },
  { table: 8, application: 'SNMP', from: 'network-element', to: 'noc', transport: 'udp', ports: { bti7800: '162' } },
  { table: 8, application: 'SYSLOG', from: 'network-element', to: 'syslog-server', transport: 'udp', ports: { bti7800: '514' } },
  { table: 8, application: 'RADIUS', from: 'network-element', to: 'radius-server', transport: 'udp', ports: { bti7800: '1812' } },
  { table: 8, application: 'TACACS+', from: 'network-element', to: 'tacacs-server', transport: 'tcp', ports: { bti7800: '49' } },
  // ...and as the server of management systems.
  { table: 8, application: 'CLI over SSH', from: 'psm-server', to: 'network-element', transport: 'tcp', ports: { bti7800: '22' } },
  { table: 8, application: 'NETCONF', from: 'psm-server', to: 'network-element', transport: 'tcp', ports: { bti7800: '2022' } },
  { table: 8, application: 'SSH', from: 'psm-server', to: 'network-element', transport: 'tcp', ports: { bti7800: '2024' } },
  { table: 8, application: 'TL1 over Telnet', from: 'psm-server', to: 'network-element', transport: 'tcp', ports: { bti7800: '3083' } },
  { table: 8, application: 'SNMP', from: 'psm-server', to: 'network-element', transport: 'udp', ports: { bti7800: '161' } },
  { table: 8, application: 'Traceroute', from: 'psm-server', to: 'network-element', transport: 'udp', ports: { bti7800: '33434-33436' }, expect: 'reachable' },
];

// -----------------------------------------------------------------------------------------------
// Test-local helpers, deliberately independent of src/matrix/index.ts.

/** "20,21" / "9999-10100" / "" to a sorted list of port numbers. */
function seedPorts(text: string): number[] {
  if (text === '') return [];
  const ports: number[] = [];
  for (const part of text.split(',')) {
    const [from, to = from] = part.split('-').map(Number);
    if (from === undefined || to === undefined) throw new Error(`bad seed ports ${text}`);
    for (let port = from; port <= to; port++) ports.push(port);
  }
  return ports.sort((a, b) => a - b);
}

function rowPortNumbers(rows: readonly MatrixRow[]): number[] {
  const ports = new Set<number>();
  for (const row of rows) {
    for (const { port } of row.ports) {
      const [from, to] = typeof port === 'number' ? [port, port] : [port.from, port.to];
      for (let p = from; p <= to; p++) ports.add(p);
    }
  }
  return [...ports].sort((a, b) => a - b);
}

const touchesNe = (line: { from: Role; to: Role } | MatrixRow): boolean =>
  'from' in line
    ? line.from === 'network-element' || line.to === 'network-element'
    : line.initiator === 'network-element' || line.responder === 'network-element';

const seedKey = (line: SeedLine): string =>
  [line.table, line.application, line.from, line.to, line.transport].join(' | ');
const rowKey = (row: MatrixRow): string =>
  [row.table, row.application, row.initiator, row.responder, row.transport].join(' | ');

/** The seed's ports for one NE type (or for a path without NEs); undefined = no row for this type. */
function expectedPorts(line: SeedLine, neType: NeType | undefined): string | undefined {
  if (typeof line.ports === 'string') return line.ports;
  return neType === undefined ? undefined : line.ports[neType];
}

// -----------------------------------------------------------------------------------------------

describe('the hand-written seed table', () => {
  it('has one line per (table, application, roles, transport)', () => {
    const keys = SEED.map(seedKey);
    expect(keys.filter((key, index) => keys.indexOf(key) !== index)).toEqual([]);
  });

  it('gives per-NE-type ports only on paths with a network element', () => {
    for (const line of SEED) {
      if (typeof line.ports !== 'string') expect(touchesNe(line), seedKey(line)).toBe(true);
    }
  });
});

describe('MATRIX covers every seed row', () => {
  for (const line of SEED) {
    it(seedKey(line), () => {
      const rows = MATRIX.filter((row) => rowKey(row) === seedKey(line));
      expect(rows.length, 'rows for this seed line').toBeGreaterThan(0);

      const neTypes: readonly (NeType | undefined)[] = touchesNe(line) ? NE_TYPES : [undefined];
      for (const neType of neTypes) {
        const applicable = neType === undefined ? rows : rows.filter((row) => appliesToNeType(row, neType));
        const expected = expectedPorts(line, neType);
        const label = `${seedKey(line)} for ${neType ?? 'its hosts'}`;
        if (expected === undefined) {
          expect(applicable.map((row) => row.id), `${label}: the seed has no ports`).toEqual([]);
          continue;
        }
        expect(applicable.length, `${label}: no row`).toBeGreaterThan(0);
        expect(rowPortNumbers(applicable), label).toEqual(seedPorts(expected));
      }

      for (const row of rows) {
        expect(row.initiatorPort, `${row.id} initiator port`).toBe(line.fromPort);
        expect(row.condition, `${row.id} condition`).toBe(line.condition);
        expect(row.conditionOn ?? 'responder', `${row.id} condition side`).toBe('responder');
        expect(row.expect, row.id).toBe(line.expect ?? 'open');
      }
    });
  }
});

describe('every MATRIX row', () => {
  it('maps back to a seed row', () => {
    const seedKeys = new Set(SEED.map(seedKey));
    expect(MATRIX.filter((row) => !seedKeys.has(rowKey(row))).map((row) => row.id)).toEqual([]);
  });

  it('has a unique id that names its table', () => {
    expect(duplicateIds(MATRIX)).toEqual([]);
    for (const row of MATRIX) {
      expect(row.id, row.id).toMatch(/^t[1-8]-[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(row.id.startsWith(`t${row.table}-`), row.id).toBe(true);
      expect(rowById(row.id)).toBe(row);
    }
    expect(rowById('t9-nothing')).toBeUndefined();
  });

  it('gives every untestable port a reason', () => {
    for (const row of MATRIX) {
      for (const port of row.ports) {
        if (port.probe === null) expect(port.untestableWhy?.trim(), row.id).toBeTruthy();
        else expect(port.untestableWhy, row.id).toBeUndefined();
      }
    }
  });

  it('uses only registered probes and known port keys', () => {
    const kinds = new Set<string>(PROBE_KINDS);
    const keys = new Set<string>(PORT_KEYS);
    for (const row of MATRIX) {
      expect(rowProbes(row).length, `${row.id} has nothing to probe`).toBeGreaterThan(0);
      for (const kind of rowProbes(row)) expect(kinds.has(kind), `${row.id}: ${kind}`).toBe(true);
      for (const port of row.ports) {
        if (port.portKey !== undefined) expect(keys.has(port.portKey), `${row.id}: ${port.portKey}`).toBe(true);
      }
    }
  });

  it('has valid ports: none for ICMP, at least one otherwise, ranges forward and in 1-65535', () => {
    for (const row of MATRIX) {
      if (row.transport === 'icmp') expect(row.ports, row.id).toEqual([]);
      else expect(row.ports.length, row.id).toBeGreaterThan(0);
      for (const { port } of row.ports) expect(isValidPortSpec(port), `${row.id} ${JSON.stringify(port)}`).toBe(true);
      if (row.initiatorPort !== undefined) expect(isValidPortSpec(row.initiatorPort), row.id).toBe(true);
    }
  });

  it('restricts NE types only on paths with a network element', () => {
    for (const row of MATRIX) {
      if (row.neTypes !== undefined) {
        expect(touchesNe(row), row.id).toBe(true);
        expect(row.neTypes.length, row.id).toBeGreaterThan(0);
      }
    }
  });

  it('is described in docs/matrix.md', () => {
    const doc = readFileSync(new URL('../docs/matrix.md', import.meta.url), 'utf8');
    expect(MATRIX.filter((row) => !doc.includes(row.id)).map((row) => row.id)).toEqual([]);
  });
});

describe('port helpers', () => {
  it('expands single ports and inclusive ranges', () => {
    expect(expandPorts(22)).toEqual([22]);
    expect(expandPorts({ from: 33434, to: 33436 })).toEqual([33434, 33435, 33436]);
    expect(expandPorts({ from: 9999, to: 10100 })).toHaveLength(102);
  });

  it('formats ports as the seed writes them', () => {
    expect(formatPorts([20, 21])).toBe('20,21');
    expect(formatPorts([{ from: 9999, to: 10100 }])).toBe('9999-10100');
    expect(formatPorts([{ port: 162, probe: 'snmp-inform' }, { port: 1620, probe: 'snmp-inform' }])).toBe('162,1620');
    expect(formatPorts([])).toBe('');
  });

  it('parses overrides and rejects bad ones', () => {
    expect(parsePortSpec('9443')).toBe(9443);
    expect(parsePortSpec(9443)).toBe(9443);
    expect(parsePortSpec('9999-10005')).toEqual({ from: 9999, to: 10005 });
    expect(parsePortSpec(' 10 - 12 ')).toEqual({ from: 10, to: 12 });
    for (const bad of ['0', '65536', '10-9', 'abc', '1,2', '', '-5', 1.5]) {
      expect(parsePortSpec(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('formatting', () => {
  it('renders an aligned table with one line per row', () => {
    const text = formatMatrixTable(MATRIX);
    const lines = text.split('\n');
    const header = lines[0] ?? '';
    for (const column of ['TABLE', 'ID', 'PATH', 'APPLICATION', 'TRANSPORT', 'PORTS', 'CONDITION', 'NE TYPES', 'PROBE']) {
      expect(header).toContain(column);
    }
    const idColumn = header.indexOf('ID');
    for (const row of MATRIX) {
      const line = lines.find((candidate) => candidate.slice(idColumn).startsWith(`${row.id} `));
      expect(line, row.id).toBeDefined();
    }
    const ftp = lines.find((line) => line.includes('t1-ftp ')) ?? '';
    expect(ftp).toContain('psm-client -> psm-server');
    expect(ftp).toContain('20:-,21:ftp');
    expect(lines.find((line) => line.includes('t8-ntp ')) ?? '').toContain('network-element:123 -> ntp-server');
  });

  it('renders plain JSON with ports as strings', () => {
    const json = matrixJson(MATRIX);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    const notification = json.find((row) => row.id === 't1-rest-notification');
    expect(notification?.ports).toEqual([{ port: '9999-10100', portKey: 'rest-notification', probe: 'tcp' }]);
    const ftp = json.find((row) => row.id === 't3-ftp');
    expect(ftp?.condition).toBe('ftp');
    expect(ftp?.ports[0]).toMatchObject({ port: '20', probe: null });
    expect(json.find((row) => row.id === 't1-ssh')).not.toHaveProperty('neTypes');
  });
});

describe('probe options implied by a matrix port', () => {
  it('are valid options of that port\'s probe', () => {
    for (const row of MATRIX) {
      for (const port of row.ports) {
        if (port.probeOptions === undefined || port.probe === null) continue;
        expect(() => probeFor(port.probe as NonNullable<typeof port.probe>).optionsSchema.parse(port.probeOptions), row.id).not.toThrow();
      }
    }
  });

  it('make the PSM REST WS an HTTPS check wherever its port is moved', () => {
    const rest = MATRIX.find((row) => row.id === 't1-rest');
    expect(rest?.ports[0]?.probeOptions).toEqual({ scheme: 'https' });
  });
});
