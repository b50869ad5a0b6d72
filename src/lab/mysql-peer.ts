import { randomBytes } from 'node:crypto';
import { listenTcp, type ConnectionHandler } from './listen.js';
import type { PeerEndpoint, PeerHandle } from './types.js';

/**
 * A simulated MySQL server's first packets: the HandshakeV10 greeting (or an ERR packet in its
 * place, as a server that refuses the host sends), COM_QUIT, and ERR 1045 to any login (the lab
 * holds no MySQL accounts).
 */

export type MysqlRefusal = 1040 | 1129 | 1130;

export interface MysqlServiceOptions {
  /** @default '8.0.36-lab' */
  readonly version?: string;
  /**
   * Fault: send this ERR packet instead of the greeting, then close: 1129 host blocked (too many
   * handshake errors), 1130 host not allowed, 1040 too many connections.
   */
  readonly errCode?: MysqlRefusal;
}

export interface MysqlPeerOptions extends MysqlServiceOptions, PeerEndpoint {}

const CAPABILITIES =
  0x00000001 | // LONG_PASSWORD
  0x00000004 | // LONG_FLAG
  0x00000008 | // CONNECT_WITH_DB
  0x00000200 | // PROTOCOL_41
  0x00002000 | // TRANSACTIONS
  0x00008000 | // SECURE_CONNECTION
  0x00080000 | // PLUGIN_AUTH
  0x00100000 | // CONNECT_ATTRS
  0x00200000; // PLUGIN_AUTH_LENENC_CLIENT_DATA (no SSL flag: the lab offers no TLS)
const COM_QUIT = 0x01;

export function mysqlHandler(options: MysqlServiceOptions = {}): ConnectionHandler {
  let threadId = 1;
  return (socket) => {
    const peer = socket.remoteAddress ?? 'unknown';
    if (options.errCode !== undefined) {
      socket.end(packet(0, errPayload(options.errCode, refusalText(options.errCode, peer))));
      return;
    }
    socket.write(packet(0, greeting(options.version ?? '8.0.36-lab', threadId++)));
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      if (pending.length > 65536) {
        socket.destroy();
        return;
      }
      while (pending.length >= 4) {
        const length = pending.readUIntLE(0, 3);
        if (pending.length < 4 + length) return;
        const sequence = pending[3] ?? 0;
        const command = pending[4];
        pending = pending.subarray(4 + length);
        // A one-byte COM_QUIT, with sequence 0 (a command) or 1 (in place of the handshake
        // response, as the probe sends it and as MariaDB accepts without logging an error).
        if (length === 1 && sequence <= 1 && command === COM_QUIT) {
          socket.end();
          return;
        }
        // Anything else at this stage is a HandshakeResponse: refuse it as an unknown account would be.
        socket.end(packet(sequence + 1, errPayload(1045, `Access denied for user (using password: YES)`, '28000')));
        return;
      }
    });
  };
}

export function startMysqlPeer(options: MysqlPeerOptions): Promise<PeerHandle> {
  return listenTcp(options, mysqlHandler(options));
}

/** 3-byte little-endian payload length, 1-byte sequence id, payload. */
function packet(sequence: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = sequence & 0xff;
  return Buffer.concat([header, payload]);
}

function greeting(version: string, threadId: number): Buffer {
  const scramble = Buffer.from(randomBytes(20).map((byte) => (byte % 94) + 33)); // printable, never NUL
  const fixed = Buffer.alloc(4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10);
  let offset = 0;
  offset = fixed.writeUInt32LE(threadId, offset);
  offset += scramble.copy(fixed, offset, 0, 8);
  offset = fixed.writeUInt8(0, offset); // filler
  offset = fixed.writeUInt16LE(CAPABILITIES & 0xffff, offset);
  offset = fixed.writeUInt8(255, offset); // utf8mb4_0900_ai_ci
  offset = fixed.writeUInt16LE(0x0002, offset); // SERVER_STATUS_AUTOCOMMIT
  offset = fixed.writeUInt16LE(CAPABILITIES >>> 16, offset);
  fixed.writeUInt8(21, offset); // auth-plugin-data length: 20 + NUL; 10 reserved zeros follow
  return Buffer.concat([
    Buffer.from([0x0a]),
    Buffer.from(`${version}\0`, 'latin1'),
    fixed,
    scramble.subarray(8),
    Buffer.from([0]),
    Buffer.from('caching_sha2_password\0', 'latin1'),
  ]);
}

/** ERR packet; the SQL state marker is omitted before the handshake, as the server does there. */
function errPayload(code: number, message: string, sqlState?: string): Buffer {
  const head = Buffer.alloc(3);
  head[0] = 0xff;
  head.writeUInt16LE(code, 1);
  const state = sqlState === undefined ? '' : `#${sqlState}`;
  return Buffer.concat([head, Buffer.from(state + message, 'utf8')]);
}

function refusalText(code: MysqlRefusal, host: string): string {
  switch (code) {
    case 1040:
      return 'Too many connections';
    case 1129:
      return `Host '${host}' is blocked because of many connection errors; unblock with 'mysqladmin flush-hosts'`;
    case 1130:
      return `Host '${host}' is not allowed to connect to this MySQL server`;
  }
}
