import { isIPv4 } from 'node:net';
import { PACKET_LENGTH } from './packet.js';

/**
 * The server side of the NTP codec (RFC 5905 §7.3, §8 as an SNTP client sees it, RFC 4330 §5):
 * read a client's request and write the mode-4 reply. Used by the lab's simulated server; the
 * probe reads these replies with ./packet.ts.
 */

/** What a server needs from a client's request. */
export interface ClientRequest {
  readonly version: number;
  readonly poll: number;
  /** The client's Transmit Timestamp, copied into the reply's Origin. */
  readonly transmit: Buffer;
}

/** A mode-3 request of version 1 to 4; undefined for anything else, control (6) and private (7) modes included. */
export function parseClientRequest(datagram: Buffer): ClientRequest | undefined {
  if (datagram.length < PACKET_LENGTH) return undefined;
  const first = datagram[0] ?? 0;
  const version = (first >> 3) & 0x07;
  if ((first & 0x07) !== 3 || version < 1 || version > 4) return undefined;
  return { version, poll: datagram.readInt8(2), transmit: Buffer.from(datagram.subarray(40, 48)) };
}

export interface ServerReplyFields {
  /** 0-2, or 3 for "unsynchronized" (also what a kiss-o'-death carries). */
  readonly leap: number;
  /** 0 for a kiss or an unsynchronized server, 1 primary, 2-15 secondary. */
  readonly stratum: number;
  /** log2 seconds, e.g. -20 for about a microsecond. */
  readonly precision: number;
  readonly rootDelayMs: number;
  readonly rootDispersionMs: number;
  /** Four octets, see encodeRefId. */
  readonly refId: Buffer;
  /** When the clock was last set; 0n when it never was. */
  readonly reference: bigint;
  readonly receive: bigint;
  readonly transmit: bigint;
}

/** The mode-4 reply to `request`: its version and poll echoed, its Transmit Timestamp as Origin (RFC 5905 §8). */
export function buildServerReply(request: ClientRequest, fields: ServerReplyFields): Buffer {
  const packet = Buffer.alloc(PACKET_LENGTH);
  packet[0] = ((fields.leap & 0x03) << 6) | (request.version << 3) | 4;
  packet[1] = fields.stratum;
  packet.writeInt8(request.poll, 2);
  packet.writeInt8(fields.precision, 3);
  packet.writeUInt32BE(toShortFormat(fields.rootDelayMs), 4);
  packet.writeUInt32BE(toShortFormat(fields.rootDispersionMs), 8);
  fields.refId.copy(packet, 12, 0, 4);
  packet.writeBigUInt64BE(fields.reference, 16);
  request.transmit.copy(packet, 24);
  packet.writeBigUInt64BE(fields.receive, 32);
  packet.writeBigUInt64BE(fields.transmit, 40);
  return packet;
}

/**
 * The Reference ID for `text`, the inverse of refIdText: up to four ASCII characters at stratum
 * 0 and 1 (a kiss code, a clock name such as "GPS"), an IPv4 address above (RFC 5905 §7.3).
 */
export function encodeRefId(stratum: number, text: string): Buffer {
  const id = Buffer.alloc(4);
  if (stratum > 1 && isIPv4(text)) text.split('.').forEach((octet, i) => (id[i] = Number(octet)));
  else id.write(text.slice(0, 4), 'ascii');
  return id;
}

/** NTP short format: 16.16 fixed-point seconds (RFC 5905 §6), as Root Delay and Root Dispersion. */
export function toShortFormat(ms: number): number {
  return Math.round((ms / 1000) * 65536) >>> 0;
}
