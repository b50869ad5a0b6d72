import type { TransportState } from '../src/core/model.js';

/**
 * The TCP sweep's fleet, the shape of shared/notes/performance.md: N hosts on 127.1.x.y, six TCP
 * ports each (three open with an SSH-like banner, one open that closes at once, two closed), and
 * a fixed fraction of (address, port) pairs dropped by an nftables set (filtered). The same
 * targets go to psm-netcheck (as inventory paths) and to nmap (as a host list and port list).
 */
export const BANNER_PORTS = [22, 2022, 2024] as const;
export const CLOSE_AT_ONCE_PORT = 3083;
export const CLOSED_PORTS = [23, 830] as const;
/** In this order: three banner ports, the close-at-once port, two closed ports. */
export const FLEET_PORTS: readonly number[] = [...BANNER_PORTS, CLOSE_AT_ONCE_PORT, ...CLOSED_PORTS];
/** Without root (no namespace of our own): the same ports moved up by 20000, as the lab does. */
export const MOVED_FLEET_PORTS: readonly number[] = FLEET_PORTS.map((port) => port + 20_000);
/** The prober's own address: the vantage host of the inventory. */
export const VANTAGE_ADDRESS = '127.0.0.1';
export const VANTAGE_NAME = 'psm-server-1';

export interface Fleet {
  readonly hosts: readonly { readonly name: string; readonly address: string }[];
  readonly ports: readonly number[];
  /** `address:port` of every dropped pair. */
  readonly dropped: ReadonlySet<string>;
  /** What every (address, port) must be found to be. */
  expected(address: string, port: number): TransportState;
}

/** NEs per third octet, as the lab does: 127.1.<1..254>.<1..250>. */
const PER_BLOCK = 250;

export function fleetAddress(i: number, secondOctet = 1): string {
  return `127.${secondOctet}.${1 + Math.floor(i / PER_BLOCK)}.${1 + (i % PER_BLOCK)}`;
}

export function makeFleet(count: number, filteredFraction: number, seed = 1, ports: readonly number[] = FLEET_PORTS): Fleet {
  if (count > PER_BLOCK * 254) throw new Error(`at most ${PER_BLOCK * 254} hosts`);
  const hosts = Array.from({ length: count }, (_, i) => ({ name: `ne-${i + 1}`, address: fleetAddress(i) }));
  const pairs = hosts.flatMap((h) => ports.map((port) => `${h.address}:${port}`));
  const dropped = new Set(pickFraction(pairs, filteredFraction, seed));
  const open = new Set<number>(ports.slice(0, 4));
  return {
    hosts,
    ports,
    dropped,
    expected(address, port) {
      if (dropped.has(`${address}:${port}`)) return 'filtered';
      return open.has(port) ? 'open' : 'closed';
    },
  };
}

/** round(fraction x n) items, chosen by a seeded shuffle: the same every run, spread over the list. */
export function pickFraction<T>(items: readonly T[], fraction: number, seed: number): T[] {
  const copy = [...items];
  const random = mulberry32(seed);
  const take = Math.round(copy.length * fraction);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    const swap = copy[i] as T;
    copy[i] = copy[j] as T;
    copy[j] = swap;
  }
  return copy.slice(0, take);
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Network elements of every type in turn and nothing else: what the planner faces in a large
 * deployment (every server -> NE row for each type), for timing the planning alone.
 */
export function planningInventory(count: number, neTypes: readonly string[]): string {
  const lines = ['name: bench-planning', 'hosts:', `  - { name: ${VANTAGE_NAME}, role: psm-server, addresses: [${VANTAGE_ADDRESS}] }`];
  for (let i = 0; i < count; i++) {
    lines.push(`  - { name: ne-${i + 1}, role: network-element, neType: ${neTypes[i % neTypes.length] ?? 'bti700'}, addresses: [${fleetAddress(i)}] }`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The inventory: the PSM server (vantage) and the hosts as network elements, each with one
 * inventory path carrying the six ports to the tcp probe. The sweep runs with `--only tcp`, so
 * the plan it executes is exactly those paths, planned like every nightly check is.
 * One host per line in YAML flow style: small, and still what an operator could write.
 */
export function fleetInventory(fleet: Fleet, neType = 'bti700'): string {
  const lines = [
    '# psm-netcheck benchmark fleet (bench/fleet.ts): simulated elements on loopback inside a network namespace',
    'name: bench-tcp-fleet',
    'hosts:',
    `  - { name: ${VANTAGE_NAME}, role: psm-server, addresses: [${VANTAGE_ADDRESS}] }`,
  ];
  for (const h of fleet.hosts) lines.push(`  - { name: ${h.name}, role: network-element, neType: ${neType}, addresses: [${h.address}] }`);
  lines.push('paths:');
  const ports = fleet.ports.join(', ');
  for (const h of fleet.hosts) {
    lines.push(`  - { name: sweep-${h.name}, from: ${VANTAGE_NAME}, to: ${h.name}, transport: tcp, ports: [${ports}], expect: reachable, probe: tcp }`);
  }
  return `${lines.join('\n')}\n`;
}

/** nftables: drop every dropped pair on input (the loopback's packets pass input too). */
export function dropRules(tcp: Iterable<string>, udp: Iterable<string> = [], icmp: Iterable<string> = []): string {
  const elements = (pairs: Iterable<string>): string =>
    [...pairs].map((pair) => {
      const at = pair.lastIndexOf(':');
      return `${pair.slice(0, at)} . ${pair.slice(at + 1)}`;
    }).join(', ');
  const set = (name: string, type: string, body: string): string =>
    body === '' ? `  set ${name} { type ${type}; }\n` : `  set ${name} { type ${type}; elements = { ${body} } }\n`;
  const icmpList = [...icmp].join(', ');
  return (
    'table inet psmbench {\n' +
    set('tcp4', 'ipv4_addr . inet_service', elements(tcp)) +
    set('udp4', 'ipv4_addr . inet_service', elements(udp)) +
    set('icmp4', 'ipv4_addr', icmpList) +
    '  chain input {\n' +
    '    type filter hook input priority 0; policy accept;\n' +
    '    ip daddr . tcp dport @tcp4 drop\n' +
    '    ip daddr . udp dport @udp4 drop\n' +
    '    icmp type echo-request ip daddr @icmp4 drop\n' +
    '  }\n' +
    '}\n'
  );
}
