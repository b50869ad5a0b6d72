import type rawSocket from 'raw-socket';
import type { Socket } from 'raw-socket';
import type { IpFamily } from './packet.js';

/** raw-socket's exports (createSocket and its constants), loaded on the first raw ping (icmp-raw.ts). */
export type RawSocketLibrary = typeof rawSocket;

/**
 * The one privileged step of the ICMP probe: opening a raw ICMP socket. Without CAP_NET_RAW
 * raw-socket throws synchronously ("Operation not permitted", no `code`). Kept alone in this
 * module so that tests can deny the privilege without touching anything else.
 */
export function openRawIcmpSocket(raw: RawSocketLibrary, family: IpFamily): Socket {
  return raw.createSocket({
    protocol: family === 4 ? raw.Protocol.ICMP : raw.Protocol.ICMPv6,
    addressFamily: family === 4 ? raw.AddressFamily.IPv4 : raw.AddressFamily.IPv6,
    // Replies are small; a larger buffer only matters for the quoted packet in ICMP errors.
    bufferSize: 4096,
  });
}
