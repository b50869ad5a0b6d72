import { defineReasons } from './reasons.js';
import type { TransportReason } from './transport-reasons.js';

/**
 * Reasons named after the ICMP error that ended a path, for the codes the transport catalogue has
 * no word for. The ICMP error observer (probes/protocols/icmp/observer.ts) reads the exact type
 * and code, which a socket error folds together (Linux maps type 3 codes 1, 10 and 13 all to
 * EHOSTUNREACH): these codes keep them apart. Codes shared with the transport catalogue
 * (net-unreachable, host-unreachable, protocol-unreachable, port-unreachable, admin-prohibited)
 * are reused, never redefined.
 */
export const ICMP_REASONS = defineReasons({
  'fragmentation-needed': {
    outcome: 'fail',
    summary: 'ICMP fragmentation needed and DF set: a link on the path has a smaller MTU (PMTUD black hole if ignored)',
  },
  'source-route-failed': { outcome: 'fail', summary: 'ICMP source route failed (RFC 792 code 5)' },
  'net-unknown': { outcome: 'fail', summary: 'ICMP destination network unknown (RFC 1122 code 6): a router has no route' },
  'host-unknown': { outcome: 'fail', summary: 'ICMP destination host unknown (RFC 1122 code 7)' },
  'source-host-isolated': { outcome: 'fail', summary: 'ICMP source host isolated (RFC 1122 code 8, obsolete)' },
  'net-prohibited': {
    outcome: 'fail',
    summary: 'ICMP network administratively prohibited (code 9): a firewall rejects traffic to this network',
  },
  'host-prohibited': {
    outcome: 'fail',
    summary: 'ICMP host administratively prohibited (code 10): a firewall rejects traffic to this host',
  },
  'net-unreachable-for-tos': { outcome: 'fail', summary: 'ICMP network unreachable for this type of service (code 11)' },
  'host-unreachable-for-tos': { outcome: 'fail', summary: 'ICMP host unreachable for this type of service (code 12)' },
  'host-precedence-violation': { outcome: 'fail', summary: 'ICMP host precedence violation (RFC 1812 code 14)' },
  'precedence-cutoff': { outcome: 'fail', summary: 'ICMP precedence cutoff in effect (RFC 1812 code 15)' },
  'no-route-to-destination': { outcome: 'fail', summary: 'ICMPv6 no route to destination (code 0): a router has no route' },
  'beyond-scope': { outcome: 'fail', summary: 'ICMPv6 beyond scope of source address (code 2)' },
  'address-unreachable': {
    outcome: 'fail',
    summary: 'ICMPv6 address unreachable (code 3): the last router found no neighbour for the address',
  },
  'source-policy-failed': { outcome: 'fail', summary: 'ICMPv6 source address failed ingress/egress policy (code 5): a firewall' },
  'reject-route': { outcome: 'fail', summary: 'ICMPv6 reject route to destination (code 6): a router has a reject route' },
  'source-routing-header-error': { outcome: 'fail', summary: 'ICMPv6 error in source routing header (RFC 6554 code 7)' },
  'unreachable-unknown-code': { outcome: 'fail', summary: 'ICMP destination unreachable with a code no RFC defines' },
  'ttl-exceeded': {
    outcome: 'fail',
    summary: 'ICMP time exceeded in transit: a routing loop, or more hops than the TTL allows',
  },
  'reassembly-time-exceeded': { outcome: 'fail', summary: 'ICMP fragment reassembly time exceeded at the target' },
});

export type IcmpReason = keyof typeof ICMP_REASONS;
/** A reason code for an ICMP error: one of ICMP_REASONS, or a transport code with the same meaning. */
export type IcmpErrorReason =
  | IcmpReason
  | Extract<TransportReason, 'net-unreachable' | 'host-unreachable' | 'protocol-unreachable' | 'port-unreachable' | 'admin-prohibited'>;

// RFC 792 (codes 0-5), RFC 1122 (6-12), RFC 1812 (13-15): Destination Unreachable, type 3.
const V4_UNREACHABLE: readonly IcmpErrorReason[] = [
  'net-unreachable',
  'host-unreachable',
  'protocol-unreachable',
  'port-unreachable',
  'fragmentation-needed',
  'source-route-failed',
  'net-unknown',
  'host-unknown',
  'source-host-isolated',
  'net-prohibited',
  'host-prohibited',
  'net-unreachable-for-tos',
  'host-unreachable-for-tos',
  'admin-prohibited',
  'host-precedence-violation',
  'precedence-cutoff',
];

// RFC 4443 §3.1 (codes 0-6) and RFC 6554 (7): Destination Unreachable, type 1.
const V6_UNREACHABLE: readonly IcmpErrorReason[] = [
  'no-route-to-destination',
  'admin-prohibited',
  'beyond-scope',
  'address-unreachable',
  'port-unreachable',
  'source-policy-failed',
  'reject-route',
  'source-routing-header-error',
];

/** The reason code of an ICMP (family 4) or ICMPv6 (family 6) error; undefined for other types. */
export function icmpErrorReason(family: 4 | 6, type: number, code: number): IcmpErrorReason | undefined {
  if (family === 4) {
    if (type === 3) return V4_UNREACHABLE[code] ?? 'unreachable-unknown-code';
    if (type === 11) return code === 1 ? 'reassembly-time-exceeded' : 'ttl-exceeded';
    return undefined;
  }
  if (type === 1) return V6_UNREACHABLE[code] ?? 'unreachable-unknown-code';
  if (type === 2) return 'fragmentation-needed';
  if (type === 3) return code === 1 ? 'reassembly-time-exceeded' : 'ttl-exceeded';
  return undefined;
}

/** Reasons a firewall gives on purpose: the sender is the one who "rejected", not a router that could not deliver. */
export const PROHIBITIONS: ReadonlySet<string> = new Set<IcmpErrorReason>([
  'admin-prohibited',
  'net-prohibited',
  'host-prohibited',
  'source-policy-failed',
  'reject-route',
]);
