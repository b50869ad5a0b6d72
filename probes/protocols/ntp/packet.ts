import { randomBytes } from 'node:crypto';

/**
 * SNTP client packets (RFC 4330, RFC 5905 §7.3); the server side, for the lab, is ./server.ts.
 * Timestamps are 64-bit 32.32 fixed point since 1900, kept as bigint so that differences can be
 * taken modulo 2^64 (valid within ±68 years, across the 2036 era rollover).
 */

export const PACKET_LENGTH = 48;
const NTP_UNIX_OFFSET_S = 2_208_988_800;
const TWO_32 = 4_294_967_296;

/** LI 0, VN 4, mode 3 (client). */
const CLIENT_HEADER = 0x23;

export interface NtpRequest {
  readonly packet: Buffer;
  /** The random Transmit Timestamp the server must copy into Origin. */
  readonly nonce: Buffer;
}

/** A mode-3 request whose Transmit Timestamp is a random nonce rather than our clock (RFC 4330 §6 allows it). */
export function buildRequest(): NtpRequest {
  const packet = Buffer.alloc(PACKET_LENGTH);
  packet[0] = CLIENT_HEADER;
  let nonce = randomBytes(8);
  while (nonce.every((octet) => octet === 0)) nonce = randomBytes(8);
  nonce.copy(packet, 40);
  return { packet, nonce };
}

export interface NtpReply {
  readonly leap: number;
  readonly version: number;
  readonly mode: number;
  readonly stratum: number;
  readonly poll: number;
  readonly precision: number;
  readonly rootDelayMs: number;
  readonly rootDispersionMs: number;
  readonly refId: Buffer;
  readonly receive: bigint;
  readonly transmit: bigint;
}

/**
 * The reply to `request`, or undefined when it is not one (RFC 4330 §5 with erratum 2263,
 * RFC 5905 §8): at least 48 octets, mode 4 (server), VN not 0, Origin equal to our nonce, Transmit not 0.
 * Stratum 0 is kept: it carries the kiss codes and the unsynchronized state, both worth reporting.
 */
export function parseReply(datagram: Buffer, request: NtpRequest): NtpReply | undefined {
  if (datagram.length < PACKET_LENGTH) return undefined;
  const first = datagram[0] ?? 0;
  const mode = first & 0x07;
  const version = (first >> 3) & 0x07;
  if (mode !== 4 || version === 0) return undefined;
  if (!datagram.subarray(24, 32).equals(request.nonce)) return undefined;
  const transmit = datagram.readBigUInt64BE(40);
  if (transmit === 0n) return undefined;
  return {
    leap: first >> 6,
    version,
    mode,
    stratum: datagram[1] ?? 0,
    poll: datagram.readInt8(2),
    precision: datagram.readInt8(3),
    rootDelayMs: (datagram.readInt32BE(4) / 65536) * 1000,
    rootDispersionMs: (datagram.readUInt32BE(8) / 65536) * 1000,
    refId: Buffer.from(datagram.subarray(12, 16)),
    receive: datagram.readBigUInt64BE(32),
    transmit,
  };
}

/** A wall-clock time (ms since 1970) as an NTP timestamp (modulo 2^32 seconds, the era dropped). */
export function toNtp(unixMs: number): bigint {
  const seconds = Math.floor(unixMs / 1000);
  // Clamped: floating point may put the remainder a hair outside [0, 1000).
  const fraction = Math.min(TWO_32 - 1, Math.max(0, Math.floor(((unixMs - seconds * 1000) / 1000) * TWO_32)));
  return ((BigInt(seconds + NTP_UNIX_OFFSET_S) & 0xffff_ffffn) << 32n) | BigInt(fraction);
}

/** a - b in milliseconds, taken modulo 2^64 as a signed difference. */
export function diffMs(a: bigint, b: bigint): number {
  return (Number(BigInt.asIntN(64, a - b)) / TWO_32) * 1000;
}

/** An NTP timestamp as a Date, by RFC 4330 §3's era rule (top bit set: 1968-2036, clear: 2036-2104). */
export function toDate(timestamp: bigint): Date {
  let seconds = Number(timestamp >> 32n);
  if (seconds < 0x8000_0000) seconds += TWO_32;
  const fraction = Number(timestamp & 0xffff_ffffn) / TWO_32;
  return new Date((seconds - NTP_UNIX_OFFSET_S + fraction) * 1000);
}

/**
 * Clock offset θ and round-trip delay δ (RFC 5905 §8):
 * θ = ((T2 − T1) + (T3 − T4)) / 2, δ = (T4 − T1) − (T3 − T2).
 * T1 and T4 are ours (wall clock at send, and send + the monotonic round trip); T2 and T3 the server's.
 */
export function offsetAndDelay(t1: bigint, t2: bigint, t3: bigint, t4: bigint): { offsetMs: number; delayMs: number } {
  return {
    offsetMs: (diffMs(t2, t1) + diffMs(t3, t4)) / 2,
    delayMs: diffMs(t4, t1) - diffMs(t3, t2),
  };
}

/** Kiss codes are four printable ASCII characters (RFC 5905 §7.4). */
export function kissCode(refId: Buffer): string | undefined {
  const text = refId.toString('latin1').replace(/\0+$/, '');
  return /^[A-Z][A-Z0-9]{1,3}$/.test(text) ? text : undefined;
}

/** The reference ID as people read it: a clock name at stratum 1, an IPv4 address above. */
export function refIdText(stratum: number, refId: Buffer): string {
  if (stratum <= 1) return refId.toString('latin1').replace(/\0+$/, '').replace(/[^\x20-\x7e]/g, '?');
  // Above stratum 1 it is the upstream's IPv4 address, or the first octets of MD5(IPv6): both read as dotted quad.
  return [...refId].join('.');
}
