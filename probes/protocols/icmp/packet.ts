/**
 * ICMP echo packets (RFC 792, RFC 4443) and what comes back on a raw socket: IPv4 raw sockets
 * deliver the IP header too; ICMPv6 raw sockets deliver only the ICMPv6 message. Pure functions.
 */

export type IpFamily = 4 | 6;

const ECHO_REQUEST = { 4: 8, 6: 128 } as const;
const ECHO_REPLY = { 4: 0, 6: 129 } as const;
/** Error messages that quote our request: destination unreachable and time exceeded (+ v6 too big, parameter problem). */
const ERROR_TYPES = { 4: new Set([3, 11, 12]), 6: new Set([1, 2, 3, 4]) } as const;

export function buildEchoRequest(family: IpFamily, id: number, seq: number, payload: Buffer): Buffer {
  const packet = Buffer.alloc(8 + payload.length);
  packet.writeUInt8(ECHO_REQUEST[family], 0);
  packet.writeUInt16BE(id, 4);
  packet.writeUInt16BE(seq, 6);
  payload.copy(packet, 8);
  // The kernel fills in the ICMPv6 checksum of raw sockets itself (RFC 3542 §3.1); IPv4 needs ours.
  if (family === 4) packet.writeUInt16BE(internetChecksum(packet), 2);
  return packet;
}

export type IcmpMessage =
  | { readonly kind: 'echo-reply'; readonly id: number; readonly seq: number; readonly payload: Buffer; readonly ttl?: number }
  /** An ICMP error quoting one of our echo requests; `destination` is where that request went. */
  | {
      readonly kind: 'error';
      readonly type: number;
      readonly code: number;
      readonly id: number;
      readonly seq: number;
      readonly destination: string;
    };

/** What a raw socket delivered, if it concerns an echo request; undefined for everything else. */
export function parseIcmp(family: IpFamily, datagram: Buffer): IcmpMessage | undefined {
  let icmp = datagram;
  let ttl: number | undefined;
  if (family === 4) {
    const headerLength = ipv4HeaderLength(datagram);
    if (headerLength === undefined) return undefined;
    ttl = datagram[8];
    icmp = datagram.subarray(headerLength);
  }
  if (icmp.length < 8) return undefined;
  const type = icmp[0] ?? -1;
  const code = icmp[1] ?? -1;
  if (type === ECHO_REPLY[family]) {
    return {
      kind: 'echo-reply',
      id: icmp.readUInt16BE(4),
      seq: icmp.readUInt16BE(6),
      payload: Buffer.from(icmp.subarray(8)),
      ...(ttl === undefined ? {} : { ttl }),
    };
  }
  if (!ERROR_TYPES[family].has(type)) return undefined;
  const quoted = quotedEcho(family, icmp.subarray(8));
  return quoted === undefined ? undefined : { kind: 'error', type, code, ...quoted };
}

/** The echo request quoted in an ICMP error: the original IP header and the first 8 bytes after it. */
function quotedEcho(family: IpFamily, original: Buffer): { id: number; seq: number; destination: string } | undefined {
  let destination: string;
  let inner: Buffer;
  if (family === 4) {
    const headerLength = ipv4HeaderLength(original);
    if (headerLength === undefined || original[9] !== 1) return undefined;
    destination = [...original.subarray(16, 20)].join('.');
    inner = original.subarray(headerLength);
  } else {
    // Only a plain IPv6 header followed by ICMPv6 (next header 58); we send no extension headers.
    if (original.length < 48 || original[6] !== 58) return undefined;
    destination = ipv6Text(original.subarray(24, 40));
    inner = original.subarray(40);
  }
  if (inner.length < 8 || inner[0] !== ECHO_REQUEST[family]) return undefined;
  return { id: inner.readUInt16BE(4), seq: inner.readUInt16BE(6), destination };
}

export function ipv4HeaderLength(datagram: Buffer): number | undefined {
  if (datagram.length < 20 || (datagram[0] ?? 0) >> 4 !== 4) return undefined;
  const length = ((datagram[0] ?? 0) & 0x0f) * 4;
  return length >= 20 && datagram.length >= length ? length : undefined;
}

/** RFC 1071 ones' complement sum. */
export function internetChecksum(data: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < data.length; i += 2) sum += data.readUInt16BE(i);
  if (data.length % 2 === 1) sum += (data[data.length - 1] ?? 0) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Canonical text of an IP address, so that `::1` and `0:0::1` compare equal. */
export function canonicalIp(address: string): string {
  if (!address.includes(':')) return address;
  try {
    return new URL(`http://[${address.replace(/%.*$/, '')}]/`).hostname.slice(1, -1);
  } catch {
    return address;
  }
}

export function ipv6Text(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return canonicalIp(groups.join(':'));
}

/** What an ICMP error means, in the words of the transport catalogue where one fits. */
export function icmpErrorMeaning(family: IpFamily, type: number, code: number): string {
  if (family === 4) {
    if (type === 11) return 'ttl-exceeded';
    if (type === 12) return 'parameter-problem';
    return V4_UNREACHABLE[code] ?? 'unreachable';
  }
  if (type === 3) return 'ttl-exceeded';
  if (type === 2) return 'packet-too-big';
  if (type === 4) return 'parameter-problem';
  return V6_UNREACHABLE[code] ?? 'unreachable';
}

/** Is this error a "time exceeded" (routing loop or too long a path) rather than an unreachable? */
export function isTimeExceeded(family: IpFamily, type: number): boolean {
  return family === 4 ? type === 11 : type === 3;
}

// RFC 792, RFC 1122, RFC 1812 codes of type 3.
const V4_UNREACHABLE: Readonly<Record<number, string>> = {
  0: 'net-unreachable',
  1: 'host-unreachable',
  2: 'protocol-unreachable',
  3: 'port-unreachable',
  4: 'fragmentation-needed',
  5: 'source-route-failed',
  6: 'net-unknown',
  7: 'host-unknown',
  8: 'source-host-isolated',
  9: 'net-prohibited',
  10: 'host-prohibited',
  11: 'net-unreachable-for-tos',
  12: 'host-unreachable-for-tos',
  13: 'admin-prohibited',
  14: 'host-precedence-violation',
  15: 'precedence-cutoff',
};

// RFC 4443 §3.1 codes of type 1.
const V6_UNREACHABLE: Readonly<Record<number, string>> = {
  0: 'no-route',
  1: 'admin-prohibited',
  2: 'beyond-scope',
  3: 'address-unreachable',
  4: 'port-unreachable',
  5: 'source-policy-failed',
  6: 'reject-route',
};
