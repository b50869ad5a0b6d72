import type { Matcher } from '../../kit/bounded-reader.js';

/**
 * The first packet a MySQL/MariaDB server sends (dev.mysql.com "Connection Phase"): a 3-byte
 * little-endian payload length, a sequence number (0 for the greeting), then HandshakeV10
 * (0x0a), the pre-4.1 HandshakeV9 (0x09), or an ERR packet (0xff) when it refuses the client.
 * The probe reads it here; the lab writes it with ./server.ts.
 */
export type Greeting =
  | {
      readonly kind: 'handshake';
      readonly protocol: 9 | 10;
      /** As announced, with MariaDB's "5.5.5-" replication-compatibility prefix removed. */
      readonly serverVersion: string;
      readonly mariadb: boolean;
      readonly connectionId: number;
      readonly capabilities: number;
      readonly authPlugin?: string;
    }
  | { readonly kind: 'error'; readonly code: number; readonly message: string }
  | { readonly kind: 'malformed'; readonly why: string };

const HEADER = 4;
/** Real greetings are about 100 bytes; anything claiming more than this is not a greeting. */
export const MAX_GREETING = 16 * 1024;
const FIRST_BYTES = new Set([0x0a, 0x09, 0xff]);

/** Capability flags (dev.mysql.com "Capabilities Flags"), as the greeting announces them. */
export const CAPABILITY = {
  longPassword: 0x0000_0001,
  longFlag: 0x0000_0004,
  connectWithDb: 0x0000_0008,
  protocol41: 0x0000_0200,
  ssl: 0x0000_0800,
  transactions: 0x0000_2000,
  secureConnection: 0x0000_8000,
  pluginAuth: 0x0008_0000,
  connectAttrs: 0x0010_0000,
  pluginAuthLenencClientData: 0x0020_0000,
} as const;

export const CLIENT_SSL = CAPABILITY.ssl;
const CLIENT_PLUGIN_AUTH = CAPABILITY.pluginAuth;

/**
 * Matches one whole greeting packet. A header that cannot start a greeting (sequence not 0, an
 * unknown first payload byte, an absurd length) is handed over at once, so another protocol is
 * reported as such instead of waiting for megabytes it claims to send.
 */
export const greetingMatcher: Matcher = (buffer) => {
  if (buffer.length < HEADER + 1) return -1;
  const length = buffer.readUIntLE(0, 3);
  const plausible = buffer[3] === 0 && length > 0 && length <= MAX_GREETING && FIRST_BYTES.has(buffer[HEADER] ?? -1);
  if (!plausible) return buffer.length;
  return buffer.length >= HEADER + length ? HEADER + length : -1;
};

/** A reader over one payload that reports running out instead of throwing. */
class Cursor {
  #at = 0;
  constructor(private readonly data: Buffer) {}
  get left(): number {
    return this.data.length - this.#at;
  }
  bytes(n: number): Buffer | undefined {
    if (this.left < n) return undefined;
    const out = this.data.subarray(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }
  uint(n: 1 | 2 | 4): number | undefined {
    return this.bytes(n)?.readUIntLE(0, n);
  }
  /** A NUL-terminated string, or the rest of the payload when the NUL is missing (some servers). */
  cstring(): string | undefined {
    if (this.left <= 0) return undefined;
    const end = this.data.indexOf(0, this.#at);
    const stop = end < 0 ? this.data.length : end;
    const text = this.data.subarray(this.#at, stop).toString('latin1');
    this.#at = end < 0 ? stop : stop + 1;
    return text;
  }
}

/**
 * Parse a packet that greetingMatcher matched (header included). The header's length must be
 * exactly what arrived, and within a greeting's size: a header that claims 16 MB followed by 90
 * bytes is no greeting, however well those 90 bytes would parse.
 */
export function parseGreeting(packet: Buffer): Greeting {
  if (packet.length < HEADER + 1 || packet[3] !== 0) return { kind: 'malformed', why: 'not a MySQL packet header' };
  const length = packet.readUIntLE(0, 3);
  if (length > MAX_GREETING) return { kind: 'malformed', why: `the header announces ${length} bytes, more than any greeting` };
  if (packet.length !== HEADER + length) {
    return { kind: 'malformed', why: `the header announces ${length} bytes, ${packet.length - HEADER} arrived` };
  }
  const payload = packet.subarray(HEADER);
  const first = payload[0];
  if (first === 0xff) return parseError(payload);
  if (first === 0x0a || first === 0x09) return parseHandshake(payload, first === 0x0a ? 10 : 9);
  return { kind: 'malformed', why: `first payload byte 0x${(first ?? 0).toString(16)}` };
}

function parseError(payload: Buffer): Greeting {
  if (payload.length < 3) return { kind: 'malformed', why: 'ERR packet too short' };
  const code = payload.readUInt16LE(1);
  // A pre-handshake ERR has no SQL state, but some servers add one: "#HY000".
  const text = payload.subarray(3).toString('utf8').replace(/^#[0-9A-Z]{5}/, '');
  return { kind: 'error', code, message: text };
}

function parseHandshake(payload: Buffer, protocol: 9 | 10): Greeting {
  const cursor = new Cursor(payload.subarray(1));
  const announced = cursor.cstring();
  const connectionId = cursor.uint(4);
  if (announced === undefined || connectionId === undefined) {
    return { kind: 'malformed', why: 'handshake cut short before the connection id' };
  }
  const mariadb = /mariadb/i.test(announced);
  const serverVersion = mariadb ? announced.replace(/^5\.5\.5-/, '') : announced;
  if (protocol === 9) return { kind: 'handshake', protocol, serverVersion, mariadb, connectionId, capabilities: 0 };

  cursor.bytes(8 + 1); // scramble part 1 and its filler
  const low = cursor.uint(2);
  if (low === undefined) return { kind: 'malformed', why: 'handshake cut short before the capabilities' };
  cursor.bytes(1 + 2); // character set and status flags
  const high = cursor.uint(2) ?? 0;
  const capabilities = ((high << 16) | low) >>> 0;
  const authDataLength = cursor.uint(1) ?? 0;
  cursor.bytes(10); // reserved (MariaDB keeps its extended capabilities here)
  cursor.bytes(Math.max(13, authDataLength - 8));
  const authPlugin = capabilities & CLIENT_PLUGIN_AUTH ? cursor.cstring() : undefined;
  return {
    kind: 'handshake',
    protocol,
    serverVersion,
    mariadb,
    connectionId,
    capabilities,
    ...(authPlugin === undefined || authPlugin === '' ? {} : { authPlugin }),
  };
}

/**
 * COM_QUIT (0x01) in the slot where the server awaits the client's HandshakeResponse, so its
 * sequence number is 1. Sent with sequence 0 instead, MariaDB 10.11 logs "[ERROR] Got packets
 * out of order"; with 1 it logs only its usual "Aborted connection ... closed normally without
 * authentication" warning (measured, see probes/mysql.ts).
 */
export const COM_QUIT_AFTER_GREETING = Buffer.from([0x01, 0x00, 0x00, 0x01, 0x01]);
