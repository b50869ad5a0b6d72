import { canonicalIp, ipv4HeaderLength, ipv6Text, type IpFamily } from './packet.js';

/**
 * ICMP errors (Destination Unreachable, Time Exceeded, Packet Too Big) as a raw socket delivers
 * them, with the header of the packet they quote: which of our packets caused them. Pure functions.
 */

export type QuotedProtocol = 'tcp' | 'udp' | 'icmp';

export interface QuotedPacket {
  readonly protocol: QuotedProtocol;
  readonly source: string;
  readonly destination: string;
  /** TCP and UDP: the ports of the quoted header. */
  readonly sourcePort?: number;
  readonly destinationPort?: number;
  /** ICMP echo: identifier and sequence number. */
  readonly id?: number;
  readonly seq?: number;
  /** TCP: the sequence number (the locate probes number their SYNs with it). */
  readonly tcpSeq?: number;
  /** IPv4 total length or IPv6 payload length of the quoted packet (the locate probes' UDP TTL mark). */
  readonly length: number;
}

export interface IcmpError {
  readonly family: IpFamily;
  readonly type: number;
  readonly code: number;
  readonly quoted: QuotedPacket;
}

const ERROR_TYPES = { 4: new Set([3, 11]), 6: new Set([1, 2, 3]) } as const;
const PROTOCOLS: Readonly<Record<number, QuotedProtocol>> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmp' };

/** The ICMP error in a raw socket's datagram (IPv4 raw sockets include the IP header); undefined for anything else. */
export function parseIcmpError(family: IpFamily, datagram: Buffer): IcmpError | undefined {
  let icmp = datagram;
  if (family === 4) {
    const headerLength = ipv4HeaderLength(datagram);
    if (headerLength === undefined) return undefined;
    icmp = datagram.subarray(headerLength);
  }
  if (icmp.length < 8) return undefined;
  const type = icmp[0] ?? -1;
  const code = icmp[1] ?? -1;
  if (!ERROR_TYPES[family].has(type)) return undefined;
  const quoted = parseQuoted(family, icmp.subarray(8));
  return quoted === undefined ? undefined : { family, type, code, quoted };
}

/** The quoted IP header and the first 8 bytes after it (all RFC 792 promises). */
function parseQuoted(family: IpFamily, original: Buffer): QuotedPacket | undefined {
  let protocolNumber: number;
  let source: string;
  let destination: string;
  let inner: Buffer;
  let length: number;
  if (family === 4) {
    const headerLength = ipv4HeaderLength(original);
    if (headerLength === undefined) return undefined;
    protocolNumber = original[9] ?? -1;
    length = original.readUInt16BE(2);
    source = [...original.subarray(12, 16)].join('.');
    destination = [...original.subarray(16, 20)].join('.');
    inner = original.subarray(headerLength);
  } else {
    // A plain IPv6 header only: no probe of ours sends extension headers.
    if (original.length < 40 || (original[0] ?? 0) >> 4 !== 6) return undefined;
    protocolNumber = original[6] ?? -1;
    length = original.readUInt16BE(4);
    source = ipv6Text(original.subarray(8, 24));
    destination = ipv6Text(original.subarray(24, 40));
    inner = original.subarray(40);
  }
  const protocol = PROTOCOLS[protocolNumber];
  if (protocol === undefined || inner.length < 8) return undefined;
  const base = { protocol, source: canonicalIp(source), destination: canonicalIp(destination), length };
  if (protocol === 'icmp') return { ...base, id: inner.readUInt16BE(4), seq: inner.readUInt16BE(6) };
  return {
    ...base,
    sourcePort: inner.readUInt16BE(0),
    destinationPort: inner.readUInt16BE(2),
    ...(protocol === 'tcp' ? { tcpSeq: inner.readUInt32BE(4) } : {}),
  };
}
