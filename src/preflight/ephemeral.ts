import { readFile } from 'node:fs/promises';
import type { ListeningPort } from '../planner/listening-ports.js';
import type { PreflightCheck } from '../report/types.js';

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/** The seed's recommendation: the IANA ephemeral range, TCP 1023-65535, open for client ports. */
export const SEED_CLIENT_PORTS: PortRange = { from: 1023, to: 65535 };

/** /proc/sys/net/ipv4/ip_local_port_range: two numbers, e.g. "32768\t60999". */
export function parsePortRange(text: string): PortRange | undefined {
  const match = /^\s*(\d+)\s+(\d+)\s*$/.exec(text);
  if (match === null) return undefined;
  const from = Number(match[1]);
  const to = Number(match[2]);
  return from >= 1 && to <= 65535 && from <= to ? { from, to } : undefined;
}

/** /proc/sys/net/ipv4/ip_local_reserved_ports: "" or a comma list such as "9999-10100,9998". */
export function parseReservedPorts(text: string): PortRange[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .flatMap((part) => {
      const [from, to = from] = part.split('-').map(Number);
      return from !== undefined && to !== undefined && Number.isInteger(from) && Number.isInteger(to) ? [{ from, to }] : [];
    });
}

const inRange = (port: number, range: PortRange): boolean => port >= range.from && port <= range.to;

/**
 * Two checks of the local ephemeral (client) port range:
 * - it lies within what the seed recommends to open for client ports, so a firewall configured by
 *   the seed passes every connection this host opens;
 * - it leaves out the ports PSM must listen on: a port inside it can be taken by an outgoing
 *   connection before PSM starts, unless ip_local_reserved_ports keeps it out.
 */
export function ephemeralChecks(
  range: PortRange | undefined,
  reserved: readonly PortRange[],
  listening: readonly ListeningPort[],
): PreflightCheck[] {
  if (range === undefined) {
    return [
      {
        id: 'ephemeral-range',
        kind: 'ephemeral-range',
        verdict: 'skip',
        message: 'the ephemeral port range could not be read (/proc/sys/net/ipv4/ip_local_port_range)',
        rows: [],
        evidence: {},
      },
    ];
  }
  const text = `${range.from}-${range.to}`;
  const seed = `${SEED_CLIENT_PORTS.from}-${SEED_CLIENT_PORTS.to}`;
  const inside = range.from >= SEED_CLIENT_PORTS.from && range.to <= SEED_CLIENT_PORTS.to;
  const rangeCheck: PreflightCheck = {
    id: 'ephemeral-range',
    kind: 'ephemeral-range',
    verdict: inside ? 'pass' : 'warn',
    message: inside
      ? `ephemeral ports ${text} lie within ${seed}, which the vendor's port tables recommend opening for client ports`
      : `ephemeral ports ${text} reach below ${SEED_CLIENT_PORTS.from}: a firewall that opens only the vendor-recommended ${seed} ` +
        'for client ports drops connections from the lower ones (raise net.ipv4.ip_local_port_range)',
    rows: [],
    evidence: { range: text, recommended: seed },
  };
  const exposed = listening.filter((p) => inRange(p.port, range) && !reserved.some((r) => inRange(p.port, r)));
  const ports = exposed.map((p) => `${p.transport}/${p.port}`);
  const overlapCheck: PreflightCheck = {
    id: 'ephemeral-overlap',
    kind: 'ephemeral-range',
    verdict: exposed.length === 0 ? 'pass' : 'warn',
    message:
      exposed.length === 0
        ? `no port this host must listen on lies in the ephemeral range ${text} (or it is reserved)`
        : `${summarize(ports)} lie in the ephemeral range ${text}: an outgoing connection can take one before PSM ` +
          'listens on it; add them to net.ipv4.ip_local_reserved_ports',
    rows: [...new Set(exposed.flatMap((p) => p.rows))],
    evidence: { range: text, reserved: reserved.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)), ports },
  };
  return [rangeCheck, overlapCheck];
}

function summarize(ports: readonly string[]): string {
  return ports.length <= 6 ? ports.join(', ') : `${ports.slice(0, 5).join(', ')} and ${ports.length - 5} more`;
}

/** Reads both sysctls; a file that cannot be read gives undefined (range) or no reservations. */
export async function readEphemeral(procRoot = '/proc'): Promise<{ range: PortRange | undefined; reserved: PortRange[] }> {
  const read = (name: string): Promise<string | undefined> =>
    readFile(`${procRoot}/sys/net/ipv4/${name}`, 'utf8').catch(() => undefined);
  const [range, reserved] = await Promise.all([read('ip_local_port_range'), read('ip_local_reserved_ports')]);
  return { range: range === undefined ? undefined : parsePortRange(range), reserved: parseReservedPorts(reserved ?? '') };
}
