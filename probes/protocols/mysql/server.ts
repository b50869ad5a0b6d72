/**
 * The server side of the MySQL/MariaDB connection phase (dev.mysql.com "Connection Phase"), for
 * the lab's simulated server: the packets it writes (HandshakeV10, ERR) and the reading of the
 * client's packets. The probe reads what these write with ./packet.ts.
 */

const HEADER = 4;

/** A packet: 3-byte little-endian payload length, 1-byte sequence id, payload. */
export function encodePacket(sequence: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = sequence & 0xff;
  return Buffer.concat([header, payload]);
}

/** The first client packet complete at the front of `buffer`, and the rest; undefined while incomplete. */
export function takePacket(buffer: Buffer): { readonly sequence: number; readonly payload: Buffer; readonly rest: Buffer } | undefined {
  if (buffer.length < HEADER) return undefined;
  const length = buffer.readUIntLE(0, 3);
  if (buffer.length < HEADER + length) return undefined;
  return { sequence: buffer[3] ?? 0, payload: buffer.subarray(HEADER, HEADER + length), rest: buffer.subarray(HEADER + length) };
}

export interface HandshakeV10 {
  readonly serverVersion: string;
  readonly connectionId: number;
  readonly capabilities: number;
  /** Collation id, e.g. 255 for utf8mb4_0900_ai_ci. */
  readonly characterSet: number;
  /** SERVER_STATUS_* flags, e.g. 0x0002 autocommit. */
  readonly statusFlags: number;
  /** The scramble: 20 octets, none of them NUL (clients read part 2 up to a NUL). */
  readonly authData: Buffer;
  readonly authPlugin: string;
}

/** A HandshakeV10 payload (protocol version 10), to go out with sequence 0. */
export function encodeHandshakeV10(handshake: HandshakeV10): Buffer {
  const fixed = Buffer.alloc(4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10);
  let offset = fixed.writeUInt32LE(handshake.connectionId, 0);
  offset += handshake.authData.copy(fixed, offset, 0, 8);
  offset += 1; // filler
  offset = fixed.writeUInt16LE(handshake.capabilities & 0xffff, offset);
  offset = fixed.writeUInt8(handshake.characterSet, offset);
  offset = fixed.writeUInt16LE(handshake.statusFlags, offset);
  offset = fixed.writeUInt16LE(handshake.capabilities >>> 16, offset);
  // Length of the whole auth-plugin-data with its closing NUL; 10 reserved zero octets follow.
  fixed.writeUInt8(handshake.authData.length + 1, offset);
  // Part 2 is max(13, length - 8) octets: the rest of the scramble and its NUL.
  const part2 = Buffer.alloc(Math.max(13, handshake.authData.length + 1 - 8));
  handshake.authData.copy(part2, 0, 8);
  return Buffer.concat([
    Buffer.from([0x0a]),
    Buffer.from(`${handshake.serverVersion}\0`, 'latin1'),
    fixed,
    part2,
    Buffer.from(`${handshake.authPlugin}\0`, 'latin1'),
  ]);
}

/**
 * An ERR payload: 0xff, the error code, then the message. With `sqlState` the 4.1 marker `#` and
 * the five-character state come first; before the handshake a server sends none.
 */
export function encodeErr(code: number, message: string, sqlState?: string): Buffer {
  const head = Buffer.alloc(3);
  head[0] = 0xff;
  head.writeUInt16LE(code, 1);
  return Buffer.concat([head, Buffer.from(`${sqlState === undefined ? '' : `#${sqlState}`}${message}`, 'utf8')]);
}

/** COM_QUIT (0x01), the command that ends a session. */
export const COM_QUIT = 0x01;
